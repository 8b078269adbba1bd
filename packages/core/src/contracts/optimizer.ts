import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';
import type { State } from '../state/state.js';
import type { CurvatureContext } from './curvature.js';
import type { Loss } from './loss.js';
import type { Model, NamedParameter } from './model.js';
import type { Dataset } from './task.js';

/**
 * Everything one optimisation step may use. Made by the runner for each step; what it computes
 * (gradients, curvature) is memoised and disposed when the step ends.
 */
export interface StepContext {
  /** The step being taken, 1-based (step 0 is the initial state). */
  readonly step: number;
  readonly model: Model;
  readonly params: readonly NamedParameter[];
  /** The step's batch (the whole training set for full-batch runs). */
  readonly batch: Dataset;
  readonly loss: Loss;
  /** Stream for the step's randomness (sampled targets, say); saved with checkpoints. */
  readonly rng: Rng;
  /** Loss at the current parameters and its gradients (one backward pass, memoised). */
  valueAndGrads(): { value: tf.Scalar; grads: readonly tf.Tensor[] };
  /** Batch loss with the parameters replaced by `values` (trial steps); reads one number back. */
  lossAt(values: readonly tf.Tensor[]): Promise<number>;
  /** The step's curvature (shared with probes observing this step). */
  curvature(): CurvatureContext;
}

/** Diagnostics of a step: numbers, arrays, or short strings (the solver an `auto` option chose). */
export type OptimizerInfo = Record<string, number | string | readonly number[]>;

/** What a step reports: the batch loss before the step and optional named diagnostics. */
export interface StepResult {
  readonly loss: number;
  /** Logged as `opt.<name>` (damping, accepted, solver iterations, chosen solver, ...). */
  readonly info?: OptimizerInfo;
}

/**
 * The step rule around a preconditioner. Registered by an optimizer plugin under OPTIMIZER.
 * An optimizer that applies the run's PRECONDITIONER owns it: it calls its `init`, `update`,
 * `apply` and `dispose` (core's `transformationOptimizer` does); the runner only saves and restores
 * its state.
 */
export interface Optimizer {
  /** Called once before the first step, with the model's parameters. */
  init(params: readonly NamedParameter[]): void;
  /** Takes one step, updating the parameter variables in place. */
  step(ctx: StepContext): Promise<StepResult>;
  /** Complete state (for checkpoints); restoring it and stepping again is bit-identical. */
  getState(): State;
  /** Restores a state from `getState` (tensors are taken over by the optimizer). */
  setState(state: State): void;
  /** Frees the optimizer's tensors. Called once when the run ends. */
  dispose(): void;
}
