import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation } from '@precond/core';
import { checkNumber, weightDecaySchema } from './options.js';
import { paramsFor } from './state-access.js';

/**
 * Coupled (L2) weight decay: `u ← u + λ·θ`, the gradient of `(λ/2)‖θ‖²` added to the incoming
 * update. Placed first in a chain, ahead of momentum, as in PyTorch's and tfjs's SGD; it then
 * passes through momentum like the loss gradient does. For Adam use `addDecoupledWeightDecay`,
 * since L2 decay divided by `√v̂` regularises large-gradient weights less (Loshchilov & Hutter 2019).
 *
 * @param weightDecay λ >= 0.
 * @returns a stateless transformation (state `{}`) that reads the parameters from the update context.
 * @example chain(addWeightDecay(5e-4), traceMomentum({ beta: 0.9 }), scaleByLearningRate(0.1))
 */
export function addWeightDecay(weightDecay: number): GradientTransformation {
  const lambda = checkNumber('addWeightDecay.weightDecay', weightDecay, weightDecaySchema, '>= 0');
  return {
    init: () => ({}),
    update(updates, _state, ctx) {
      const params = paramsFor(ctx.params, updates.length, 'addWeightDecay');
      return { updates: tf.tidy(() => updates.map((u, i) => tf.add(u, tf.mul(params[i]!, lambda)))), state: {} };
    },
  };
}
