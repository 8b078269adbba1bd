import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation } from '@precond/core';
import { checkNumber, decayRateSchema } from './options.js';
import { tensorsAt } from './state-access.js';

export interface TraceMomentumOptions {
  /** Decay of the trace, β in [0, 1). */
  readonly beta: number;
  /** Nesterov's look-ahead form (default false). */
  readonly nesterov?: boolean;
}

/**
 * Heavy-ball momentum: `v_k = β·v_{k-1} + u_k`, output `v_k`; with Nesterov `u_k + β·v_k`.
 * This is the undamped form of PyTorch's and tfjs's momentum SGD and optax's `trace`
 * (Sutskever et al. 2013), so `η` keeps its meaning when momentum is switched on.
 *
 * @returns a transformation with state `{ trace: [v per parameter] }`, initially zeros.
 * @example chain(traceMomentum({ beta: 0.9, nesterov: true }), scaleByLearningRate(0.01))
 */
export function traceMomentum(options: TraceMomentumOptions): GradientTransformation {
  const beta = checkNumber('traceMomentum.beta', options.beta, decayRateSchema, 'in [0, 1)');
  const nesterov = options.nesterov ?? false;
  return {
    init: (params) => ({ trace: params.map((p) => tf.zerosLike(p)) }),
    update(updates, state) {
      const previous = tensorsAt(state, 'trace', updates.length, 'traceMomentum');
      const out = tf.tidy(() => {
        const trace = updates.map((u, i) => tf.add(tf.mul(previous[i]!, beta), u));
        // The output must be a tensor of its own: callers dispose updates, the state keeps the trace.
        const next = nesterov ? updates.map((u, i) => tf.add(u, tf.mul(trace[i]!, beta))) : trace.map((v) => tf.clone(v));
        return { trace, next };
      });
      return { updates: out.next, state: { trace: out.trace } };
    },
  };
}
