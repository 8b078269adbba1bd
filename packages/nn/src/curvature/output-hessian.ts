import * as tf from '@tensorflow/tfjs-core';
import type { Loss } from '@precond/core';

/**
 * A loss's output-space Hessian `H_i = ∂²ℓ_i/∂f_i²` in the form that applies it most cheaply:
 * - `scaled-identity`: `H_i = h·I` (MSE, `h` = its scale), a number from `loss.outputHessian`;
 * - `product`: the loss's own `outputHessianProduct` (softmax cross-entropy applies
 *   `diag(p) - p pᵀ` in O(k) per sample, never forming the `[n, k, k]` blocks);
 * - `blocks`: any other loss, the `[n, k, k]` tensor its `outputHessian` returns.
 */
export type OutputHessian =
  | { readonly kind: 'scaled-identity'; readonly scale: number }
  | { readonly kind: 'product'; readonly apply: (w: tf.Tensor2D) => tf.Tensor2D }
  | { readonly kind: 'blocks'; readonly blocks: tf.Tensor3D };

/**
 * The output Hessian of `loss` at `outputs` `[n, k]`: its `outputHessianProduct` when it has one,
 * else what `outputHessian` gives (a multiple of I, or `[n, k, k]` blocks). The caller owns
 * the tensors it holds (`outputHessianTensors`).
 */
export function outputHessianOf(loss: Loss, outputs: tf.Tensor2D, targets: tf.Tensor2D): OutputHessian {
  const product = loss.outputHessianProduct;
  if (product) return { kind: 'product', apply: (w) => product(outputs, targets, w) };
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
      case 'product':
        return hessian.apply(w);
      case 'blocks': {
        const [n, k] = w.shape;
        return tf.reshape(tf.matMul(hessian.blocks, tf.reshape(w, [n, k, 1])), [n, k]);
      }
    }
  });
}

/** The tensors an OutputHessian holds. */
export function outputHessianTensors(hessian: OutputHessian): tf.Tensor[] {
  if (hessian.kind === 'blocks') return [hessian.blocks];
  return [];
}
