import { describe, expect, it } from 'vitest';
import {
  errorModes,
  kernelDistance,
  kernelTargetAlignment,
  packedFrobeniusNorm,
  packedSize,
  packLowerTriangle,
  symmetricFrobeniusNorm,
  unpackSymmetric,
} from './kernel-measures.js';

const m = (rows: number[][]) => Float64Array.from(rows.flat());

describe('packed lower triangle', () => {
  it('keeps (i, j ≤ i) row by row and unpacks to the symmetric matrix', () => {
    const a = m([
      [1, 2, 4],
      [2, 3, 5],
      [4, 5, 6],
    ]);
    expect(packedSize(3)).toBe(6);
    expect(Array.from(packLowerTriangle(a, 3))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(unpackSymmetric(packLowerTriangle(a, 3), 3))).toEqual(Array.from(a));
  });

  it('reads only the lower triangle (the upper one may hold anything)', () => {
    const lower = m([
      [1, 99],
      [2, 3],
    ]);
    expect(Array.from(packLowerTriangle(lower, 2))).toEqual([1, 2, 3]);
    // ‖[[1, 2], [2, 3]]‖_F² = 1 + 4 + 4 + 9 = 18.
    expect(symmetricFrobeniusNorm(lower, 2)).toBe(Math.sqrt(18));
    expect(packedFrobeniusNorm(Float64Array.of(1, 2, 3), 2)).toBe(Math.sqrt(18));
  });

  it('names the argument whose length is wrong', () => {
    expect(() => packLowerTriangle(new Float64Array(5), 2)).toThrow('packLowerTriangle: matrix has 5 entries, expected 4');
    expect(() => kernelDistance(new Float64Array(4), new Float64Array(4), 2)).toThrow('kernelDistance: K₀ (packed) has 4 entries, expected 3');
  });
});

describe('kernelDistance = 1 − ⟨K, K₀⟩_F / (‖K‖_F ‖K₀‖_F)', () => {
  it('is 0 for the same kernel and for any positive multiple of it, exactly', () => {
    const k = m([
      [2, 0.3],
      [0.3, 0.7],
    ]);
    expect(kernelDistance(k, packLowerTriangle(k, 2), 2)).toBe(0);
    // 4K/‖4K‖ = K/‖K‖ exactly: scaling by a power of two rounds nothing.
    expect(kernelDistance(Float64Array.from(k, (v) => 4 * v), packLowerTriangle(k, 2), 2)).toBe(0);
  });

  it('matches hand-computed cosines', () => {
    // K = I₂, K₀ = diag(1, 0): ⟨K, K₀⟩ = 1, ‖K‖ = √2, ‖K₀‖ = 1 → 1 − 1/√2.
    expect(kernelDistance(m([[1, 0], [0, 1]]), Float64Array.of(1, 0, 0), 2)).toBeCloseTo(1 - Math.SQRT1_2, 15);
    // Orthogonal kernels diag(1, 0) and diag(0, 1): cosine 0 → 1.
    expect(kernelDistance(m([[1, 0], [0, 0]]), Float64Array.of(0, 0, 1), 2)).toBe(1);
    // Off-diagonal entries count twice: K = [[0, 1], [1, 0]], K₀ = [[1, 1], [1, 1]]:
    // ⟨K, K₀⟩ = 2, ‖K‖ = √2, ‖K₀‖ = 2 → 1 − 2/(2√2) = 1 − 1/√2.
    expect(kernelDistance(m([[0, 1], [1, 0]]), Float64Array.of(1, 1, 1), 2)).toBeCloseTo(1 - Math.SQRT1_2, 15);
  });

  it('keeps the digits of a small change, where 1 − cos in float64 cancels', () => {
    // K₀ = I₂, K = diag(1, 1 + t): 1 − cos = 1 − (2 + t)/(√2·√(1 + (1+t)²)) = t²/8 + O(t³).
    const t = 1e-6;
    const d = kernelDistance(m([[1, 0], [0, 1 + t]]), Float64Array.of(1, 0, 1), 2);
    expect(Math.abs(d / (t * t / 8) - 1)).toBeLessThan(1e-5);
  });

  it('is 1 when exactly one kernel is zero and 0 when both are', () => {
    expect(kernelDistance(m([[0, 0], [0, 0]]), Float64Array.of(1, 0, 1), 2)).toBe(1);
    expect(kernelDistance(m([[0, 0], [0, 0]]), Float64Array.of(0, 0, 0), 2)).toBe(0);
  });
});

describe('kernelTargetAlignment = yᵀKy / (‖K‖_F ‖y‖²)', () => {
  it('is 1 for K = y yᵀ and 1/√n for K = I', () => {
    const y = [1, -2, 0.5];
    const yyT = Float64Array.from(y.flatMap((a) => y.map((b) => a * b)));
    expect(kernelTargetAlignment(yyT, y, 3)).toBeCloseTo(1, 15);
    const eye = m([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(kernelTargetAlignment(eye, y, 3)).toBeCloseTo(1 / Math.sqrt(3), 15);
  });

  it('counts the off-diagonal entries once per side', () => {
    // K = [[2, 1], [1, 3]], y = (1, 1): yᵀKy = 7, ‖K‖_F = √15, ‖y‖² = 2.
    expect(kernelTargetAlignment(m([[2, 1], [1, 3]]), [1, 1], 2)).toBeCloseTo(7 / (Math.sqrt(15) * 2), 15);
  });

  it('is 0 for a zero kernel or zero targets', () => {
    expect(kernelTargetAlignment(new Float64Array(4), [1, 1], 2)).toBe(0);
    expect(kernelTargetAlignment(m([[1, 0], [0, 1]]), [0, 0], 2)).toBe(0);
  });
});

describe('errorModes = |Qᵀ e|', () => {
  it('projects e on each row and drops the sign', () => {
    const s = Math.SQRT1_2;
    // Rows (1, 1)/√2 and (1, −1)/√2; e = (1, 3): |4/√2| = 2√2, |−2/√2| = √2.
    const modes = errorModes(Float64Array.of(s, s, s, -s), 2, [1, 3]);
    expect(modes[0]).toBeCloseTo(2 * Math.SQRT2, 15);
    expect(modes[1]).toBeCloseTo(Math.SQRT2, 15);
    // Flipping an eigenvector's sign changes nothing.
    expect(Array.from(errorModes(Float64Array.of(-s, -s, s, -s), 2, [1, 3]))).toEqual(Array.from(modes));
    expect(errorModes(new Float64Array(0), 0, [1, 3])).toHaveLength(0);
  });
});
