import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';

/** A trainable parameter, named `<layer>/<param>` (dense kernels `[in, out]`, `y = act(x W + b)`). */
export interface NamedParameter {
  readonly name: string;
  readonly variable: tf.Variable;
}

/**
 * A model: ordered named parameters and a forward map. Built with @precond/nn (or by a third-party
 * package that honours the same contract). Called by the runner and by optimizers/probes.
 */
export interface Model {
  /** Parameters in a fixed order; every flat parameter vector (Jacobian columns, checkpoints) uses it. */
  readonly params: readonly NamedParameter[];
  /** Forward pass `x [n, in] → f [n, out]`. Called inside `tf.tidy` by the caller. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * Forward pass with the parameters replaced by `values` (same order as `params`), used for trial
   * steps (line search, LM gain ratio) without touching the variables.
   */
  applyWith(values: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D;
  /** Total number of scalar parameters. */
  parameterCount(): number;
  /** Frees the variables. Called once when the run ends. */
  dispose(): void;
}

/** What a model factory gets to build a model. */
export interface ModelCreateContext {
  /** Stream for initial weights (already forked for the model). */
  readonly rng: Rng;
  readonly inputSize: number;
  readonly outputSize: number;
}

/** Registered by a model plugin under MODEL_FACTORY; called once per run. */
export interface ModelFactory {
  create(ctx: ModelCreateContext): Model;
}
