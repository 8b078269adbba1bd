import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { inverseRootEigh, inverseRootResidual64 } from './inverse-root-eigh.js';
import { inverseRootNewton } from './inverse-root-newton.js';
import { matrix64, maxAbsDiff64 } from './matrix64.js';
import { matrix64FromTensor, matrix64ToTensor } from './tensor-matrix64.js';
import { randomOrthogonal, withSpectrum } from './test-support/random-matrices.js';

const U = 2 ** -53;
const n = 20;
// A well-conditioned SPD matrix: eigenvalues log-spaced in [1, 10] (κ = 10).
const lambda = Array.from({ length: n }, (_, i) => 10 ** (1 - i / (n - 1)));
const q = randomOrthogonal(n, 41);
const X = withSpectrum(q, lambda);
/** Q diag(f(λ)) Qᵀ from the known factors: the reference every root is compared with. */
const known = (f: (l: number) => number, values = lambda) => withSpectrum(q, values.map(f));

describe('inverseRootEigh (float64)', () => {
  it.each([1, 2, 4])('p = %i: (X^{-1/p})^p X = I and X^{-1/p} = Q diag(λ^{-1/p}) Qᵀ', (p) => {
    const { root, residual, eigenvalues } = inverseRootEigh(X, p);
    // Each matrix product and eigh's backward error add O(n·u·κ): 100·n·u·κ ≈ 2e-12 bounds them.
    const tol = 100 * n * U * 10;
    expect(residual).toBeLessThan(tol);
    expect(residual).toBe(inverseRootResidual64(root, X, p));
    expect(maxAbsDiff64(root, known((l) => l ** (-1 / p)))).toBeLessThan(tol);
    expect(eigenvalues[0]).toBeCloseTo(10, 12);
  });

  it('adds epsilon to the eigenvalues: a singular PSD matrix gets (X + εI)^{-1/p}', () => {
    const singular = lambda.map((l, i) => (i >= n - 5 ? 0 : l));
    const xs = withSpectrum(q, singular);
    const eps = 1e-3;
    const { root, residual } = inverseRootEigh(xs, 4, { epsilon: eps });
    // κ(X + εI) = 10/1e-3 = 1e4 now, so the float64 error budget is 100·n·u·1e4.
    expect(maxAbsDiff64(root, known((l) => (l + eps) ** -0.25, singular))).toBeLessThan(100 * n * U * 1e4);
    expect(residual).toBeLessThan(100 * n * U * 1e4);
    expect(() => inverseRootEigh(xs, 4)).toThrow(/X \+ εI is singular; pass epsilon > 0/);
    expect(Number.isNaN(inverseRootEigh(X, 2, { residual: false }).residual)).toBe(true);
    expect(() => inverseRootEigh(X, 2.5)).toThrow(/p must be a positive integer \(Shampoo uses 2 or 4\), got 2.5/);
  });
});

describe('inverseRootNewton (coupled Newton on tensors)', () => {
  it.each([1, 2, 4])('p = %i: (X^{-1/p})^p X ≈ I in float32 and agrees with the eigh root', (p) => {
    const x = matrix64ToTensor(X);
    const result = inverseRootNewton(x, p);
    // Quadratic convergence from the scaled start takes a handful of steps (Guo & Higham §3).
    expect(result.iterations).toBeLessThan(30);
    // The iteration's own residual max|M - I| stops near float32 resolution for κ = 10: a few u32·κ.
    expect(result.residual).toBeLessThan(1e-5);
    // Checked independently in float64 from the float32 values of R and X: a float32 R carries
    // relative error ~u32·κ per entry, amplified p-fold in R^p: p·n·u32·κ ≈ 4·20·6e-8·10 = 5e-5.
    const r = matrix64FromTensor(result.root);
    const x32 = matrix64FromTensor(x);
    expect(inverseRootResidual64(r, x32, p)).toBeLessThan(1e-4);
    expect(maxAbsDiff64(r, inverseRootEigh(x32, p).root)).toBeLessThan(1e-4);
    tf.dispose([x, result.root]);
  });

  it('applies epsilon as a ridge: the result is (X + εI)^{-1/2}', () => {
    const singular = withSpectrum(q, lambda.map((l, i) => (i >= n - 5 ? 0 : l)));
    const x = matrix64ToTensor(singular);
    const eps = 0.1;
    const result = inverseRootNewton(x, 2, { epsilon: eps });
    // κ(X + εI) = 10.1/0.1 ≈ 100: the float32 error budget grows to ~n·u32·κ·p ≈ 2.4e-4.
    const expected = inverseRootEigh(matrix64FromTensor(x), 2, { epsilon: eps }).root;
    expect(maxAbsDiff64(matrix64FromTensor(result.root), expected)).toBeLessThan(1e-3);
    tf.dispose([x, result.root]);
    expect(() => inverseRootNewton(tf.zeros([3, 4]) as tf.Tensor2D, 2)).toThrow(/X must be square 2-D, got shape \[3,4\]/);
    const zero = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => inverseRootNewton(zero, 2)).toThrow(/‖X \+ εI‖_F is 0/);
    zero.dispose();
  });

  it('leaves no tensors behind over repeated calls', () => {
    const x = matrix64ToTensor(X);
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) inverseRootNewton(x, 4, { epsilon: 1e-6 }).root.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('round-trips Matrix64 ↔ tensor', () => {
    const m = matrix64(2, 2, [1, 2, 3, 4]);
    const t = matrix64ToTensor(m);
    expect(matrix64FromTensor(t)).toEqual(m);
    t.dispose();
  });
});
