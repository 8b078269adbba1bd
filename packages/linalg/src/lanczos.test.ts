import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { eigh } from './eigh.js';
import { lanczos } from './lanczos.js';
import { matrix64, matVec64, type Matrix64 } from './matrix64.js';
import { randomOrthogonal } from './test-support/random-matrices.js';
import { denseOperator, listFrom, valuesOf } from './test-support/tensor-operators.js';

const SHAPES = [[6, 5], [30]];
const N = 60;

/**
 * Diagonal plus low rank: D = diag(i/N) (spectrum in [0, 1)) plus U diag(10, 6, 3) Uᵀ with U three
 * random orthonormal columns. Its top three eigenvalues sit near 10, 6 and 3, well apart from the
 * bulk in [0, 1]; the reference values come from the float64 `eigh` (tested on its own above).
 */
function diagonalPlusLowRank(): Matrix64 {
  const q = randomOrthogonal(N, 31);
  const s = [10, 6, 3];
  const a = matrix64(N, N);
  for (let i = 0; i < N; i++) {
    a.data[i * N + i] = i / N;
    for (let j = 0; j < N; j++) for (let k = 0; k < 3; k++) a.data[i * N + j]! += q.data[i * N + k]! * s[k]! * q.data[j * N + k]!;
  }
  for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) a.data[j * N + i] = a.data[i * N + j]!;
  // Round to float32, the matrix the tensor operator applies.
  return matrix64(N, N, Float64Array.from(Float32Array.from(a.data)));
}

describe('lanczos', () => {
  it('finds the top-3 eigenpairs of a diagonal-plus-low-rank operator, matching eigh', async () => {
    const a = diagonalPlusLowRank();
    const reference = eigh(a);
    const { op, dispose } = denseOperator(a, SHAPES);
    const result = await lanczos(op, SHAPES, { k: 3, seed: 1 });
    expect(result.converged).toBe(true);
    const values = Array.from(await result.values.data());
    for (let i = 0; i < 3; i++) {
      // float32 operator: Ritz values are accurate to about u32·‖A‖ ≈ 6e-7·10; 1e-4·λ_1 leaves margin.
      expect(Math.abs(result.ritzValues[i]! - reference.values[i]!)).toBeLessThan(1e-4 * reference.values[0]!);
      expect(Math.abs(values[i]! - reference.values[i]!)).toBeLessThan(1e-4 * reference.values[0]!);
      // Ritz vector: unit norm, residual ‖A y - θ y‖ small, and aligned with eigh's eigenvector (the
      // gap to the next eigenvalue is ≥ 2, so sin∠ ≤ residual/gap).
      const y = valuesOf(result.vectors[i]!);
      expect(result.vectors[i]!.map((t) => t.shape)).toEqual(SHAPES);
      const ay = matVec64(a, y);
      const residual = Math.sqrt(ay.reduce((s, v, t) => s + (v - result.ritzValues[i]! * y[t]!) ** 2, 0));
      expect(residual).toBeLessThan(1e-3 * reference.values[0]!);
      let cosine = 0;
      for (let t = 0; t < N; t++) cosine += y[t]! * reference.vectors.data[t * N + i]!;
      expect(Math.abs(Math.abs(cosine) - 1)).toBeLessThan(1e-4);
    }
    expect(result.residualNorms).toHaveLength(3);
    tf.dispose([result.values, ...result.vectors.flat()]);
    dispose();
  });

  it('continues past an invariant subspace: diag(5, 5, 1, ..., 1) has top three 5, 5, 1', async () => {
    // A Krylov space of this matrix has dimension 2 (two distinct eigenvalues), so after two steps
    // β = 0 and a fresh direction is needed to find the second 5 and then a 1.
    const d = Array.from({ length: 10 }, (_, i) => (i < 2 ? 5 : 1));
    const diag = listFrom(d, [[10]]);
    const op = (v: tf.Tensor[]) => [tf.mul(v[0]!, diag[0]!)];
    const result = await lanczos(op, [[10]], { k: 3, seed: 2 });
    expect(result.converged).toBe(true);
    const values = Array.from(result.ritzValues);
    expect(values.map((v, i) => Math.abs(v - [5, 5, 1][i]!) < 1e-5)).toEqual([true, true, true]);
    tf.dispose([diag[0]!, result.values, ...result.vectors.flat()]);
  });

  it('is limited only by the float32 operator, and repeats itself bit for bit from the same start', async () => {
    // Diagonal operator with power-of-two entries 1, 2⁻¹⁰, 2⁻²⁰ and a bulk far below: the product
    // of a float32 input with a power of two is exact, so the only rounding outside the float64
    // process is the input's rounding to float32 (|δq_i| ≤ u₃₂|q_i|), which perturbs the Lanczos
    // relation by at most u₃₂·λ_max ≈ 6e-8. The Ritz values must be that close to the exact ones.
    const n = 40;
    const d = Array.from({ length: n }, (_, i) => (i < 3 ? 2 ** (-10 * i) : 2 ** (-40 - i)));
    const diag = listFrom(d, [[n]]);
    const op = (v: tf.Tensor[]) => [tf.mul(v[0]!, diag[0]!)];
    const result = await lanczos(op, [[n]], { k: 3, seed: 3, maxIterations: 30, tolerance: 0 });
    for (let i = 0; i < 3; i++) expect(Math.abs(result.ritzValues[i]! - d[i]!)).toBeLessThan(2 ** -23);
    // The Ritz vectors are orthonormal to float32 rounding (they are formed in float64 from a
    // float64 basis, then rounded once).
    const ys = result.vectors.map((v) => valuesOf(v));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j <= i; j++) {
        const g = ys[i]!.reduce((acc, v, t) => acc + v * ys[j]![t]!, 0);
        expect(Math.abs(g - (i === j ? 1 : 0))).toBeLessThan(n * 2 ** -24);
      }
    }
    // Nothing is kept between calls and every read is awaited in order: the same seed repeats
    // every number exactly.
    const again = await lanczos(op, [[n]], { k: 3, seed: 3, maxIterations: 30, tolerance: 0 });
    expect(Array.from(again.ritzValues)).toEqual(Array.from(result.ritzValues));
    expect(Array.from(again.residualNorms)).toEqual(Array.from(result.residualNorms));
    expect(valuesOf(again.vectors[2]!)).toEqual(valuesOf(result.vectors[2]!));
    tf.dispose([diag[0]!, result.values, again.values, ...result.vectors.flat(), ...again.vectors.flat()]);
  });

  it('validates k and maxIterations against the operator size', async () => {
    const op = (v: tf.Tensor[]) => v.map((t) => tf.mul(t, 1));
    await expect(lanczos(op, [[4]], { k: 5 })).rejects.toThrow(/k must be an integer in \[1, 4\]/);
    await expect(lanczos(op, [[4]], { k: 2, maxIterations: 1 })).rejects.toThrow(/maxIterations must be an integer in \[k = 2, N = 4\], got 1/);
  });

  it('leaves no tensors behind over repeated calls', async () => {
    const a = diagonalPlusLowRank();
    const { op, dispose } = denseOperator(a, SHAPES);
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) {
      const r = await lanczos(op, SHAPES, { k: 2, seed: rep });
      tf.dispose([r.values, ...r.vectors.flat()]);
    }
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });
});
