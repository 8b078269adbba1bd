import { describe, expect, it } from 'vitest';
import { fmtMiB, fmtSeconds, formatTable } from './table.js';

describe('bench table', () => {
  it('right-aligns numbers under their headers and left-aligns the first column', () => {
    const text = formatTable(['case', 's/step'], [['e1/lm', '16.3m'], ['e1/adam', '9.9m']]);
    // Widths: first column max(4, 5, 7) = 7, second max(6, 5, 4) = 6, two spaces between.
    expect(text.split('\n')).toEqual(['case     s/step', '-------  ------', 'e1/lm     16.3m', 'e1/adam    9.9m']);
  });

  it('formats seconds in s, ms and µs, and bytes in MiB', () => {
    expect(fmtSeconds(1.5)).toBe('1.500');
    expect(fmtSeconds(0.0163)).toBe('16.30m');
    expect(fmtSeconds(2.5e-5)).toBe('25.0µ');
    expect(fmtMiB(3 * 2 ** 20)).toBe('3.0');
  });
});

describe('bench cases', () => {
  it('names every case uniquely and gives the NumPy peer the optimizer it implements', async () => {
    const { BENCH_CASES } = await import('./cases.js');
    const { OP_CASES } = await import('./op-cases.js');
    const names = [...BENCH_CASES, ...OP_CASES].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    // numpy_peer.py e1 implements gd, adam, lm and gn: each peer call names one of them.
    for (const c of BENCH_CASES) if (c.peer) expect(['gd', 'adam', 'lm', 'gn']).toContain(c.peer[c.peer.indexOf('--opt') + 1]);
  });
});
