import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('replays the same stream from the same seed and from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    const saved = a.getState();
    const next = [a.normal(), a.normal(), a.uniform()];
    const c = new Rng(7);
    c.setState(saved);
    expect([c.normal(), c.normal(), c.uniform()]).toEqual(next);
  });

  it('has the moments of U(0,1) and N(0,1) (sample of 200k; tolerances are 5 standard errors)', () => {
    const r = new Rng(1);
    const n = 200_000;
    let su = 0, su2 = 0, sn = 0, sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      const z = r.normal();
      su += u; su2 += u * u; sn += z; sn2 += z * z;
    }
    // U(0,1): mean 1/2 (sd of mean sqrt(1/12/n)), E[u²] = 1/3. N(0,1): mean 0 (sd 1/sqrt(n)), E[z²] = 1 (sd sqrt(2/n)).
    expect(Math.abs(su / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(su2 / n - 1 / 3)).toBeLessThan(0.003);
    expect(Math.abs(sn / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it('forks independent, label-determined streams', () => {
    const root = new Rng(3);
    const x = root.fork('data').nextUint32();
    root.nextUint32(); // consuming the parent does not shift a fork
    expect(root.fork('data').nextUint32()).toBe(x);
    expect(root.fork('model').nextUint32()).not.toBe(x);
  });

  it('draws permutations and unbiased integers', () => {
    const r = new Rng(5);
    const p = Array.from(r.permutation(100));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const counts = new Array(3).fill(0);
    for (let i = 0; i < 30_000; i++) counts[r.int(3)]++;
    // Each count is Binomial(30000, 1/3): sd ≈ 81.6; allow 5 sd.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(410);
    expect(() => r.int(0)).toThrow(/positive integer/);
  });
});
