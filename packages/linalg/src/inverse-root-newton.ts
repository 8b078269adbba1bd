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
  /** `max_ij |M - I|` at exit, where the iteration keeps M = R^p (X + εI): the residual diagnostic. */
  readonly residual: number;
  readonly iterations: number;
  /** Whether the residual reached `tolerance` (otherwise the best iterate before stagnation is returned). */
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
 * and one scalar read.
 */
export function inverseRootNewton(x: tf.Tensor2D, p: number, options: InverseRootNewtonOptions = {}): InverseRootTensor {
  checkRootOrder(p, 'inverseRootNewton');
  if (x.rank !== 2 || x.shape[0] !== x.shape[1]) throw new RangeError(`inverseRootNewton: X must be square 2-D, got shape [${x.shape}]`);
  const n = x.shape[0];
  const epsilon = options.epsilon ?? 0;
  const tolerance = options.tolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? 100;
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`inverseRootNewton: epsilon must be a finite number ≥ 0, got ${epsilon}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) throw new RangeError(`inverseRootNewton: maxIterations must be a non-negative integer, got ${maxIterations}`);

  const identity = tf.eye(n);
  try {
    const a = tf.tidy(() => tf.add(x, tf.mul(identity, epsilon)));
    const normTensor = tf.norm(a);
    const normValue = normTensor.dataSync()[0]!;
    normTensor.dispose();
    if (!(normValue > 0) || !Number.isFinite(normValue)) {
      a.dispose();
      throw new RangeError(`inverseRootNewton: ‖X + εI‖_F is ${normValue}; X must be positive definite (or pass epsilon > 0) and finite`);
    }
    const z = (1 + p) / (2 * normValue);
    let m = tf.tidy(() => tf.mul(a, z) as tf.Tensor2D);
    let h = tf.tidy(() => tf.mul(identity, z ** (1 / p)) as tf.Tensor2D);
    a.dispose();
    let error = maxAbsFromIdentity(m, identity);
    let iterations = 0;
    while (error > tolerance && iterations < maxIterations) {
      const [mNext, hNext] = tf.tidy(() => {
        const t = tf.div(tf.sub(tf.mul(identity, p + 1), m), p) as tf.Tensor2D;
        return [tf.matMul(matrixPower(t, p), m), tf.matMul(h, t)];
      });
      const nextError = maxAbsFromIdentity(mNext!, identity);
      // Rounding stops the error falling near float32 resolution (or a badly scaled start makes it
      // grow): keep the best iterate and stop.
      if (!(nextError < error)) {
        mNext!.dispose();
        hNext!.dispose();
        break;
      }
      m.dispose();
      h.dispose();
      m = mNext as tf.Tensor2D;
      h = hNext as tf.Tensor2D;
      error = nextError;
      iterations++;
    }
    m.dispose();
    return { root: h, residual: error, iterations, converged: error <= tolerance };
  } finally {
    identity.dispose();
  }
}

/** `max_ij |M - I|`, read back as a number. */
function maxAbsFromIdentity(m: tf.Tensor2D, identity: tf.Tensor): number {
  const t = tf.tidy(() => tf.max(tf.abs(tf.sub(m, identity))));
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
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
