import * as tf from '@tensorflow/tfjs-core';
import type { Loss } from '@precond/core';

/**
 * Losses whose output Hessian came back as `[n, k, k]` blocks once. Core's contract returns a number
 * `h` exactly when `H_i = h·I` for every sample (MSE), a property of the loss and not of the data,
 * so one look per loss object suffices and cross-entropy's blocks are not rebuilt every step just to
 * learn that they are blocks.
 */
const blockLosses = new WeakSet<Loss>();

/**
 * `h` when the loss's per-sample output Hessian is `h·I` (MSE with scale h), else null (cross-entropy:
 * `H_i = diag(p_i) − p_i p_iᵀ`).
 */
export function outputHessianScale(loss: Loss, outputs: tf.Tensor2D, targets: tf.Tensor2D): number | null {
  if (blockLosses.has(loss)) return null;
  const h = loss.outputHessian(outputs, targets);
  if (typeof h === 'number') return h;
  h.dispose();
  blockLosses.add(loss);
  return null;
}

/** `H_i w_i` for every sample, `[n, k]` (the loss's O(k) product when it has one). Caller owns the result. */
export function applyOutputHessian(loss: Loss, outputs: tf.Tensor2D, targets: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    if (loss.outputHessianProduct) return loss.outputHessianProduct(outputs, targets, w);
    const h = loss.outputHessian(outputs, targets);
    if (typeof h === 'number') return tf.mul(w, h) as tf.Tensor2D;
    return tf.squeeze(tf.matMul(h, tf.expandDims(w, 2)), [2]) as tf.Tensor2D;
  });
}

/** The `[n, k, k]` per-sample output Hessian blocks (for the dense parameter-space GGN). Caller owns the result. */
export function outputHessianBlocks(loss: Loss, outputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const h = loss.outputHessian(outputs, targets);
    if (typeof h !== 'number') return h;
    const [n, k] = outputs.shape;
    return tf.mul(tf.tile(tf.reshape(tf.eye(k), [1, k, k]), [n, 1, 1]), h) as tf.Tensor3D;
  });
}
