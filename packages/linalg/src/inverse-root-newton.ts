import * as tf from '@tensorflow/tfjs-core';
import { checkRootOrder } from './inverse-root-eigh.js';

export interface InverseRootNewtonOptions {
  /** Ridge added to the diagonal: the result is (X + εI)^{-1/p}. Default 0. */
  readonly epsilon?: number;
  /** Stop once max|M - I| ≤ tolerance (default 1e-6, near float32's resolution for M ≈ I). */
  readonly tolerance?: number;
  /** Most iterations (default 100). */
  readonly maxIterations?: number;
}

export interface InverseRootTensor {
  /** `(X + εI)^{-1/p}` (float32; the caller disposes it). */
  readonly root: tf.Tensor2D;
  /**
   * `max_ij |R^p (X + εI) - I|` of the returned root, formed in float32 on the backend after the
   * iteration (not the iteration's own M, which drifts from `R^p (X + εI)` in float32 when X is
   * ill-conditioned): the residual diagnostic.
   */
  readonly residual: number;
  readonly iterations: number;
  /**
   * Whether the iteration's `max|M - I|` reached `tolerance` (otherwise the iterate with the smallest
   * `max|M - I|` before rounding stalled the iteration is returned).
   */
  readonly converged: boolean;
}

/**
 * Inverse p-th root `(X + εI)^{-1/p}` of a symmetric positive definite matrix on tensors, by the
 * coupled Newton iteration of Guo & Higham, "A Schur-Newton method for the matrix p-th root and its
 * inverse" (SIAM J. Matrix Anal. Appl. 28(3), 2006), eq. (3.3)/(3.5), in the form Distributed
 * Shampoo uses (Anil et al., "Scalable second order optimization for deep learning", 2020):
 *
 *   z = (1 + p) / (2‖A‖),  M₀ = z A,  H₀ = z^{1/p} I,
 *   T_k = ((p + 1) I - M_k) / p,   M_{k+1} = T_k^p M_k,   H_{k+1} = H_k T_k,
 *
 * with the invariant M_k = H_k^p A, M_k → I quadratically and H_k → A^{-1/p}. The scaling puts
 * A's spectrum in (0, (p + 1)/2], inside the region where the iteration converges (Guo & Higham
 * Thm 3.2); ‖A‖_F ≥ λ_max is used for ‖A‖, a bound that needs no eigenvalue estimate. Only
 * matrix products: it runs on any backend, GPU included. Each iteration costs ⌊log₂ p⌋ squarings,
 * popcount(p) - 1 further products for T^p, two more for M and H (4 in all for p = 4, 3 for p = 2),
 * and one awaited read of two scalars (`data()`: it runs on backends that cannot read
 * synchronously, WebGPU in Node); the final residual check costs one iteration's products.
 * Every tensor it makes is disposed, also when it throws; the caller owns the returned root.
 *
 * Stopping: at `tolerance` on `max|M - I|`, after `maxIterations`, or once `|n − tr(M)|` stops
 * falling (rounding dominates; see the loop), returning the iterate with the smallest `max|M - I|`.
 */
export async function inverseRootNewton(x: tf.Tensor2D, p: number, options: InverseRootNewtonOptions = {}): Promise<InverseRootTensor> {
  checkRootOrder(p, 'inverseRootNewton');
  if (x.rank !== 2 || x.shape[0] !== x.shape[1]) throw new RangeError(`inverseRootNewton: X must be square 2-D, got shape [${x.shape}]`);
  const n = x.shape[0];
  const epsilon = options.epsilon ?? 0;
  const tolerance = options.tolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? 100;
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`inverseRootNewton: epsilon must be a finite number ≥ 0, got ${epsilon}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) throw new RangeError(`inverseRootNewton: maxIterations must be a non-negative integer, got ${maxIterations}`);

  // Every tensor made here is tracked and disposed on the way out, whether the iteration returns
  // or throws (a read can fail on the backend), except the root handed to the caller.
  const owned = new Set<tf.Tensor>();
  const own = <T extends tf.Tensor>(t: T): T => {
    owned.add(t);
    return t;
  };
  const release = (t: tf.Tensor) => {
    owned.delete(t);
    t.dispose();
  };
  try {
    const identity = own(tf.eye(n));
    const a = own(tf.tidy(() => tf.add(x, tf.mul(identity, epsilon)) as tf.Tensor2D));
    const [normValue] = await readScalars(tf.norm(a));
    if (!(normValue! > 0) || !Number.isFinite(normValue)) {
      throw new RangeError(`inverseRootNewton: ‖X + εI‖_F is ${normValue}; X must be positive definite (or pass epsilon > 0) and finite`);
    }
    const z = (1 + p) / (2 * normValue!);
    let m = own(tf.tidy(() => tf.mul(a, z) as tf.Tensor2D));
    let h = own(tf.tidy(() => tf.mul(identity, z ** (1 / p)) as tf.Tensor2D));
    // Progress is judged by δ = n − tr(M) = Σ(1 − μ_i), not by the entrywise error. From the scaled
    // start every step maps each eigenvalue μ of M to μ((p + 1 − μ)/p)^p, which is ≤ 1 after the first
    // step and rises monotonically to 1 (Guo & Higham §3), so δ falls monotonically in exact
    // arithmetic from step 1 on, while max|M − I| can rise for a few steps (the small eigenvalues
    // move up and the entries of M rearrange). A step whose |δ| does not fall means rounding now
    // dominates: the iteration stops there and returns the iterate with the smallest max|M − I|.
    let [error, delta] = await progressOf(progressTensor(m, identity), n);
    let best = { h, error, iterations: 0 };
    let iterations = 0;
    while (error > tolerance && iterations < maxIterations) {
      const [mNext, hNext] = tf.tidy(() => {
        const t = tf.div(tf.sub(tf.mul(identity, p + 1), m), p) as tf.Tensor2D;
        return [tf.matMul(matrixPower(t, p), m), tf.matMul(h, t)] as tf.Tensor2D[];
      });
      own(mNext!);
      own(hNext!);
      iterations++;
      const [nextError, nextDelta] = await progressOf(progressTensor(mNext!, identity), n);
      const stalled = iterations > 1 && !(Math.abs(nextDelta) < Math.abs(delta));
      release(m);
      if (best.h !== h) release(h);
      m = mNext!;
      h = hNext!;
      [error, delta] = [nextError, nextDelta];
      if (error < best.error || !Number.isFinite(best.error)) {
        if (best.h !== h) release(best.h);
        best = { h, error, iterations };
      }
      if (stalled || !Number.isFinite(error)) break;
    }
    if (best.h !== h) release(h);
    // The tracked M drifts from H^p A in float32 once A's condition number nears 1/u₃₂ (its small
    // eigenvalues are rounding noise, which the iteration "converges" all the same), so the
    // residual reported is that of the returned root itself, formed afresh: p products at most.
    const root = best.h;
    const [residual] = await readScalars(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.matMul(matrixPower(root, p), a), identity)))));
    owned.delete(root);
    return { root, residual: residual!, iterations: best.iterations, converged: best.error <= tolerance };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** The values of `t`, read with an awaited `data()`; `t` is disposed. */
async function readScalars(t: tf.Tensor): Promise<number[]> {
  try {
    return Array.from((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}

/** `[max_ij |M - I|, tr(M)]` as one tensor, so both come back in one read. */
function progressTensor(m: tf.Tensor2D, identity: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.stack([tf.max(tf.abs(tf.sub(m, identity))), tf.sum(tf.mul(m, identity))]) as tf.Tensor1D);
}

/** `[max_ij |M - I|, n − tr(M)]` from `progressTensor`'s tensor (disposed). */
async function progressOf(t: tf.Tensor1D, n: number): Promise<[number, number]> {
  const [error, trace] = await readScalars(t);
  return [error!, n - trace!];
}

/** `t^p` by repeated squaring (p = 4: two products). */
function matrixPower(t: tf.Tensor2D, p: number): tf.Tensor2D {
  let result: tf.Tensor2D | undefined;
  let base = t;
  let e = p;
  while (e > 0) {
    if (e & 1) result = result ? (tf.matMul(result, base) as tf.Tensor2D) : base;
    e >>= 1;
    if (e > 0) base = tf.matMul(base, base) as tf.Tensor2D;
  }
  return result!;
}
