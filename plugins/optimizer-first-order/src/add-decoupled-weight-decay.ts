import * as tf from '@tensorflow/tfjs-core';
import { scheduleValue, type GradientTransformation } from '@precond/core';
import { checkNumber, parseLearningRate, weightDecaySchema, type LearningRateInput } from './options.js';
import { paramsFor } from './state-access.js';

/**
 * Decoupled weight decay (AdamW, Loshchilov & Hutter 2019, Algorithm 2 line 12):
 * `u ← u - η(k)·λ·θ`, placed after the Adam scaling and the learning rate, so the decay is neither
 * divided by `√v̂` nor preconditioned. The decay scales with the same schedule as the step (as in
 * PyTorch and optax), so decay and step shrink together. tfjs has no AdamW; this is it.
 *
 * @param weightDecay λ >= 0.
 * @param schedule the learning rate η of the chain (a number or a core schedule).
 * @returns a stateless transformation (state `{}`) that reads the parameters from the update context.
 * @example chain(scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }), scaleByLearningRate(1e-3), addDecoupledWeightDecay(0.1, 1e-3))
 */
export function addDecoupledWeightDecay(weightDecay: number, schedule: LearningRateInput): GradientTransformation {
  const lambda = checkNumber('addDecoupledWeightDecay.weightDecay', weightDecay, weightDecaySchema, '>= 0');
  const lr = parseLearningRate(schedule, 'addDecoupledWeightDecay.schedule');
  return {
    init: () => ({}),
    update(updates, _state, ctx) {
      const params = paramsFor(ctx.params, updates.length, 'addDecoupledWeightDecay');
      const rate = scheduleValue(lr, ctx.count) * lambda;
      return { updates: tf.tidy(() => updates.map((u, i) => tf.sub(u, tf.mul(params[i]!, rate)))), state: {} };
    },
  };
}
