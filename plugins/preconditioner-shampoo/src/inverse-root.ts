import * as tf from '@tensorflow/tfjs-core';
import { inverseRootEigh, inverseRootNewton, inverseRootResidual64, type Matrix64 } from '@precond/linalg';
import type { RootMethod } from './options.js';

/** How a root is computed and when it is accepted. */
export interface RootSettings {
  readonly method: RootMethod;
  /** p of `X^{-1/p}`. */
  readonly exponent: number;
  /** Ridge: the root is `(X + εI)^{-1/p}`. */
  readonly epsilon: number;
  /** Largest accepted residual `max|R^p(X + εI) − I|`. */
  readonly maxResidual: number;
  readonly newtonTolerance: number;
  readonly newtonMaxIterations: number;
}

/** A new root and its residual, or why none is accepted (the caller keeps the last good root). */
export type RootOutcome<R> = { readonly ok: true; readonly root: R; readonly residual: number } | { readonly ok: false; readonly reason: string };

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/**
 * The verdict on a computed root's residual (README, "Failure policy"): rejected when not finite or
 * above `limit`.
 */
function judge(residual: number, limit: number, what: string): string | null {
  if (!Number.isFinite(residual)) return `residual is ${residual}`;
  if (residual > limit) return `residual ${residual.toExponential(3)} exceeds ${what} ${limit.toExponential(3)}`;
  return null;
}

/** Unit roundoff of float64, 2⁻⁵³. */
const FLOAT64_ROUNDOFF = 2 ** -53;

/**
 * The largest residual `max|R^p(X + εI) − I|` an eigh root can show without being wrong.
 *
 * `inverseRootEigh` returns the exact root of `X̃ + εI`, where `X̃` is `X` after two perturbations:
 * eigh's backward error, about n·u·max|λ| (Golub & Van Loan §8.3.5), and the clamping of negative
 * eigenvalues to 0, which moves `X` by −λ_min when `X` is not numerically PSD (a float32 statistic
 * of low rank has eigenvalues of about −1e-7·λ_max). With `η` their sum,
 * `R^p(X + εI) − I = (X̃ + εI)^{-1}(X − X̃)`, so the residual is at most `η / (λ̃_min + ε)`.
 * Shampoo's statistics are rank-deficient for many steps and ε is tiny, so this bound reaches 1 and
 * far more while the root is as accurate as float64 allows; ten times the bound is the limit when it
 * exceeds `maxRootResidual`, and only a root wrong by far more than rounding is rejected.
 */
export function eighResidualLimit(eigenvalues: Float64Array, epsilon: number, maxResidual: number): number {
  const n = eigenvalues.length;
  if (n === 0) return maxResidual;
  const largest = Math.max(Math.abs(eigenvalues[0]!), Math.abs(eigenvalues[n - 1]!));
  const smallest = eigenvalues[n - 1]!;
  const perturbation = n * FLOAT64_ROUNDOFF * largest + Math.max(0, -smallest);
  return Math.max(maxResidual, (10 * perturbation) / (Math.max(smallest, 0) + epsilon));
}

/**
 * Newton's iteration on float32 tensors; the caller owns `x`. Errors (a zero or non-finite norm)
 * become failures; linalg frees every tensor of a failed iteration.
 */
async function newtonRoot(x: tf.Tensor2D, settings: RootSettings): Promise<RootOutcome<tf.Tensor2D>> {
  let result: Awaited<ReturnType<typeof inverseRootNewton>>;
  try {
    result = await inverseRootNewton(x, settings.exponent, {
      epsilon: settings.epsilon,
      tolerance: settings.newtonTolerance,
      maxIterations: settings.newtonMaxIterations,
    });
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const verdict = judge(result.residual, settings.maxResidual, 'maxRootResidual');
  if (verdict) {
    result.root.dispose();
    return { ok: false, reason: `Newton iteration after ${result.iterations} iterations: ${verdict}` };
  }
  return { ok: true, root: result.root, residual: result.residual };
}

/**
 * `(X + Xᵀ)/2`, or `X` itself when exactly symmetric. A float32 `G Gᵀ` from `tf.matMul` need not be:
 * entries (i, j) and (j, i) are summed in different orders. eigh reads one triangle and the
 * residual all of `X`, so both must see the same symmetric matrix, or float32 asymmetry (about
 * 2⁻²⁴·λ_max) would count in the residual as if the root were wrong.
 */
function symmetrised(x: Matrix64): Matrix64 {
  const n = x.rows;
  const d = x.data;
  let symmetric = true;
  for (let i = 0; i < n && symmetric; i++) for (let j = 0; j < i; j++) if (d[i * n + j] !== d[j * n + i]) symmetric = false;
  if (symmetric) return x;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (d[i * n + j]! + d[j * n + i]!) / 2;
  return { rows: n, cols: n, data: out };
}

/** Eigendecomposition in float64; a non-finite input or a singular `X + εI` becomes a failure. */
function eighRoot(input: Matrix64, settings: RootSettings): RootOutcome<Float64Array> {
  if (!allFinite(input.data)) return { ok: false, reason: 'the statistic holds NaN or Inf' };
  const x = symmetrised(input);
  let result: ReturnType<typeof inverseRootEigh>;
  try {
    result = inverseRootEigh(x, settings.exponent, { epsilon: settings.epsilon, residual: false });
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  // eigh roots are exactly symmetric, so linalg evaluates the residual by repeated squaring (2n³ for p = 4).
  const residual = inverseRootResidual64(result.root, x, settings.exponent, settings.epsilon);
  const limit = eighResidualLimit(result.eigenvalues, settings.epsilon, settings.maxResidual);
  const verdict = allFinite(result.root.data) ? judge(residual, limit, 'the limit max(maxRootResidual, 10·η/(λ_min + ε)) =') : 'the root holds NaN or Inf';
  if (verdict) return { ok: false, reason: `eigh: ${verdict}` };
  return { ok: true, root: result.root.data, residual };
}

/**
 * `(X + εI)^{-1/p}` of a host statistic (float64, row-major `n × n`) as float64. Newton runs on the
 * backend and its root is read back with an awaited `data()` (any backend, WebGPU included).
 */
export async function hostInverseRoot(x: Matrix64, settings: RootSettings): Promise<RootOutcome<Float64Array>> {
  if (settings.method === 'eigh') return eighRoot(x, settings);
  if (!allFinite(x.data)) return { ok: false, reason: 'the statistic holds NaN or Inf' };
  // Newton runs on float32 tensors: the statistic is rounded to float32 and the root read back.
  const tensor = tf.tensor2d(Float32Array.from(x.data), [x.rows, x.cols]);
  try {
    const outcome = await newtonRoot(tensor, settings);
    if (!outcome.ok) return outcome;
    let values: Float32Array;
    try {
      values = (await outcome.root.data()) as Float32Array;
    } finally {
      outcome.root.dispose();
    }
    if (!allFinite(values)) return { ok: false, reason: 'Newton iteration: the root holds NaN or Inf' };
    return { ok: true, root: Float64Array.from(values), residual: outcome.residual };
  } finally {
    tensor.dispose();
  }
}

/** Whether every entry of `t` is finite: one flag reduced on the device and read with `data()`. */
async function finiteOnDevice(t: tf.Tensor): Promise<boolean> {
  const flag = tf.tidy(() => tf.all(tf.isFinite(t)));
  try {
    return (await flag.data())[0] === 1;
  } finally {
    flag.dispose();
  }
}

/** `(X + εI)^{-1/p}` of a device statistic (float32 tensor) as a float32 tensor; the caller owns `x`. */
export async function deviceInverseRoot(x: tf.Tensor2D, settings: RootSettings): Promise<RootOutcome<tf.Tensor2D>> {
  const n = x.shape[0];
  if (settings.method === 'eigh') {
    const data = Float64Array.from((await x.data()) as Float32Array);
    const outcome = eighRoot({ rows: n, cols: n, data }, settings);
    if (!outcome.ok) return outcome;
    return { ok: true, root: tf.tensor2d(Float32Array.from(outcome.root), [n, n]), residual: outcome.residual };
  }
  if (!(await finiteOnDevice(x))) return { ok: false, reason: 'the statistic holds NaN or Inf' };
  const outcome = await newtonRoot(x, settings);
  if (!outcome.ok) return outcome;
  if (!(await finiteOnDevice(outcome.root))) {
    outcome.root.dispose();
    return { ok: false, reason: 'Newton iteration: the root holds NaN or Inf' };
  }
  return outcome;
}
