import { describe, expect, it } from 'vitest';
import { fourierModeErrors } from './fourier-mode-errors.js';

/** Samples `f(t)` for t = 0..n-1. */
const sampled = (n: number, f: (t: number) => number) => Float64Array.from({ length: n }, (_, t) => f(t));

// Every signal below is in float64, so the only error is the rounding of the sums: with n ≤ 64
// terms of size ≤ 1 it is far below 1e-12.
const EXACT = 1e-12;

describe('fourierModeErrors', () => {
  it('puts A/2 on bin 2 for a pure cosine A cos(2π·2t/n), zero elsewhere', () => {
    // DFT of A cos(2π k₀ t/n) = (A n/2)(δ_{k,k₀} + δ_{k,n−k₀}); divided by n: A/2 at k₀ = 2.
    const A = 0.7;
    const modes = fourierModeErrors(sampled(16, (t) => A * Math.cos((2 * Math.PI * 2 * t) / 16)), 9);
    expect(modes).toHaveLength(9);
    modes.forEach((m, k) => expect(m).toBeCloseTo(k === 2 ? A / 2 : 0, 12));
  });

  it('gives |c| on bin 0 for a constant c, zero elsewhere', () => {
    // DFT_0 = Σ c = n c; DFT_k = c Σ_t e^{−2πikt/n} = 0 for k ≠ 0.
    const c = -1.5;
    const modes = fourierModeErrors(sampled(10, () => c), 6);
    modes.forEach((m, k) => expect(Math.abs(m - (k === 0 ? Math.abs(c) : 0))).toBeLessThan(EXACT));
  });

  it('is blind to the phase: A sin(2π·3t/n + φ) gives A/2 on bin 3 for every φ', () => {
    // sin(θ + φ) = (e^{i(θ+φ)} − e^{−i(θ+φ)})/2i: bin 3 gets n A e^{iφ}/2i, whose modulus is n A/2.
    for (const phi of [0, 1, -2.5]) {
      const modes = fourierModeErrors(sampled(32, (t) => 2 * Math.sin((2 * Math.PI * 3 * t) / 32 + phi)), 8);
      modes.forEach((m, k) => expect(Math.abs(m - (k === 3 ? 1 : 0))).toBeLessThan(EXACT));
    }
  });

  it('gives the full amplitude on the Nyquist bin n/2, which has no mirror image', () => {
    // cos(πt) = (−1)^t: DFT_{n/2} = Σ (−1)^t (−1)^t = n, so |ê_{n/2}| = 1 (not 1/2), as in NumPy's rfft.
    const modes = fourierModeErrors(sampled(8, (t) => Math.cos(Math.PI * t)), 5);
    expect(modes[4]).toBeCloseTo(1, 12);
    expect(Math.max(...modes.slice(0, 4))).toBeLessThan(EXACT);
  });

  it('adds the moduli of separate bins independently and accepts float32 input', () => {
    // 0.25 + 0.5 cos(2π·1t/n) − 0.25 sin(2π·5t/n): bins 0, 1, 5 carry 0.25, 0.25, 0.125. All the
    // samples are within 2^-24 relative of their float64 values after rounding to float32, so the
    // moduli move by at most 2^-24 · max|r| ≈ 6e-8.
    const r = Float32Array.from(
      sampled(64, (t) => 0.25 + 0.5 * Math.cos((2 * Math.PI * t) / 64) - 0.25 * Math.sin((2 * Math.PI * 5 * t) / 64)),
    );
    const expected = [0.25, 0.25, 0, 0, 0, 0.125, 0, 0];
    fourierModeErrors(r, 8).forEach((m, k) => expect(Math.abs(m - expected[k]!)).toBeLessThan(1e-7));
  });

  it('rejects an empty signal and mode counts outside [1, ⌊n/2⌋ + 1], naming the limit', () => {
    expect(() => fourierModeErrors([], 1)).toThrow(/empty/);
    expect(() => fourierModeErrors(new Float64Array(10), 0)).toThrow(/\[1, 6\].*got 0/);
    expect(() => fourierModeErrors(new Float64Array(10), 7)).toThrow(/\[1, 6\].*got 7/);
    expect(() => fourierModeErrors(new Float64Array(10), 2.5)).toThrow(/got 2.5/);
    expect(fourierModeErrors(new Float64Array(10), 6)).toHaveLength(6);
  });
});
