/**
 * @precond/task-modular-addition: the modular-addition grokking task, `(a + b) mod p` learned from
 * a random share of the pairs (Gromov 2023; Kumar et al. 2024). The `mlp` form is the paper's E3
 * (Fig. 5): one-hot inputs, a quadratic MLP with output scale α²/(2p·N), MSE ÷ α².
 */
import { modularAddition } from './plugin.js';

export { modularAddition };
export { createModularAdditionTask } from './task.js';
export {
  MODULAR_ADDITION_FORMS,
  modularAdditionOptions,
  type ModularAdditionForm,
  type ModularAdditionOptions,
  type ModularAdditionOptionsInput,
} from './options.js';
export { formSpec, mlpForm, type ModularAdditionFormSpec } from './forms.js';
export { oneHotPairInputs, oneHotSumTargets, roundHalfEven, splitPairs, trainCount, type PairList, type PairSplit } from './pairs.js';
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
