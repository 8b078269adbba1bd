import { chain, z, type GradientTransformation } from '@precond/core';
import { addWeightDecay } from './add-weight-decay.js';
import { defineFirstOrderPlugin } from './define-first-order-plugin.js';
import { learningRateSchema, weightDecaySchema } from './options.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

export const sgdOptions = z
  .object({
    /** Learning rate η: a number or a core schedule. */
    lr: learningRateSchema.default(0.01),
    /** Coupled L2 weight decay λ: `g ← g + λθ`. */
    weightDecay: weightDecaySchema.default(0),
  })
  .strict();
export type SgdOptions = z.output<typeof sgdOptions>;

/** `θ ← θ - η(k)·(P(g) + λθ)`; a zero λ adds no stage, so plain SGD costs one multiply per parameter. */
export function sgdTransformation(options: SgdOptions): GradientTransformation {
  const decay = options.weightDecay > 0 ? [addWeightDecay(options.weightDecay)] : [];
  return chain(...decay, scaleByLearningRate(options.lr));
}

/**
 * (Preconditioned) gradient descent, the paper's GD baseline and, with a preconditioner, PGD.
 *
 * @example variants: { gd: { optimizer: sgd({ lr: 0.3 }) } }
 */
export const sgd = defineFirstOrderPlugin({
  id: 'sgd',
  description: 'gradient descent: θ ← θ - η·(P(g) + λθ)',
  options: sgdOptions,
  transformation: sgdTransformation,
});
