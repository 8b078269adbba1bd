import * as tf from '@tensorflow/tfjs-core';
import { applyOperator, disposeLists, listDots, type LinearOperator } from './tensor-list.js';

export interface ConjugateGradientOptions {
  /** Stop once the relative residual ‖b - A x‖₂ / ‖b‖₂ is at or below this (default 1e-6). */
  readonly tolerance?: number;
  /** Most iterations (operator applications after the first residual); default the number of unknowns. */
  readonly maxIterations?: number;
  /** `z = M⁻¹ r` for a symmetric positive definite preconditioner M (default none, M = I). */
  readonly preconditioner?: LinearOperator;
  /** Starting point (default zero); not modified or disposed. */
  readonly x0?: readonly tf.Tensor[];
}

export interface ConjugateGradientResult {
  /** The solution, shaped like b; the caller owns (and disposes) these tensors. */
  readonly x: tf.Tensor[];
  /** Iterations taken (operator applications, not counting the one for x0's residual). */
  readonly iterations: number;
  /** ‖r‖₂ of the recursively updated residual r = b - A x at exit. */
  readonly residualNorm: number;
  /** `residualNorm / ‖b‖₂`, the quantity compared with `tolerance`. */
  readonly relativeResidualNorm: number;
  readonly converged: boolean;
  /** Why it stopped: tolerance reached, iteration budget spent, or pᵀAp ≤ 0 (A is not positive definite). */
  readonly stopReason: 'converged' | 'max-iterations' | 'non-positive-curvature';
}

/**
 * Solves `A x = b` for a symmetric positive definite operator given as a function on lists of
 * tensors (parameter-shaped vectors), by (preconditioned) conjugate gradients: Hestenes & Stiefel
 * (1952); Golub & Van Loan (4th ed.) Alg. 11.3.3 and, preconditioned, Alg. 11.5.1. This is how the
 * Gauss-Newton/LM step `(μI + JᵀJ) d = Jᵀ r` is solved matrix-free with J·v and Jᵀ·u products
 * (PAPER.md, "How the systems are solved").
 *
 * Tensor math runs on the active tfjs backend in float32; the scalars (α, β, norms) are read back
 * and kept in float64, two awaited reads per iteration (`pᵀAp`, then `rᵀz` and `rᵀr` together), so
 * it runs on backends that cannot read synchronously (WebGPU). Every intermediate tensor is
 * disposed, also when the operator throws.
 *
 * @example
 * const A = tf.tensor2d([[4, 1], [1, 3]]);
 * const op = ([v]: tf.Tensor[]) => [tf.reshape(tf.matMul(A, tf.reshape(v!, [2, 1])), [2])];
 * const { x } = await conjugateGradient(op, [tf.tensor1d([1, 2])]); // x ≈ [1/11, 7/11]
 */
export async function conjugateGradient(
  operator: LinearOperator,
  b: readonly tf.Tensor[],
  options: ConjugateGradientOptions = {},
): Promise<ConjugateGradientResult> {
  const unknowns = b.reduce((s, t) => s + t.size, 0);
  const tolerance = options.tolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? unknowns;
  if (!(tolerance >= 0)) throw new RangeError(`conjugateGradient: tolerance must be ≥ 0, got ${tolerance}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new RangeError(`conjugateGradient: maxIterations must be a non-negative integer, got ${maxIterations}`);
  }
  const x0 = options.x0;
  if (x0) {
    if (x0.length !== b.length) throw new RangeError(`conjugateGradient: x0 has ${x0.length} tensors; b has ${b.length}`);
    x0.forEach((t, i) => {
      if (t.shape.join() !== b[i]!.shape.join()) throw new RangeError(`conjugateGradient: x0[${i}] has shape [${t.shape}]; b[${i}] has [${b[i]!.shape}]`);
    });
  }
  const bList = [...b];
  const [bb] = await listDots([[bList, bList]]);
  const bNorm = Math.sqrt(bb!);
  if (bNorm === 0) {
    // The solution of A x = 0 for positive definite A is x = 0.
    return { x: bList.map((t) => tf.zerosLike(t)), iterations: 0, residualNorm: 0, relativeResidualNorm: 0, converged: true, stopReason: 'converged' };
  }

  const precondition = (res: tf.Tensor[]): tf.Tensor[] =>
    options.preconditioner ? tf.tidy(() => applyOperator(options.preconditioner!, res, 'conjugateGradient: preconditioner')) : res.map((t) => tf.clone(t));
  // The iteration's lists; whatever is live when an operator or a read throws is disposed there.
  let x: tf.Tensor[] = [];
  let r: tf.Tensor[] = [];
  let z: tf.Tensor[] = [];
  let p: tf.Tensor[] = [];
  let ap: tf.Tensor[] = [];
  try {
    if (x0) {
      x = x0.map((t) => tf.clone(t));
      r = tf.tidy(() => {
        const ax = applyOperator(operator, x, 'conjugateGradient: operator');
        return bList.map((bi, i) => tf.sub(bi, ax[i]!));
      });
    } else {
      x = bList.map((t) => tf.zerosLike(t));
      r = bList.map((t) => tf.clone(t));
    }
    z = precondition(r);
    let [rz, rr] = (await listDots([[r, z], [r, r]])) as [number, number];
    p = z.map((t) => tf.clone(t));

    let iterations = 0;
    let stopReason: ConjugateGradientResult['stopReason'] = 'max-iterations';
    if (Math.sqrt(rr) <= tolerance * bNorm) stopReason = 'converged';
    while (stopReason !== 'converged' && iterations < maxIterations) {
      ap = tf.tidy(() => applyOperator(operator, p, 'conjugateGradient: operator'));
      const [pAp] = (await listDots([[p, ap]])) as [number];
      if (!(pAp > 0)) {
        stopReason = 'non-positive-curvature';
        break;
      }
      const alpha = rz / pAp;
      const [xNext, rNext] = tf.tidy(() => [
        x.map((xi, i) => tf.add(xi, tf.mul(p[i]!, alpha))),
        r.map((ri, i) => tf.sub(ri, tf.mul(ap[i]!, alpha))),
      ]);
      disposeLists(x, r, ap);
      [x, r, ap] = [xNext!, rNext!, []];
      iterations++;
      const zNext = precondition(r);
      disposeLists(z);
      z = zNext;
      const [rzNext, rrNext] = (await listDots([[r, z], [r, r]])) as [number, number];
      rr = rrNext;
      if (Math.sqrt(rr) <= tolerance * bNorm) {
        stopReason = 'converged';
        break;
      }
      const beta = rzNext / rz;
      rz = rzNext;
      const pNext = tf.tidy(() => z.map((zi, i) => tf.add(zi, tf.mul(p[i]!, beta))));
      disposeLists(p);
      p = pNext;
    }
    const residualNorm = Math.sqrt(rr);
    const solution = x;
    x = [];
    return {
      x: solution,
      iterations,
      residualNorm,
      relativeResidualNorm: residualNorm / bNorm,
      converged: stopReason === 'converged',
      stopReason,
    };
  } finally {
    disposeLists(x, r, z, p, ap);
  }
}
