/**
 * @precond/preconditioner-kfac: K-FAC (Martens & Grosse 2015) as a preconditioner plugin.
 * Per layer the mean-loss Fisher/GGN block is approximated by `A ⊗ G` from per-sample layer
 * inputs and pre-activation gradients (estimated as the exact GGN factor, by sampling targets, or
 * from the batch's own gradients), averaged over steps, damped with π-adjusted factored Tikhonov
 * damping (optionally adapted by the gain ratio) and inverted in float64 on the CPU.
 */
import { kfac } from './plugin.js';

export { kfac, PACKAGE_NAME, PACKAGE_VERSION } from './plugin.js';
export {
  kfacOptions,
  adaptiveDampingOptions,
  ESTIMATION_MODES,
  INVERSE_METHODS,
  FALLBACK_RULES,
  type KfacOptions,
  type KfacOptionsInput,
  type AdaptiveDampingOptions,
  type EstimationMode,
  type InverseMethod,
  type FallbackRule,
} from './options.js';
export { kfacPreconditioner, KFAC_STATE_FORMAT, type KfacPreconditioner, type KfacInspection, type KfacBlockInfo } from './kfac.js';
export { factoredDamping, type FactoredDamping } from './damping.js';
export { dampedInverse, dampedDiagonalInverse, type InverseResult, type InverseFailure } from './inverse.js';
export { encodeFloat64, decodeFloat64 } from './float64-codec.js';
export { modelOptimalStep, gainRatio, nextDamping, type StepModel, type GainRatio } from './adaptive-damping.js';
export { planFromLayers, planFromStatistics, type Plan, type PlanSource, type BlockPlan, type DenseBlockPlan, type EmbeddingBlockPlan, type FallbackPlan } from './plan.js';
export { lossForm, ggnCotangents, fisherCotangents, empiricalCotangents, type Cotangents, type LossForm } from './cotangents.js';
export { crossProduct, type BatchFactors } from './statistics.js';

export default kfac;
