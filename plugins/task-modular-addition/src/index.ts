/**
 * @precond/task-modular-addition: the modular-addition grokking task, `(a + b) mod p` learned from
 * a random share of the pairs (Power et al. 2022; Gromov 2023; Kumar et al. 2024). The `mlp` form
 * is the paper's E3 (Fig. 5): one-hot inputs, a quadratic MLP with output scale α²/(2p·N), MSE ÷ α².
 * The `transformer` form is E6 (Figs. 8, 12): token sequences [a, b, =], a decoder-only
 * transformer, cross-entropy.
 */
import { modularAddition } from './plugin.js';

export { modularAddition };
export { createModularAdditionTask } from './task.js';
export {
  FORM_DEFAULTS,
  MODULAR_ADDITION_FORMS,
  modularAdditionOptions,
  resolveModularAdditionOptions,
  type MlpFormOptions,
  type ModularAdditionFields,
  type ModularAdditionForm,
  type ModularAdditionOptions,
  type ModularAdditionOptionsInput,
  type ModularAdditionOptionsParsed,
  type TransformerFormOptions,
} from './options.js';
export { formSpec, mlpForm, transformerForm, type ModularAdditionFormSpec } from './forms.js';
export {
  oneHotPairInputs,
  oneHotSumTargets,
  PAIR_SEQUENCE_LENGTH,
  roundHalfEven,
  splitPairs,
  tokenPairInputs,
  trainCount,
  type PairList,
  type PairSplit,
} from './pairs.js';
export { accuracy, correctCount } from './accuracy.js';
export {
  grokMarkersFromState,
  grokMarkersToState,
  grokMetrics,
  NO_GROK_MARKERS,
  updateGrokMarkers,
  type GrokMarkers,
} from './grok-markers.js';
export { paperLearningRate } from './learning-rate.js';
export default modularAddition;
