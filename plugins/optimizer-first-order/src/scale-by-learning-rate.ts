import * as tf from '@tensorflow/tfjs-core';
import { scheduleValue, type GradientTransformation } from '@precond/core';
import { parseLearningRate, type LearningRateInput } from './options.js';

/**
 * Scale updates by the negative learning rate: `u ← -η(k)·u`, with `k` the number of updates
 * applied before this one. It is the last stage of every first-order chain, so a chain's output is
 * added to the parameters as is (`θ ← θ + u`).
 *
 * @param schedule a number or a core schedule (`{ type: 'cosine', value: 1e-3, steps: 1000 }`);
 *   every value must be > 0.
 * @returns a stateless transformation (state `{}`); the step comes from the update context.
 * @example chain(scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }), scaleByLearningRate(1e-3))
 */
export function scaleByLearningRate(schedule: LearningRateInput): GradientTransformation {
  const lr = parseLearningRate(schedule, 'scaleByLearningRate.schedule');
  return {
    init: () => ({}),
    update(updates, _state, ctx) {
      const eta = scheduleValue(lr, ctx.count);
      // One scalar for all parameters (a plain number would become a new tensor per parameter).
      return {
        updates: tf.tidy(() => {
          const scale = tf.scalar(-eta);
          return updates.map((u) => tf.mul(u, scale));
        }),
        state: {},
      };
    },
  };
}
