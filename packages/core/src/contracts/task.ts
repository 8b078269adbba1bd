import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng/rng.js';
import type { PluginInstance } from '../plugin/define-plugin.js';
import type { State } from '../state/state.js';
import type { Loss } from './loss.js';
import type { Model } from './model.js';

/** Inputs `[n, in]` and targets `[n, out]`. */
export interface Dataset {
  readonly x: tf.Tensor2D;
  readonly y: tf.Tensor2D;
}

/** The data of a run; made once per run from the task's RNG stream. */
export interface TaskData {
  readonly train: Dataset;
  /** Held-out set, when the task has one. */
  readonly test?: Dataset;
}

/** A number or an array (FFT mode errors, eigenvalues) logged under a name. */
export type MetricValue = number | readonly number[];
export type Metrics = Record<string, MetricValue>;

/** What a task's `metrics` is given at a logged step. */
export interface MetricContext {
  readonly step: number;
  readonly model: Model;
  readonly data: TaskData;
  /** `model.apply(data.train.x)` of this step (owned by the caller; do not dispose). */
  readonly trainOutputs: tf.Tensor2D;
  /** The full-batch training loss of this step. */
  readonly trainLoss: number;
}

/**
 * A learning problem: its data (from a seeded RNG), its loss, a default model, and its metrics.
 * Registered by a task plugin under TASK.
 */
export interface Task {
  readonly inputSize: number;
  readonly outputSize: number;
  /** The training loss (its output-space Hessian is what Gauss-Newton uses). */
  readonly loss: Loss;
  /** Called once at the start of a run (and again on resume: it must be a pure function of the stream). */
  makeData(rng: Rng): TaskData;
  /** The model plugin used when the experiment names none. */
  defaultModel(): PluginInstance;
  /** Called at every logged step; returns named metrics (the runner adds `loss` itself). */
  metrics(ctx: MetricContext): Promise<Metrics>;
  /** Metric state that must survive a resume (first step at 95% accuracy, say); empty when none. */
  getState(): State;
  setState(state: State): void;
}
