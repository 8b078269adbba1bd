import type * as tf from '@tensorflow/tfjs-core';
import type { State } from '../state/state.js';
import type { NamedParameter } from './model.js';
import type { StepContext } from './optimizer.js';
import type { Metrics } from './task.js';

/**
 * Maps a gradient to a direction `d = M⁻¹ g`, keeping its own statistics. Registered by a
 * preconditioner plugin under PRECONDITIONER; first-order optimizers apply it to every gradient.
 */
export interface Preconditioner {
  /** Called once before the first step. */
  init(params: readonly NamedParameter[]): void;
  /** Called every step before `apply`; refreshes statistics and inverses on its own schedule. */
  update(ctx: StepContext): Promise<Metrics | void>;
  /** `M⁻¹ g` for each parameter; returns new tensors (the caller disposes them). */
  apply(grads: readonly tf.Tensor[]): tf.Tensor[];
  getState(): State;
  setState(state: State): void;
  dispose(): void;
}

/** `M = I`: the preconditioner of plain gradient descent. */
export function identityPreconditioner(): Preconditioner {
  return {
    init: () => undefined,
    update: async () => undefined,
    apply: (grads) => grads.map((g) => g.clone()),
    getState: () => ({}),
    setState: () => undefined,
    dispose: () => undefined,
  };
}
