import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eigh, eigvalsh } from './eigh.js';
import { matrix64, matrix64FromRows, maxAbsDiff64 } from './matrix64.js';
import { eighTridiagonal } from './tridiagonal-eigen.js';
import { setWasmKernelsEnabled, wasmKernels } from './wasm-kernels.js';
import { orthogonalityError, randomOrthogonal, withSpectrum } from './test-support/random-matrices.js';

const U = 2 ** -53;

/**
 * Tolerances, all relative to λ_max = ‖A‖₂: Householder tridiagonalisation followed by QL is
 * backward stable with ‖E‖₂ ≤ c·n·u·‖A‖₂ (Wilkinson; GVL §8.3.6), the float64 construction of
 * A = Q Λ Qᵀ perturbs it by about n·u·λ_max more, and Weyl's theorem moves each eigenvalue by at
 * most ‖E‖₂. With c = 20 that is 20·n·u·λ_max for the eigenvalues and the reconstruction
 * V Λ Vᵀ - A, and 20·n·u for the orthogonality VᵀV - I. For n = 200, 4.4e-13: far tighter than
 * 1e-12·λ_max·n.
 */
const bound = (n: number) => 20 * Math.max(n, 2) * U;

type Spectrum = { name: string; lambda: number[] };
function spectra(n: number): Spectrum[] {
  return [
    // Widely spread: λ_i = 10^(-12 i/(n-1)), from 1 down to 1e-12 (the NTK's range, PAPER.md).
    { name: 'spread 1..1e-12', lambda: Array.from({ length: n }, (_, i) => 10 ** ((-12 * i) / Math.max(n - 1, 1))) },
    // Clustered: a handful of values, each repeated, including negatives and zero.
    { name: 'clustered', lambda: Array.from({ length: n }, (_, i) => [3, 3, 1, 1, 1, 0, -0.5, -2][i % 8]!).sort((a, b) => b - a) },
  ];
}

describe.each([
  ['wasm SIMD kernels', true],
  ['JavaScript kernels', false],
])('eigh on %s', (_, wasm) => {
  beforeAll(() => setWasmKernelsEnabled(wasm));
  afterAll(() => setWasmKernelsEnabled(true));
  for (const n of [1, 2, 50, 200]) {
    for (const { name, lambda } of spectra(n)) {
      it(`recovers a known spectrum (${name}), n = ${n}`, () => {
        const q = randomOrthogonal(n, 100 + n);
        const a = withSpectrum(q, lambda);
        const { values, vectors } = eigh(a);
        const scale = Math.max(...lambda.map(Math.abs));
        let valueError = 0;
        for (let i = 0; i < n; i++) valueError = Math.max(valueError, Math.abs(values[i]! - lambda[i]!));
        expect(valueError).toBeLessThanOrEqual(bound(n) * scale);
        // Descending, columns matching: A v_i = λ_i v_i is checked through the reconstruction.
        for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
        expect(maxAbsDiff64(withSpectrum(vectors, values), a)).toBeLessThanOrEqual(bound(n) * scale);
        expect(orthogonalityError(vectors)).toBeLessThanOrEqual(bound(n));
        expect(Array.from(eigvalsh(a)).map((v, i) => Math.abs(v - lambda[i]!) <= bound(n) * scale)).not.toContain(false);
      });
    }
  }
});

describe('eigh', () => {
  it('gives the same eigenpairs on both kernel paths (n = 150)', () => {
    const a = withSpectrum(randomOrthogonal(150, 9), Array.from({ length: 150 }, (_, i) => Math.cos(i)));
    const fast = eigh(a);
    setWasmKernelsEnabled(false);
    const plain = eigh(a);
    setWasmKernelsEnabled(true);
    // Different summation orders only: both within the backward-error bound of each other.
    let worst = 0;
    for (let i = 0; i < 150; i++) worst = Math.max(worst, Math.abs(fast.values[i]! - plain.values[i]!));
    expect(worst).toBeLessThanOrEqual(2 * bound(150));
    expect(wasmKernels()).not.toBeNull(); // Node 20 has wasm SIMD: the fast path is the one tested above
  });

  it('solves a 2×2 by hand: [[2,1],[1,2]] has eigenpairs (3, [1,1]/√2) and (1, [1,-1]/√2)', () => {
    const { values, vectors } = eigh(matrix64FromRows([[2, 1], [1, 2]]));
    expect(Math.abs(values[0]! - 3)).toBeLessThanOrEqual(4 * U * 3);
    expect(Math.abs(values[1]! - 1)).toBeLessThanOrEqual(4 * U * 3);
    const [v00, v01, v10, v11] = vectors.data;
    expect(Math.abs(Math.abs(v00!) - Math.SQRT1_2)).toBeLessThan(1e-15);
    expect(Math.sign(v00!)).toBe(Math.sign(v10!)); // column 0 ∝ [1, 1]
    expect(Math.sign(v01!)).toBe(-Math.sign(v11!)); // column 1 ∝ [1, -1]
  });

  it('handles n = 0, a diagonal matrix and a zero matrix', () => {
    expect(eigh(matrix64(0, 0)).values).toHaveLength(0);
    const d = eigh(matrix64FromRows([[1, 0, 0], [0, 5, 0], [0, 0, -2]]));
    expect(Array.from(d.values)).toEqual([5, 1, -2]);
    expect(Array.from(eigh(matrix64(3, 3)).values)).toEqual([0, 0, 0]);
  });

  it('reads only the lower triangle and survives entries near the float64 limits', () => {
    const lambda = [4, 2, 1, 0.5, 0.25];
    const a = withSpectrum(randomOrthogonal(5, 3), lambda);
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) a.data[i * 5 + j] = Number.NaN;
    expect(Array.from(eigh(a).values).map((v, i) => Math.abs(v - lambda[i]!) < 1e-14)).not.toContain(false);
    // Scaled by 2^±900: the power-of-two scaling inside eigh keeps every square finite.
    for (const s of [2 ** 900, 2 ** -900]) {
      const big = { ...a, data: a.data.map((v) => v * s) };
      const values = eigh(big).values;
      expect(Array.from(values).map((v, i) => Math.abs(v / s - lambda[i]!) < 1e-14)).not.toContain(false);
    }
  });

  it('rejects non-square and non-finite input', () => {
    expect(() => eigh(matrix64(2, 3))).toThrow(/eigh: A must be square, got 2×3/);
    expect(() => eigh(matrix64FromRows([[1, 0], [Number.POSITIVE_INFINITY, 1]]))).toThrow(/A\[1\]\[0\] is Infinity/);
  });
});

describe('eighTridiagonal', () => {
  it('matches the closed form of the second-difference matrix tridiag(-1, 2, -1)', () => {
    // Eigenvalues 2 - 2cos(kπ/(m+1)), eigenvectors sin(j k π/(m+1)), k, j = 1..m (a standard result
    // for Toeplitz tridiagonal matrices, e.g. GVL §4.8.6).
    const m = 40;
    const { values, vectors } = eighTridiagonal(new Array(m).fill(2), new Array(m - 1).fill(-1));
    for (let i = 0; i < m; i++) {
      const k = m - i; // descending order
      const theta = (k * Math.PI) / (m + 1);
      expect(Math.abs(values[i]! - (2 - 2 * Math.cos(theta)))).toBeLessThan(20 * m * U * 4);
      const norm = Math.sqrt((m + 1) / 2);
      const sign = Math.sign(vectors!.data[i]!) * Math.sign(Math.sin(theta));
      let err = 0;
      for (let j = 0; j < m; j++) err = Math.max(err, Math.abs(vectors!.data[j * m + i]! - (sign * Math.sin((j + 1) * theta)) / norm));
      expect(err).toBeLessThan(1e-12);
    }
  });

  it('handles zero couplings (a block-diagonal T) and returns values only on request', () => {
    const r = eighTridiagonal([1, 3, 2], [0, 0], { vectors: false });
    expect(Array.from(r.values)).toEqual([3, 2, 1]);
    expect(r.vectors).toBeUndefined();
    expect(() => eighTridiagonal([1, 2], [1, 2])).toThrow(/offDiagonal has 2 entries; a diagonal of 2 needs 1/);
  });
});
