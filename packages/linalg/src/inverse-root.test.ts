import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { inverseRootEigh, inverseRootResidual64 } from './inverse-root-eigh.js';
import { inverseRootNewton } from './inverse-root-newton.js';
import { matrix64, maxAbsDiff64, type Matrix64 } from './matrix64.js';
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

describe('inverseRootResidual64', () => {
  /** p successive products in plain float64 loops: the definition, independent of the kernels. */
  const reference = (r: Matrix64, x: Matrix64, p: number, eps: number) => {
    const m = r.rows;
    let prod = Array.from({ length: m * m }, (_, i) => x.data[i]! + (i % (m + 1) === 0 ? eps : 0));
    for (let k = 0; k < p; k++) {
      const next = new Array<number>(m * m).fill(0);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let c = 0; c < m; c++) next[i * m + j]! += r.data[i * m + c]! * prod[c * m + j]!;
      prod = next;
    }
    return Math.max(...prod.map((v, i) => Math.abs(v - (i % (m + 1) === 0 ? 1 : 0))));
  };

  it('takes the squaring route for symmetric roots and agrees with p plain products, p = 1…5', () => {
    for (let p = 1; p <= 5; p++) {
      const { root } = inverseRootEigh(X, p, { epsilon: 1e-3, residual: false });
      // Two evaluation orders of the same quantity: they differ by rounding, a few ulps of the
      // products' size (entries of R^p X are O(1)), far below 1e-12.
      expect(Math.abs(inverseRootResidual64(root, X, p, 1e-3) - reference(root, X, p, 1e-3))).toBeLessThan(1e-12);
      // A non-symmetric candidate (last entry nudged) takes the p-product route.
      const skewed = { ...root, data: root.data.slice() };
      skewed.data[1]! += 1e-3;
      expect(Math.abs(inverseRootResidual64(skewed, X, p, 1e-3) - reference(skewed, X, p, 1e-3))).toBeLessThan(1e-12);
    }
  });

  it('measures a wrong root: (2R)⁴X − I = 15·I for the exact root R, and NaN stays NaN', () => {
    const { root } = inverseRootEigh(X, 4, { residual: false });
    expect(inverseRootResidual64({ ...root, data: root.data.map((v) => 2 * v) }, X, 4)).toBeCloseTo(15, 8);
    const nan = { ...root, data: root.data.slice() };
    nan.data[0] = Number.NaN;
    expect(inverseRootResidual64(nan, X, 4)).toBeNaN();
  });
});

describe('inverseRootNewton (coupled Newton on tensors)', () => {
  it.each([1, 2, 4])('p = %i: (X^{-1/p})^p X ≈ I in float32 and agrees with the eigh root', async (p) => {
    const x = matrix64ToTensor(X);
    const result = await inverseRootNewton(x, p);
    // Quadratic convergence from the scaled start takes a handful of steps (Guo & Higham §3).
    expect(result.iterations).toBeLessThan(30);
    // The iteration's own residual max|M - I| stops near float32 resolution for κ = 10: a few u32·κ.
    expect(result.residual).toBeLessThan(1e-5);
    // Checked independently in float64 from the float32 values of R and X: a float32 R carries
    // relative error ~u32·κ per entry, amplified p-fold in R^p: p·n·u32·κ ≈ 4·20·6e-8·10 = 5e-5.
    const r = await matrix64FromTensor(result.root);
    const x32 = await matrix64FromTensor(x);
    expect(inverseRootResidual64(r, x32, p)).toBeLessThan(1e-4);
    expect(maxAbsDiff64(r, inverseRootEigh(x32, p).root)).toBeLessThan(1e-4);
    tf.dispose([x, result.root]);
  });

  it('applies epsilon as a ridge: the result is (X + εI)^{-1/2}', async () => {
    const singular = withSpectrum(q, lambda.map((l, i) => (i >= n - 5 ? 0 : l)));
    const x = matrix64ToTensor(singular);
    const eps = 0.1;
    const result = await inverseRootNewton(x, 2, { epsilon: eps });
    // κ(X + εI) = 10.1/0.1 ≈ 100: the float32 error budget grows to ~n·u32·κ·p ≈ 2.4e-4.
    const expected = inverseRootEigh(await matrix64FromTensor(x), 2, { epsilon: eps }).root;
    expect(maxAbsDiff64(await matrix64FromTensor(result.root), expected)).toBeLessThan(1e-3);
    tf.dispose([x, result.root]);
    await expect(inverseRootNewton(tf.zeros([3, 4]) as tf.Tensor2D, 2)).rejects.toThrow(/X must be square 2-D, got shape \[3,4\]/);
    const zero = tf.zeros([3, 3]) as tf.Tensor2D;
    // A failing root leaves nothing behind: the check happens after the first tensors are made.
    const before = tf.memory().numTensors;
    await expect(inverseRootNewton(zero, 2)).rejects.toThrow(/‖X \+ εI‖_F is 0/);
    expect(tf.memory().numTensors).toBe(before);
    zero.dispose();
  });

  /** `B Bᵀ` (float32 entries) for an n × k matrix B of numbers in [-0.5, 0.5) from a 32-bit LCG (Numerical Recipes constants). */
  const lcgGram = (n: number, k: number, seed: number) => {
    let state = seed >>> 0;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32 - 0.5;
    };
    const b = Array.from({ length: n * k }, () => Math.fround(next()));
    const x = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) x[i * n + j]! += b[i * k + c]! * b[j * k + c]!;
    return x;
  };

  it.each([
    [4, 4],
    [5, 5],
    [12, 12],
  ])('keeps iterating through a non-monotone early error: %i × %i LCG Gram, seed 1', async (n, k) => {
    // These inputs (κ ≈ 27, 183, 1.7e4) make max|M − I| rise at the first step: M₀'s largest
    // eigenvalue falls towards 1 while the smallest ones have barely moved. A rule that stops at the
    // first non-decrease returned H₀ = z^{1/p} I after 0 iterations (residual 0.55, 0.55, 0.64).
    // n − tr(M) falls at every step in exact arithmetic, so the iteration runs on to convergence.
    const x = tf.tensor2d(lcgGram(n, k, 1), [n, n]);
    const result = await inverseRootNewton(x, 4);
    expect(result.converged).toBe(true);
    expect(result.iterations).toBeGreaterThan(3);
    // Against the float64 eigh root of the same float32 matrix: a float32 root carries ~n·u₃₂·κ
    // relative error per entry (κ = 1.7e4 for n = 12: 12·6e-8·1.7e4 ≈ 1.2e-2 of the largest entry).
    const r = await matrix64FromTensor(result.root);
    const x64 = await matrix64FromTensor(x);
    const reference = inverseRootEigh(x64, 4).root;
    let largest = 0;
    for (const v of reference.data) largest = Math.max(largest, Math.abs(v));
    expect(maxAbsDiff64(r, reference)).toBeLessThan(2e-2 * largest);
    // The reported residual is the returned root's, formed in float32: it agrees with the float64
    // evaluation of the same float32 R and X up to float32 rounding of the products (~1e-3 here).
    expect(Math.abs(result.residual - inverseRootResidual64(r, x64, 4))).toBeLessThan(2e-3);
    tf.dispose([x, result.root]);
  });

  it('reports the true residual when float32 cannot resolve X: rank 2 in 8 dimensions', async () => {
    // κ(X + εI) ≈ 7e5 with ε = 1e-6: the small eigenvalues are float32 noise, and the tracked M
    // "converges" while R^p (X + εI) does not. The reported residual is that of R itself, so the
    // caller (Shampoo's failure policy, maxRootResidual 0.1) rejects the root. Float64 evaluation
    // of the same float32 R and X: 0.23; the two agree to float32 rounding.
    const x = tf.tensor2d(lcgGram(8, 2, 1), [8, 8]);
    const result = await inverseRootNewton(x, 4, { epsilon: 1e-6 });
    const trueResidual = inverseRootResidual64(await matrix64FromTensor(result.root), await matrix64FromTensor(x), 4, 1e-6);
    expect(trueResidual).toBeGreaterThan(0.1);
    expect(Math.abs(result.residual - trueResidual)).toBeLessThan(0.1 * trueResidual);
    tf.dispose([x, result.root]);
  });

  it('leaves no tensors behind over repeated calls', async () => {
    const x = matrix64ToTensor(X);
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) (await inverseRootNewton(x, 4, { epsilon: 1e-6 })).root.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('round-trips Matrix64 ↔ tensor', async () => {
    const m = matrix64(2, 2, [1, 2, 3, 4]);
    const t = matrix64ToTensor(m);
    expect(await matrix64FromTensor(t)).toEqual(m);
    t.dispose();
  });
});
