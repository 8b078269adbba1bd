import { describe, expect, it } from 'vitest';
import { cholesky } from './cholesky.js';
import { choleskySolve } from './cholesky-solve.js';
import { matMul64, matrix64, matVec64, transpose64, type Matrix64 } from './matrix64.js';
import { randomNormal64, randomSpd } from './test-support/random-matrices.js';
import { solveLower, solveLowerTransposed, solveUpper } from './triangular-solve.js';

/** A well-conditioned lower-triangular matrix: diagonal in [1, 2], off-diagonal entries of size ~0.3/√n. */
function wellConditionedLower(n: number, seed: number): Matrix64 {
  const g = randomNormal64(n, n, seed);
  const l = matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) l.data[i * n + j] = (0.3 * g.data[i * n + j]!) / Math.sqrt(n);
    l.data[i * n + i] = 1 + Math.abs(g.data[i * n + i]!) / 3;
  }
  return l;
}

const maxRelErr = (got: Float64Array, want: Float64Array) => {
  let e = 0;
  let s = 0;
  for (let i = 0; i < want.length; i++) {
    e = Math.max(e, Math.abs(got[i]! - want[i]!));
    s = Math.max(s, Math.abs(want[i]!));
  }
  return e / s;
};

describe('triangular solves', () => {
  const n = 90;
  const L = wellConditionedLower(n, 5);
  const x = randomNormal64(n, 1, 6).data;

  // Forward error ≤ cond(L)·γ_n (Higham Thm 8.5); this L has cond ≲ 10, γ_90 ≈ 1e-14: bound 1e-12.
  it('solveLower inverts L x', () => {
    expect(maxRelErr(solveLower(L, matVec64(L, x)), x)).toBeLessThan(1e-12);
  });

  it('solveLowerTransposed inverts Lᵀ x', () => {
    expect(maxRelErr(solveLowerTransposed(L, matVec64(transpose64(L), x)), x)).toBeLessThan(1e-12);
  });

  it('solveUpper inverts U x', () => {
    const upper = transpose64(L);
    expect(maxRelErr(solveUpper(upper, matVec64(upper, x)), x)).toBeLessThan(1e-12);
  });

  it('a matrix right-hand side gives, column by column, exactly the vector solves', () => {
    const B = randomNormal64(n, 4, 8);
    for (const solve of [solveLower, solveLowerTransposed, (m: Matrix64, b: Matrix64) => solveUpper(transpose64(m), b)] as const) {
      const X = solve(L, B);
      for (let c = 0; c < 4; c++) {
        const column = Float64Array.from({ length: n }, (_, i) => B.data[i * 4 + c]!);
        const single = solve(L, column as never) as unknown as Float64Array;
        // Same operations in the same order on each column: bitwise equal.
        expect(Float64Array.from({ length: n }, (_, i) => X.data[i * 4 + c]!)).toEqual(single);
      }
    }
  });

  it('choleskySolve solves A x = b for SPD A, vector and matrix b', () => {
    const a = randomSpd(120, 9);
    const r = cholesky(a);
    if (!r.ok) throw new Error('SPD matrix failed to factor');
    const xTrue = randomNormal64(120, 3, 10);
    const b = matMul64(a, xTrue);
    // A = B Bᵀ + nI has cond ≤ (‖B‖² + n)/n ≈ 5 for a 120×120 Gaussian B (‖B‖ ≈ 2√n): error ≲ 5·γ_n.
    expect(maxRelErr(choleskySolve(r.L, b).data, xTrue.data)).toBeLessThan(1e-12);
    const column = Float64Array.from({ length: 120 }, (_, i) => b.data[i * 3]!);
    const col0 = Float64Array.from({ length: 120 }, (_, i) => xTrue.data[i * 3]!);
    expect(maxRelErr(choleskySolve(r.L, column), col0)).toBeLessThan(1e-12);
  });

  it('names the argument whose shape is wrong', () => {
    expect(() => solveLower(L, new Float64Array(3))).toThrow(/solveLower: b has 3 entries; the matrix is 90×90/);
    expect(() => solveUpper(matrix64(2, 3), new Float64Array(2))).toThrow(/solveUpper: U must be square/);
  });
});
