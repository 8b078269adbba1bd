import { chain, z, type GradientTransformation } from '@precond/core';
import { addWeightDecay } from './add-weight-decay.js';
import { defineFirstOrderPlugin } from './define-first-order-plugin.js';
import { decayRateSchema, learningRateSchema, weightDecaySchema } from './options.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { traceMomentum } from './trace-momentum.js';

export const momentumOptions = z
  .object({
    /** Learning rate η: a number or a core schedule. */
    lr: learningRateSchema.default(0.01),
    /** Momentum β in [0, 1). */
    momentum: decayRateSchema.default(0.9),
    /** Nesterov's look-ahead: the step is `g + βv` instead of `v`. */
    nesterov: z.boolean().default(false),
    /** Coupled L2 weight decay λ, added to the gradient before momentum. */
    weightDecay: weightDecaySchema.default(0),
  })
  .strict();
export type MomentumOptions = z.output<typeof momentumOptions>;

/** `v ← βv + (P(g) + λθ)`, `θ ← θ - η(k)·v` (Nesterov: `θ ← θ - η(k)·(P(g) + λθ + βv)`). */
export function momentumTransformation(options: MomentumOptions): GradientTransformation {
  const decay = options.weightDecay > 0 ? [addWeightDecay(options.weightDecay)] : [];
  return chain(...decay, traceMomentum({ beta: options.momentum, nesterov: options.nesterov }), scaleByLearningRate(options.lr));
}

/**
 * Gradient descent with heavy-ball or Nesterov momentum.
 *
 * @example variants: { momentum: { optimizer: momentum({ lr: 0.1, momentum: 0.9, nesterov: true }) } }
 */
export const momentum = defineFirstOrderPlugin({
  id: 'momentum',
  description: 'momentum SGD: v ← βv + g, θ ← θ - η·v (optionally Nesterov)',
  options: momentumOptions,
  transformation: momentumTransformation,
});
