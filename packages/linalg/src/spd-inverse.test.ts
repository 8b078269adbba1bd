import { describe, expect, it } from 'vitest';
import { cholesky } from './cholesky.js';
import { identity64, matMul64, matrix64FromRows, maxAbsDiff64, type Matrix64 } from './matrix64.js';
import { invertLowerTriangular, spdInverse } from './spd-inverse.js';
import { solveLower } from './triangular-solve.js';
import { randomSpd, withSpectrum, randomOrthogonal } from './test-support/random-matrices.js';
import { setWasmKernelsEnabled } from './wasm-kernels.js';

const U = 2 ** -53;

function inverseOf(a: Matrix64, options?: Parameters<typeof spdInverse>[1]) {
  const r = spdInverse(a, options);
  if (!r.ok) throw new Error(`expected success, failed at pivot ${r.pivot}`);
  return r;
}

describe('invertLowerTriangular', () => {
  it('inverts a 2×2 by hand: [[2, 0], [1, 4]]⁻¹ = [[1/2, 0], [−1/8, 1/4]]', () => {
    // W₂₁ = −L₂₁ / (L₁₁ L₂₂) = −1/8; every entry is exact in binary.
    expect(Array.from(invertLowerTriangular(matrix64FromRows([[2, 0], [1, 4]])).data)).toEqual([0.5, 0, -0.125, 0.25]);
  });

  it.each([
    [7, true],
    [48, true],
    [49, true],
    [200, true],
    [261, true],
    [200, false],
  ])('matches forward substitution with the identity, n = %i (wasm kernels: %s)', (n, wasm) => {
    const factor = cholesky(randomSpd(n, 3 * n));
    if (!factor.ok) throw new Error('randomSpd must factor');
    const L = factor.L;
    setWasmKernelsEnabled(wasm);
    const w = invertLowerTriangular(L);
    setWasmKernelsEnabled(true);
    // The reference is an independent route (substitution, triangular-solve.ts). L of an SPD
    // matrix with diagonal shifted by n is well conditioned (κ(L) = √κ(A) ≤ √5 here), so both
    // agree to a small multiple of n·u·max|W|.
    const reference = solveLower(L, identity64(n));
    expect(maxAbsDiff64(w, reference)).toBeLessThan(10 * n * U);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(w.data[i * n + j]).toBe(0);
  });
});

describe('spdInverse', () => {
  it('inverts [[4, 2], [2, 3]] by hand: [[3, −2], [−2, 4]] / 8', () => {
    // det = 12 − 4 = 8; the √2 of the Cholesky factor rounds, so agreement is to a few ulps.
    const { inverse, jitter, attempts } = inverseOf(matrix64FromRows([[4, 2], [2, 3]]));
    expect(maxAbsDiff64(inverse, matrix64FromRows([[0.375, -0.25], [-0.25, 0.5]]))).toBeLessThan(4 * U);
    expect([jitter, attempts]).toEqual([0, 1]);
  });

  it.each([
    [1, true],
    [64, true],
    [65, true],
    [300, true],
    [300, false],
  ])('A·A⁻¹ = I for a random SPD matrix, n = %i (wasm kernels: %s)', (n, wasm) => {
    const a = randomSpd(n, n + 1);
    setWasmKernelsEnabled(wasm);
    const { inverse } = inverseOf(a);
    setWasmKernelsEnabled(true);
    // randomSpd = B Bᵀ + n·I has eigenvalues in [n, ~5n] (κ ≤ 5): a backward-stable inverse leaves
    // |A A⁻¹ − I| at O(n·u·κ); 50·n·u is generous and still far below any real error.
    const residual = matMul64(a, inverse);
    for (let i = 0; i < n; i++) residual.data[i * n + i]! -= 1;
    let worst = 0;
    for (const v of residual.data) worst = Math.max(worst, Math.abs(v));
    expect(worst).toBeLessThan(50 * n * U);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(inverse.data[i * n + j]).toBe(inverse.data[j * n + i]);
  });

  it('equals Q diag(1/λ) Qᵀ for a known spectrum with κ = 1e6', () => {
    const n = 120;
    const lambda = Array.from({ length: n }, (_, i) => 10 ** (-6 * i / (n - 1)));
    const q = randomOrthogonal(n, 5);
    const { inverse } = inverseOf(withSpectrum(q, lambda));
    // Relative to ‖A⁻¹‖ = 1e6 the inverse carries O(n·u·κ) error (Higham Thm 14.5 route).
    const expected = withSpectrum(q, lambda.map((l) => 1 / l));
    expect(maxAbsDiff64(inverse, expected) / 1e6).toBeLessThan(n * U * 1e6);
  });

  it('reports the failing pivot, and inverts A + jitter·I when the retry schedule is on', () => {
    // Rank one: the 2×2 pivot is 1 − 1 = 0.
    const singular = matrix64FromRows([[1, 1], [1, 1]]);
    const failed = spdInverse(singular);
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.pivot).toBe(1);
    const rescued = spdInverse(singular, { jitter: true });
    expect(rescued.ok).toBe(true);
    if (rescued.ok) {
      // (A + sI)⁻¹ with A = 11ᵀ: (1/s)(I − 11ᵀ/(2 + s)) (Sherman-Morrison).
      const s = rescued.jitter;
      expect(s).toBeGreaterThan(0);
      const expected = matrix64FromRows([
        [(1 - 1 / (2 + s)) / s, -1 / (2 + s) / s],
        [-1 / (2 + s) / s, (1 - 1 / (2 + s)) / s],
      ]);
      // κ(A + sI) = (2 + s)/s: the error budget is u·κ relative to ‖(A + sI)⁻¹‖ = 1/s.
      expect(maxAbsDiff64(rescued.inverse, expected)).toBeLessThan((100 * U * (2 + s)) / s / s);
    }
    expect(() => spdInverse(matrix64FromRows([[1, 2]]))).toThrow(/spdInverse: A must be square, got 1×2/);
  });
});
