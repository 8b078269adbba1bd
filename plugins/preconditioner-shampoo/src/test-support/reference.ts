// An independent float64 Shampoo for the tests: plain arrays of numbers, a cyclic Jacobi
// eigensolver (not linalg's Householder + implicit QL), and the formulas of the README written out
// directly. Nothing here imports the package under test or @precond/linalg.
import * as tf from '@tensorflow/tfjs-core';
import type { StepContext } from '@precond/core';

export type Mat = number[][];

export const zeros = (r: number, c: number): Mat => Array.from({ length: r }, () => new Array<number>(c).fill(0));
export const eye = (n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
export const transpose = (a: Mat): Mat => (a[0] ?? []).map((_, j) => a.map((row) => row[j]!));
export const matmul = (a: Mat, b: Mat): Mat => a.map((row) => (b[0] ?? []).map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
export const scale = (a: Mat, s: number): Mat => a.map((row) => row.map((v) => v * s));
export const add = (a: Mat, b: Mat): Mat => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
export const frobenius = (a: Mat): number => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0));
export const maxAbsDiff = (a: Mat, b: Mat): number => Math.max(...a.flat().map((v, i) => Math.abs(v - b.flat()[i]!)));
/** Rows `r0…r0+rows−1`, columns `c0…c0+cols−1`. */
export const sub = (a: Mat, r0: number, rows: number, c0: number, cols: number): Mat => a.slice(r0, r0 + rows).map((row) => row.slice(c0, c0 + cols));
/** A row-major flat array as a matrix. */
export const fromFlat = (data: ArrayLike<number>, rows: number, cols: number): Mat =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => data[i * cols + j]!));

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan §8.5.2):
 * sweeps until the off-diagonal mass is below 1e-30 of the total. Slow (O(n³) per sweep) and very
 * accurate, which is what a reference wants.
 */
export function jacobiEigen(a: Mat): { values: number[]; vectors: Mat } {
  const n = a.length;
  const m = a.map((row) => [...row]);
  const v = eye(n);
  const total = frobenius(m) ** 2;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p]![q]! ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (apq === 0) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: m.map((row, i) => row[i]!), vectors: v };
}

/** `(X + εI)^{-1/p}` with negative rounding noise clamped to 0, by Jacobi: `V diag((max(λ,0)+ε)^{-1/p}) Vᵀ`. */
export function inverseRoot(x: Mat, p: number, epsilon: number): Mat {
  const { values, vectors } = jacobiEigen(x);
  const f = values.map((l) => (Math.max(l, 0) + epsilon) ** (-1 / p));
  return matmul(
    vectors.map((row) => row.map((v, k) => v * f[k]!)),
    transpose(vectors),
  );
}

/** `max|R^p (X + εI) − I|` in plain float64 products (p of them). */
export function rootResidual(r: Mat, x: Mat, p: number, epsilon: number): number {
  let prod = add(x, scale(eye(x.length), epsilon));
  for (let i = 0; i < p; i++) prod = matmul(r, prod);
  return maxAbsDiff(prod, eye(x.length));
}

/** A float32 tensor's values as a matrix of float64 numbers. */
export function tensorToMat(t: tf.Tensor): Mat {
  const [rows, cols] = t.shape.length === 2 ? (t.shape as [number, number]) : [1, t.size];
  return fromFlat(t.dataSync(), rows, cols);
}

/** Matrices rounded to float32, as a tensor would hold them (so references see the same inputs). */
export const roundToFloat32 = (a: Mat): Mat => a.map((row) => row.map((v) => Math.fround(v)));

/**
 * A StepContext that hands the given gradients to `update`: the preconditioner contract reads
 * nothing else from the context (`valueAndGrads().grads`), and with it the tests choose gradients
 * exactly. Every other member throws, so a preconditioner that reached for more would fail here.
 */
export function gradientContext(grads: readonly tf.Tensor[], step = 1): StepContext {
  const unused = (what: string) => () => {
    throw new Error(`gradientContext: the test context has no ${what}`);
  };
  return {
    step,
    get model() {
      return unused('model')();
    },
    get params() {
      return unused('params')();
    },
    get batch() {
      return unused('batch')();
    },
    get loss() {
      return unused('loss')();
    },
    get rng() {
      return unused('rng')();
    },
    valueAndGrads: () => ({
      get value(): tf.Scalar {
        return unused('loss value')();
      },
      grads,
    }),
    lossAt: unused('lossAt') as StepContext['lossAt'],
    curvature: unused('curvature') as StepContext['curvature'],
  };
}

/** Deterministic numbers in [-0.5, 0.5) from a 32-bit LCG (Numerical Recipes constants). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** A `rows × cols` matrix of LCG numbers times `amplitude`, rounded to float32. */
export function randomMat(rows: number, cols: number, seed: number, amplitude = 1): Mat {
  const next = lcg(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(next() * amplitude)));
}
