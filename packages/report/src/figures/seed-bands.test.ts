import { describe, expect, it } from 'vitest';
import { median, metricNumber } from './seed-bands.js';

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([7])).toBe(7);
    expect(median([1, 2, 10])).toBe(2);
    expect(median([1, 2, 4, 10])).toBe(3); // (2 + 4) / 2
  });
});

describe('metricNumber', () => {
  it('reads numbers and the strings the runner writes for non-finite numbers, and nothing else', () => {
    expect(metricNumber(0.5)).toBe(0.5);
    expect(metricNumber('NaN')).toBeNaN();
    expect(metricNumber('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(metricNumber('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(metricNumber('0.5')).toBeUndefined();
    expect(metricNumber([1])).toBeUndefined();
    expect(metricNumber(null)).toBeUndefined();
  });
});
