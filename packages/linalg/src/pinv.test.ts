import { describe, expect, it } from 'vitest';
import { eigh } from './eigh.js';
import { matMul64, matrix64, matVec64, maxAbsDiff64, transpose64 } from './matrix64.js';
import { pinvSolve, pinvSymmetric } from './pinv.js';
import { randomNormal64, randomOrthogonal, withSpectrum } from './test-support/random-matrices.js';

const U = 2 ** -53;

describe('pinvSymmetric and pinvSolve', () => {
  // A rank-7 PSD matrix of size 40 with known nonzero eigenvalues 1 .. 1e-3 and 33 exact zeros.
  const n = 40;
  const rank = 7;
  const lambda = Array.from({ length: n }, (_, i) => (i < rank ? 10 ** ((-3 * i) / (rank - 1)) : 0));
  const q = randomOrthogonal(n, 77);
  const a = withSpectrum(q, lambda);

  it('finds the known rank and satisfies A A⁺ A = A and A⁺ A A⁺ = A⁺', () => {
    const { pinv, rank: r, cutoff } = pinvSymmetric(a, { rcond: 1e-10 });
    expect(r).toBe(rank);
    expect(cutoff).toBeCloseTo(1e-10, 20);
    // The zero eigenvalues come out of eigh as O(n·u) noise, far below 1e-10·λ_max, so they are
    // dropped. What remains: A A⁺ A - A = O(‖E‖ + ‖E‖²/λ_r) with ‖E‖ ≈ n·u (eigh's backward
    // error); λ_r = 1e-3 makes the second term negligible, so 100·n·u·λ_max bounds it.
    expect(maxAbsDiff64(matMul64(matMul64(a, pinv), a), a)).toBeLessThan(100 * n * U);
    // A⁺ has norm 1/λ_r = 1e3, so its identity holds to 100·n·u·‖A⁺‖²·‖A‖ = 100·n·u·1e6.
    expect(maxAbsDiff64(matMul64(matMul64(pinv, a), pinv), pinv)).toBeLessThan(100 * n * U * 1e6);
    // A⁺ is also the known Q diag(1/λ on the rank) Qᵀ.
    const expected = withSpectrum(q, lambda.map((l) => (l > 0 ? 1 / l : 0)));
    expect(maxAbsDiff64(pinv, expected)).toBeLessThan(100 * n * U * 1e6);
  });

  it('the cutoff is relative: rcond between two eigenvalues sets the rank', () => {
    // λ_5 = 10^(-2.5) ≈ 3.2e-3 and λ_6 = 1e-3: a cutoff of 2e-3·λ_max keeps six.
    expect(pinvSymmetric(a, { rcond: 2e-3 }).rank).toBe(6);
    expect(pinvSymmetric(matrix64(3, 3)).rank).toBe(0);
    expect(() => pinvSymmetric(a, { rcond: -1 })).toThrow(/rcond must be a finite number ≥ 0, got -1/);
  });

  it('pinvSolve gives A⁺ b without forming A⁺, from A or from its eigh, vector or matrix b', () => {
    const { pinv } = pinvSymmetric(a, { rcond: 1e-10 });
    const b = randomNormal64(n, 3, 4);
    const viaMatrix = matMul64(pinv, b);
    const fromA = pinvSolve(a, b, { rcond: 1e-10 });
    const fromEigh = pinvSolve(eigh(a), b, { rcond: 1e-10 });
    expect(fromA.rank).toBe(rank);
    // Both are V_r Λ_r⁻¹ V_rᵀ b in different association orders: equal to ‖A⁺‖·n·u·‖b‖ ≈ 1e3·40·u·(few).
    expect(maxAbsDiff64(fromA.x, viaMatrix)).toBeLessThan(1e3 * 100 * n * U);
    expect(maxAbsDiff64(fromEigh.x, fromA.x)).toBe(0);
    const column = Float64Array.from({ length: n }, (_, i) => b.data[i * 3]!);
    const single = pinvSolve(a, column, { rcond: 1e-10 }).x;
    for (let i = 0; i < n; i++) expect(single[i]).toBe(fromA.x.data[i * 3]);
  });

  it('solves consistent systems exactly and ignores the null-space component', () => {
    // b = A y lies in range(A), so A x = b; adding a null-space vector to b changes nothing.
    const y = randomNormal64(n, 1, 5).data;
    const b = matVec64(a, y);
    const { x } = pinvSolve(a, b, { rcond: 1e-10 });
    const ax = matVec64(a, x);
    let err = 0;
    for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(ax[i]! - b[i]!));
    expect(err).toBeLessThan(1e3 * 100 * n * U);
    const nullDirection = Float64Array.from({ length: n }, (_, i) => q.data[i * n + (n - 1)]!); // eigenvalue 0
    const shifted = pinvSolve(a, b.map((v, i) => v + nullDirection[i]!), { rcond: 1e-10 }).x;
    let diff = 0;
    for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(shifted[i]! - x[i]!));
    expect(diff).toBeLessThan(1e3 * 100 * n * U);
    expect(() => pinvSolve(a, new Float64Array(3))).toThrow(/pinvSolve: b has 3 rows; A is 40×40/);
  });

  it('is symmetric', () => {
    const { pinv } = pinvSymmetric(a, { rcond: 1e-10 });
    expect(pinv.data).toEqual(transpose64(pinv).data);
  });
});
