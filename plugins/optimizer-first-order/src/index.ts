/**
 * @precond/optimizer-first-order: sgd, momentum, adam and adamw as optimizer plugins, and the
 * optax-style gradient transformations they are chained from. Each applies the run's
 * preconditioner first, so with a preconditioner plugin they are preconditioned methods.
 */
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { momentum } from './momentum.js';
import { sgd } from './sgd.js';

export { scaleByLearningRate } from './scale-by-learning-rate.js';
export { traceMomentum, type TraceMomentumOptions } from './trace-momentum.js';
export { scaleByAdam, type ScaleByAdamOptions } from './scale-by-adam.js';
export { addWeightDecay } from './add-weight-decay.js';
export { addDecoupledWeightDecay } from './add-decoupled-weight-decay.js';
export {
  decayRateSchema,
  epsilonSchema,
  learningRateSchema,
  nonNegativeSchema,
  weightDecaySchema,
  type LearningRateInput,
} from './options.js';
export { sgd, sgdOptions, sgdTransformation, type SgdOptions } from './sgd.js';
export { momentum, momentumOptions, momentumTransformation, type MomentumOptions } from './momentum.js';
export { adam, adamOptions, adamTransformation, type AdamOptions } from './adam.js';
export { adamw, adamwOptions, adamwTransformation, type AdamwOptions } from './adamw.js';

/** The four plugin factories, for hosts that list or look up plugins by id. */
export const firstOrderPlugins = [sgd, momentum, adam, adamw] as const;
