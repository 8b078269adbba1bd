import { describe, expect, it } from 'vitest';
import { escapeHtml, formatNumber } from './html.js';

describe('escapeHtml', () => {
  it('escapes the five characters that can change HTML structure', () => {
    expect(escapeHtml(`<b class="x">Tom & Jerry's</b>`)).toBe('&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;');
  });
});

describe('formatNumber', () => {
  it('writes four significant digits, in exponent form below 1e-3 and from 1e5', () => {
    expect(formatNumber(0.258361)).toBe('0.2584');
    expect(formatNumber(0.1)).toBe('0.1');
    expect(formatNumber(7.1024e-4)).toBe('7.102e-4');
    expect(formatNumber(1e-4)).toBe('1e-4'); // "1.000e-4" without its trailing zeros
    expect(formatNumber(123456)).toBe('1.235e+5');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
});
