/**
 * @precond/optimizer-gauss-newton: Levenberg-Marquardt (`lm`), Gauss-Newton with a truncated
 * pseudo-inverse (`gn`), generalised Gauss-Newton for cross-entropy (`ggn`) and the hybrid schedule
 * (`hybrid`: one optimizer, then another), with residual-space, parameter-space and matrix-free CG
 * solvers of the step's linear system.
 */
import { hybrid } from './hybrid.js';
import { ggn, gn, lm } from './plugins.js';

export { lm, gn, ggn, hybrid };
export { hybridOptimizer, hybridOptions, HYBRID_PHASES, type HybridOptions, type HybridOptionsInput, type HybridPhase } from './hybrid.js';
export { gaussNewtonOptimizer, type GaussNewtonConfig } from './gauss-newton-optimizer.js';
export {
  adaptiveDampingSchema,
  cgOptionsSchema,
  dampingSchema,
  ggnOptions,
  gnOptions,
  lineSearchSchema,
  lmOptions,
  SOLVERS,
  solverSchema,
  type AdaptiveDamping,
  type CgOptions,
  type DampingOption,
  type DampingOptionInput,
  type GgnOptions,
  type GgnOptionsInput,
  type GnOptions,
  type GnOptionsInput,
  type LineSearchOptions,
  type LmOptions,
  type LmOptionsInput,
  type SolverName,
} from './options.js';
export { adaptDamping, dampingValue, isAdaptive, type DampingDecision } from './damping.js';
export { planSolver, denseSolverProblem, parameterBytes, residualBytes, type ConcreteSolver, type SystemShape } from './solvers/plan-solver.js';
export { solveGaussNewtonSystem } from './solvers/solve.js';
export type { CgSystem, GaussNewtonSolution, GaussNewtonSystem } from './solvers/system.js';
export { outputHessianScale } from './output-hessian.js';

/** The four plugin factories, for hosts that list or look up plugins by id. */
export const gaussNewtonPlugins = [lm, gn, ggn, hybrid] as const;
