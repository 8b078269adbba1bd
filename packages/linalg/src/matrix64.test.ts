import { describe, expect, it } from 'vitest';
import { frobeniusNorm64, identity64, matMul64, matMulTransposed64, matrix64, matrix64FromRows, matVec64, transpose64 } from './matrix64.js';
import { randomNormal64 } from './test-support/random-matrices.js';
import { setWasmKernelsEnabled } from './wasm-kernels.js';

const U = 2 ** -53;

/** Reference product by the textbook triple loop, with the bound Σ_p |a_ip||b_pj| for its rounding. */
function naive(a: { rows: number; cols: number; data: Float64Array }, b: { rows: number; cols: number; data: Float64Array }) {
  const out = new Float64Array(a.rows * b.cols);
  const bound = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      let m = 0;
      for (let p = 0; p < a.cols; p++) {
        s += a.data[i * a.cols + p]! * b.data[p * b.cols + j]!;
        m += Math.abs(a.data[i * a.cols + p]! * b.data[p * b.cols + j]!);
      }
      out[i * b.cols + j] = s;
      bound[i * b.cols + j] = m;
    }
  }
  return { out, bound };
}

describe('Matrix64 helpers', () => {
  it('builds, validates and transposes', () => {
    const m = matrix64FromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(Array.from(transpose64(m).data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(identity64(2).data)).toEqual([1, 0, 0, 1]);
    expect(Array.from(matVec64(m, Float64Array.of(1, 1, 1)))).toEqual([6, 15]);
    expect(() => matrix64(2, 2, [1, 2, 3])).toThrow(/has 3 entries; a 2×2 matrix needs 4/);
    expect(() => matrix64FromRows([[1, 2], [3]])).toThrow(/row 1 has 1 entries; row 0 has 2/);
    expect(() => matMul64(m, m)).toThrow(/a.cols must equal b.rows/);
    // ‖[3, 4]‖_F = 5; the scaled sum also survives entries whose squares overflow.
    expect(frobeniusNorm64(matrix64FromRows([[3, 4]]))).toBe(5);
    expect(frobeniusNorm64(matrix64FromRows([[3e200, 4e200]]))).toBeCloseTo(5e200, -186);
  });

  // Sizes chosen to cross the kernel's blocks (256 columns, 64 rows of B, 4×4 tiles) with remainders.
  it.each([
    [1, 1, 1, true],
    [7, 300, 69, true],
    [66, 513, 5, true],
    [4, 3, 130, true],
    [131, 257, 67, true],
    [7, 300, 69, false],
    [131, 257, 67, false],
  ])('matMul64 of %i×%i by %i-column matrices matches the triple loop to k·u·Σ|a||b| (wasm kernels: %s)', (m, k, n, wasm) => {
    const a = randomNormal64(m, k, 11);
    const b = randomNormal64(k, n, 12);
    setWasmKernelsEnabled(wasm);
    const got = matMul64(a, b);
    setWasmKernelsEnabled(true);
    const { out, bound } = naive(a, b);
    // Both are sums of the same k products in different orders; each rounds by at most k·u·Σ|a_ip b_pj|
    // (Higham, Accuracy and Stability, §3.1), so they differ by at most twice that.
    let excess = 0;
    for (let i = 0; i < out.length; i++) excess = Math.max(excess, Math.abs(got.data[i]! - out[i]!) / (2 * k * U * bound[i]!));
    expect(excess).toBeLessThanOrEqual(1);
  });

  it.each([true, false])('matMulTransposed64 gives the symmetric A Aᵀ (lower triangle computed, mirrored; wasm kernels: %s)', (wasm) => {
    const a = randomNormal64(70, 33, 3);
    setWasmKernelsEnabled(wasm);
    const got = matMulTransposed64(a);
    setWasmKernelsEnabled(true);
    const { out, bound } = naive(a, transpose64(a));
    let excess = 0;
    for (let i = 0; i < out.length; i++) excess = Math.max(excess, Math.abs(got.data[i]! - out[i]!) / (2 * 33 * U * bound[i]!));
    expect(excess).toBeLessThanOrEqual(1);
    expect(got.data).toEqual(transpose64(got).data);
  });
});
