import { chain, z, type GradientTransformation } from '@precond/core';
import { adamOptionShape } from './adam.js';
import { addDecoupledWeightDecay } from './add-decoupled-weight-decay.js';
import { defineFirstOrderPlugin } from './define-first-order-plugin.js';
import { weightDecaySchema } from './options.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

export const adamwOptions = z
  .object({
    ...adamOptionShape,
    /** Decoupled weight decay λ: `θ ← θ - η(k)·λθ`, outside Adam's scaling. */
    weightDecay: weightDecaySchema.default(0.01),
  })
  .strict();
export type AdamwOptions = z.output<typeof adamwOptions>;

/** `θ ← θ - η(k)·(m̂/(√v̂ + ε) + λθ)` (Loshchilov & Hutter 2019). */
export function adamwTransformation(options: AdamwOptions): GradientTransformation {
  const decay = options.weightDecay > 0 ? [addDecoupledWeightDecay(options.weightDecay, options.lr)] : [];
  return chain(
    scaleByAdam({ beta1: options.beta1, beta2: options.beta2, eps: options.eps }),
    scaleByLearningRate(options.lr),
    ...decay,
  );
}

/**
 * AdamW, Adam with decoupled weight decay (tfjs has none): the paper's E5 baseline
 * (lr 1e-3, weight decay 0.1) and the optimizer its hybrid switches to after LM.
 *
 * @example variants: { adamw: { optimizer: adamw({ lr: 1e-3, weightDecay: 0.1 }) } }
 */
export const adamw = defineFirstOrderPlugin({
  id: 'adamw',
  description: 'AdamW: θ ← θ - η·(m̂/(√v̂ + ε) + λθ)',
  options: adamwOptions,
  transformation: adamwTransformation,
});
