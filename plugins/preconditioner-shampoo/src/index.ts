/**
 * @precond/preconditioner-shampoo: Shampoo (Gupta et al. 2018; Anil et al. 2020) as a `precond`
 * preconditioner, with Distributed Shampoo's grafting, root methods, update frequency, start step,
 * epsilon, blocking and inverse-root diagnostics.
 */
import { shampoo } from './plugin.js';

export { shampoo };
export { createShampoo, HOST_PLACEMENT_BACKENDS, SHAMPOO_STATE_FORMAT, type ShampooPreconditioner } from './shampoo.js';
export {
  GRAFTING_METHODS,
  PLACEMENTS,
  parseShampooOptions,
  ROOT_METHODS,
  shampooOptions,
  VECTOR_RULES,
  type GraftingMethod,
  type Placement,
  type RootMethod,
  type ShampooOptions,
  type ShampooOptionsInput,
  type VectorRule,
} from './options.js';
export { parameterLayout, splitDimension, type MatrixBlock, type ParameterLayout } from './layout.js';
export type { BlockSnapshot } from './matrix-engine.js';
export default shampoo;
