import * as tf from '@tensorflow/tfjs-core';
import type { Loss } from '@precond/core';

/**
 * A loss's output-space Hessian `H_i = ∂²ℓ_i/∂f_i²` in the form that applies it most cheaply:
 * - `scaled-identity`: `H_i = h·I` (MSE, `h` = its scale), a number from `loss.outputHessian`;
 * - `softmax`: `H_i = diag(p_i) - p_i p_iᵀ` with `p_i = softmax(f_i)`, core's `cross-entropy`
 *   (PAPER.md, GGN), applied without forming the `[n, k, k]` blocks;
 * - `blocks`: any other loss, the `[n, k, k]` tensor its `outputHessian` returns.
 */
export type OutputHessian =
  | { readonly kind: 'scaled-identity'; readonly scale: number }
  | { readonly kind: 'softmax'; readonly probabilities: tf.Tensor2D }
  | { readonly kind: 'blocks'; readonly blocks: tf.Tensor3D };

/**
 * The output Hessian of `loss` at `outputs` `[n, k]`. Losses named `cross-entropy` (the name core
 * reserves for softmax cross-entropy, `crossEntropyLoss`) use the closed form; every other loss,
 * custom ones included, is asked for `outputHessian`. The caller owns the tensors it holds.
 */
export function outputHessianOf(loss: Loss, outputs: tf.Tensor2D, targets: tf.Tensor2D): OutputHessian {
  if (loss.name === 'cross-entropy') return { kind: 'softmax', probabilities: tf.softmax(outputs) };
  const h = loss.outputHessian(outputs, targets);
  if (typeof h === 'number') return { kind: 'scaled-identity', scale: h };
  const [n, k] = outputs.shape;
  if (h.rank !== 3 || h.shape[0] !== n || h.shape[1] !== k || h.shape[2] !== k) {
    throw new RangeError(`loss '${loss.name}': outputHessian must be a number or shaped [${n}, ${k}, ${k}], got [${h.shape.join(', ')}]`);
  }
  return { kind: 'blocks', blocks: h };
}

/** `H_i w_i` for every sample, `[n, k]`. */
export function applyOutputHessian(hessian: OutputHessian, w: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    switch (hessian.kind) {
      case 'scaled-identity':
        return tf.mul(w, hessian.scale);
      case 'softmax': {
        // (diag(p) - p pᵀ) w = p ⊙ w - p (pᵀ w): O(k) per sample instead of O(k²).
        const p = hessian.probabilities;
        return tf.sub(tf.mul(p, w), tf.mul(p, tf.sum(tf.mul(p, w), 1, true)));
      }
      case 'blocks': {
        const [n, k] = w.shape;
        return tf.reshape(tf.matMul(hessian.blocks, tf.reshape(w, [n, k, 1])), [n, k]);
      }
    }
  });
}

/** The tensors an OutputHessian holds. */
export function outputHessianTensors(hessian: OutputHessian): tf.Tensor[] {
  if (hessian.kind === 'softmax') return [hessian.probabilities];
  if (hessian.kind === 'blocks') return [hessian.blocks];
  return [];
}
