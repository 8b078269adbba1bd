import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ntkSpectrum } from './ntk-spectrum.js';

/**
 * The second-difference matrix tridiag(−1, 2, −1) of size n: eigenvalues 2 − 2cos(jπ/(n+1)) with
 * eigenvectors v_j(r) = sin(jπ(r+1)/(n+1))·√(2/(n+1)), j = 1..n (a closed form, independent of any
 * eigensolver). Largest first: j = n, n−1, ...
 */
function secondDifference(n: number) {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 2;
    if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
  }
  const values = Array.from({ length: n }, (_, i) => 2 - 2 * Math.cos(((n - i) * Math.PI) / (n + 1)));
  const vector = (i: number) => Array.from({ length: n }, (_, r) => Math.sin(((n - i) * Math.PI * (r + 1)) / (n + 1)) * Math.sqrt(2 / (n + 1)));
  return { a, values, vector };
}

const u = 2 ** -53;

describe('ntkSpectrum', () => {
  it('dense route: every eigenvalue in float64 and the leading eigenvectors as rows', async () => {
    const n = 12;
    const { a, values, vector } = secondDifference(n);
    const s = await ntkSpectrum(a, n, { maxDense: 12, topK: 3, vectors: 2 });
    expect(s.method).toBe('dense');
    expect(s.values).toHaveLength(n);
    // eigh is backward stable: |Δλ| ≤ c·n·u·‖A‖₂ with ‖A‖₂ < 4; c = 20 as linalg's own tests use.
    s.values.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(20 * n * u * 4));
    expect(s.vectorCount).toBe(2);
    for (let i = 0; i < 2; i++) {
      const row = Array.from(s.vectors.subarray(i * n, (i + 1) * n));
      const expected = vector(i);
      // Same direction up to sign: |⟨q, v⟩| = 1 to within (perturbation/gap), gap ≥ 0.05 here.
      const dot = row.reduce((acc, x, r) => acc + x * expected[r]!, 0);
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-12);
    }
  });

  it('dense route without vectors (modes: 0) returns the eigenvalues alone', async () => {
    const { a, values } = secondDifference(5);
    const s = await ntkSpectrum(a, 5, { maxDense: 10, topK: 2, vectors: 0 });
    expect(s.vectorCount).toBe(0);
    expect(s.vectors).toHaveLength(0);
    s.values.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(20 * 5 * u * 4));
  });

  it('Lanczos route beyond maxDense: the topK largest, within its float32 precision', async () => {
    const n = 30;
    const { a, values, vector } = secondDifference(n);
    const before = tf.memory().numTensors;
    const s = await ntkSpectrum(a, n, { maxDense: 29, topK: 3, vectors: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.method).toBe('lanczos');
    expect(s.values).toHaveLength(3);
    expect(s.vectorCount).toBe(4);
    expect(s.lanczos!.converged).toBe(true);
    // The Krylov space may reach all 30 dimensions (linalg's default is min(n, max(3k, k + 50))), so
    // the Ritz values are the float32 matrix's eigenvalues up to float32 rounding: ~2⁻²⁴·‖A‖·√n.
    s.values.forEach((v, i) => expect(Math.abs(v - values[i]!), `λ_${i}`).toBeLessThan(1e-5));
    for (let i = 0; i < 4; i++) {
      const row = Array.from(s.vectors.subarray(i * n, (i + 1) * n));
      const dot = row.reduce((acc, x, r) => acc + x * vector(i)[r]!, 0);
      // The top gaps are ≥ 0.03: a residual of 1e-5·λ₁ turns the vector by at most ~1e-3.
      expect(Math.abs(Math.abs(dot) - 1), `vector ${i}`).toBeLessThan(1e-3);
    }
  });

  it('reads the lower triangle only, on both routes', async () => {
    const n = 6;
    const { a, values } = secondDifference(n);
    const upperGarbage = Float64Array.from(a);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) upperGarbage[i * n + j] = 100 + i + j;
    const dense = await ntkSpectrum(upperGarbage, n, { maxDense: n, topK: 2, vectors: 0 });
    const lanczos = await ntkSpectrum(upperGarbage, n, { maxDense: n - 1, topK: 2, vectors: 0 });
    expect(Math.abs(dense.values[0]! - values[0]!)).toBeLessThan(1e-13);
    expect(Math.abs(lanczos.values[0]! - values[0]!)).toBeLessThan(1e-5);
  });

  it('checks the kernel size', async () => {
    await expect(ntkSpectrum(new Float64Array(5), 2, { maxDense: 10, topK: 1, vectors: 0 })).rejects.toThrow('ntkSpectrum: the kernel has 5 entries, expected n² = 4');
  });
});
