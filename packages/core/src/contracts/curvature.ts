import type * as tf from '@tensorflow/tfjs-core';
import type { Loss } from './loss.js';
import type { Model } from './model.js';
import type { Dataset } from './task.js';

/** Per-layer quantities from one forward and one backward pass (K-FAC and Shampoo read these). */
export interface LayerStatistics {
  /** Layer name (the `<layer>` of its parameter names). */
  readonly layer: string;
  /** Parameter names of the layer, in model order. */
  readonly params: readonly string[];
  /** Layer inputs `a` per sample, `[n, in]` (with a column of ones appended when the layer has a bias). */
  readonly inputs: tf.Tensor2D;
  /** Gradients of the summed loss w.r.t. the layer's pre-activations per sample, `[n, out]`. */
  readonly outputGradients: tf.Tensor2D;
}

/**
 * Scaling: J is the per-sample Jacobian of the outputs and H the per-sample output Hessian of ℓ, so
 * `vjp` and `ggnVectorProduct` are those of the summed loss Σ_i ℓ_i. The mean loss the runner
 * optimises has gradient `(1/n) Jᵀ ∂ℓ/∂f` and Gauss-Newton matrix `(1/n) Jᵀ H J`.
 *
 * The curvature of one step, lazy and memoised: each quantity is computed on first use and shared
 * by every consumer of the step (an optimizer and the NTK probe get the same Jacobian). What the
 * memoised getters return (`outputs`, `residual`, `jacobian`, `layerStatistics`, `gram64`) is owned
 * by the context and disposed with it at the end of the step; the products `jvp`, `vjp` and
 * `ggnVectorProduct` return new tensors that the caller owns (a CG loop frees them as it goes).
 */
export interface CurvatureContext {
  readonly batch: Dataset;
  /** `f(x)` for the batch, `[n, k]`. */
  outputs(): tf.Tensor2D;
  /** `f(x) - y`, `[n, k]`. */
  residual(): tf.Tensor2D;
  /** Dense Jacobian `[n·k, P]` (rows sample-major, columns in parameter order). */
  jacobian(): tf.Tensor2D;
  /**
   * `J Jᵀ` (the NTK Gram of the batch, `[n·k, n·k]` row-major) accumulated in float64 on the CPU,
   * so eigenvalues down to ~1e-13 of the largest survive (a float32 Gram loses those below ~1e-7).
   */
  gram64(): Promise<Float64Array>;
  /** `J v` for a parameter-shaped `v`, `[n, k]`. */
  jvp(v: readonly tf.Tensor[]): tf.Tensor2D;
  /** `Jᵀ u` for an output-shaped `u` `[n, k]`, parameter-shaped. */
  vjp(u: tf.Tensor2D): tf.Tensor[];
  /** `Jᵀ H J v` with H the loss's output Hessian. */
  ggnVectorProduct(v: readonly tf.Tensor[]): tf.Tensor[];
  /** Per-layer inputs and output gradients. */
  layerStatistics(): readonly LayerStatistics[];
  /** Frees everything the context computed. Called by the runner at the end of the step. */
  dispose(): void;
}

/** Registered by a model package under CURVATURE_PROVIDER. */
export interface CurvatureProvider {
  create(model: Model, loss: Loss, batch: Dataset): CurvatureContext;
}
