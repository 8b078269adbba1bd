import * as tf from '@tensorflow/tfjs-core';

/**
 * A loss `L(f, y) = (1/n) Σ_i ℓ(f_i, y_i)` over a batch of n samples, with what curvature needs:
 * the per-sample output gradient and the output-space Hessian of ℓ (for Gauss-Newton / GGN).
 */
export interface Loss {
  /** `mse`, `cross-entropy`, or a custom name. */
  readonly name: string;
  /** The batch mean loss, a scalar. `pred` and `target` are `[n, k]`. */
  value(pred: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar;
  /** `∂ℓ_i/∂f_i` for each sample, `[n, k]` (so `∇_θ L = (1/n) Jᵀ · outputGradient`). */
  outputGradient(pred: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor2D;
  /**
   * `∂²ℓ_i/∂f_i²`: a number `h` when it is `h·I` for every sample (MSE), else `[n, k, k]`
   * (softmax cross-entropy: `diag(p) - p pᵀ`).
   */
  outputHessian(pred: tf.Tensor2D, target: tf.Tensor2D): number | tf.Tensor3D;
  /**
   * `H_i w_i` for every sample, `[n, k]`, without forming the `[n, k, k]` blocks. Optional: the
   * curvature engine falls back to `outputHessian` when a loss does not provide it.
   */
  outputHessianProduct?(pred: tf.Tensor2D, target: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D;
}

/**
 * Mean squared error `L = (scale / 2n) Σ_i ‖f_i - y_i‖²` (sum over outputs, mean over samples).
 * With scale 1 and one output this is the paper's `½ mean (f - y)²`; E3 uses `scale = 1/α²`.
 */
export function mseLoss(scale = 1): Loss {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`mse scale must be a finite number > 0, got ${scale}`);
  return {
    name: 'mse',
    value: (pred, target) =>
      tf.tidy(() => tf.mul(tf.sum(tf.square(tf.sub(pred, target))), scale / (2 * pred.shape[0])) as tf.Scalar),
    outputGradient: (pred, target) => tf.tidy(() => tf.mul(tf.sub(pred, target), scale) as tf.Tensor2D),
    outputHessian: () => scale,
    outputHessianProduct: (_pred, _target, w) => tf.mul(w, scale) as tf.Tensor2D,
  };
}

/**
 * Softmax cross-entropy `L = -(1/n) Σ_i Σ_c y_ic log softmax(f_i)_c` for one-hot (or soft) targets.
 * Output Hessian per sample: `s_i (diag(p) - p pᵀ)` with `p = softmax(f_i)` and `s_i = Σ_c y_ic`
 * (1 for one-hot targets).
 */
export function crossEntropyLoss(): Loss {
  return {
    name: 'cross-entropy',
    value: (pred, target) =>
      tf.tidy(() => tf.neg(tf.div(tf.sum(tf.mul(target, tf.logSoftmax(pred))), pred.shape[0])) as tf.Scalar),
    outputGradient: (pred, target) =>
      tf.tidy(() => tf.sub(tf.mul(tf.softmax(pred), tf.sum(target, 1, true)), target) as tf.Tensor2D),
    outputHessian: (pred, target) =>
      tf.tidy(() => {
        const p = tf.softmax(pred);
        const [n, k] = p.shape;
        const diag = tf.mul(tf.expandDims(p, 2), tf.reshape(tf.eye(k), [1, k, k]));
        const outer = tf.matMul(tf.reshape(p, [n, k, 1]), tf.reshape(p, [n, 1, k]));
        return tf.mul(tf.sub(diag, outer), tf.reshape(tf.sum(target, 1), [n, 1, 1])) as tf.Tensor3D;
      }),
    // (diag(p) - p pᵀ) w = p ⊙ w - p (pᵀ w): O(k) per sample instead of O(k²).
    outputHessianProduct: (pred, target, w) =>
      tf.tidy(() => {
        const p = tf.softmax(pred);
        const pw = tf.mul(p, w);
        return tf.mul(tf.sub(pw, tf.mul(p, tf.sum(pw, 1, true))), tf.sum(target, 1, true)) as tf.Tensor2D;
      }),
  };
}
