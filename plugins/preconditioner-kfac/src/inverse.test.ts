import { describe, expect, it } from 'vitest';
import { dampedDiagonalInverse, dampedInverse } from './inverse.js';
import { flat, inverse as referenceInverse, relativeError, type Mat } from './test-support/reference.js';

// A symmetric positive-definite 3 × 3 with eigenvalues well apart (the tridiagonal [2, -1] matrix
// plus 0.5 I: eigenvalues 2.5 - √2, 2.5, 2.5 + √2).
const m: Mat = [
  [2.5, -1, 0],
  [-1, 2.5, -1],
  [0, -1, 2.5],
];
const shifted = (s: number) => m.map((row, i) => row.map((v, j) => v + (i === j ? s : 0)));

describe('dampedInverse', () => {
  for (const method of ['eigh', 'cholesky'] as const) {
    it(`${method}: (M + shift·I)⁻¹ equals Gauss-Jordan's inverse and is exactly symmetric`, () => {
      const r = dampedInverse(Float64Array.from(flat(m)), 3, 0.25, method);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(relativeError(r.inverse, flat(referenceInverse(shifted(0.25))))).toBeLessThan(1e-14);
      for (let i = 0; i < 3; i++) for (let j = 0; j < i; j++) expect(r.inverse[i * 3 + j]).toBe(r.inverse[j * 3 + i]);
    });
  }

  it('replace: (shift·I)⁻¹ whatever M is; refused for shift 0', () => {
    const r = dampedInverse(Float64Array.from(flat(m)), 3, 0.5, 'eigh', true);
    expect(r.ok && Array.from(r.inverse)).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2]);
    expect(dampedInverse(Float64Array.from(flat(m)), 3, 0, 'cholesky', true)).toEqual({ ok: false, reason: 'singular_factor' });
  });

  it('refuses non-finite factors and singular ones (eigh: a damped eigenvalue at rounding level)', () => {
    expect(dampedInverse(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2, 0.1, 'eigh')).toEqual({ ok: false, reason: 'non_finite_statistics' });
    // [[1, 1], [1, 1]] has eigenvalues 2 and 0: singular without damping, fine with it.
    const rankOne = Float64Array.of(1, 1, 1, 1);
    expect(dampedInverse(rankOne, 2, 0, 'eigh')).toEqual({ ok: false, reason: 'singular_factor' });
    const damped = dampedInverse(rankOne, 2, 1, 'eigh');
    // (M + I)⁻¹ = [[2, -1], [-1, 2]]/3.
    expect(damped.ok && Array.from(damped.inverse).map((v) => v * 3)).toEqual([2, -1, -1, 2].map((v) => expect.closeTo(v, 12)));
  });
});

describe('dampedDiagonalInverse', () => {
  it('1/(d + shift), refused when a damped entry is not positive', () => {
    const r = dampedDiagonalInverse(Float64Array.of(0.5, 0, 3), 0.5);
    expect(r.ok && Array.from(r.inverse)).toEqual([1, 2, 1 / 3.5]);
    expect(dampedDiagonalInverse(Float64Array.of(0.5, 0), 0)).toEqual({ ok: false, reason: 'singular_factor' });
  });
});
