import { chain, z, type GradientTransformation } from '@precond/core';
import { defineFirstOrderPlugin } from './define-first-order-plugin.js';
import { decayRateSchema, epsilonSchema, learningRateSchema } from './options.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

/** Adam's options, shared with AdamW. */
export const adamOptionShape = {
  /** Learning rate η: a number or a core schedule. */
  lr: learningRateSchema.default(1e-3),
  /** First-moment decay β₁ in [0, 1). */
  beta1: decayRateSchema.default(0.9),
  /** Second-moment decay β₂ in [0, 1). */
  beta2: decayRateSchema.default(0.999),
  /** Denominator offset ε > 0. */
  eps: epsilonSchema.default(1e-8),
};

export const adamOptions = z.object(adamOptionShape).strict();
export type AdamOptions = z.output<typeof adamOptions>;

/** `θ ← θ - η(k)·m̂/(√v̂ + ε)` on the preconditioned gradient. */
export function adamTransformation(options: AdamOptions): GradientTransformation {
  return chain(scaleByAdam({ beta1: options.beta1, beta2: options.beta2, eps: options.eps }), scaleByLearningRate(options.lr));
}

/**
 * Adam (Kingma & Ba 2015): the paper's first-order optimizer after a PGD phase (E6: lr 1e-3, β₂ 0.98).
 *
 * @example variants: { adam: { optimizer: adam({ lr: 1e-3, beta2: 0.98 }) } }
 */
export const adam = defineFirstOrderPlugin({
  id: 'adam',
  description: 'Adam: θ ← θ - η·m̂/(√v̂ + ε)',
  options: adamOptions,
  transformation: adamTransformation,
});
