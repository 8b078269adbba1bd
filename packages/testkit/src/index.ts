/**
 * @precond/testkit: conformance suites every optimizer, preconditioner, task and probe plugin runs,
 * as framework-free checks that return findings (this entry) and as Vitest wrappers
 * (`@precond/testkit/vitest`). Also the test problems they use: a condition-10 least-squares
 * quadratic and Rosenbrock's valley as core `Model`s, with exact dense curvature.
 */
export * from './report/report.js';
export { checkPluginMetadata, KEBAB_CASE_ID } from './plugin/metadata.js';
export { checkPluginSchema, UNKNOWN_OPTION_PROBE } from './plugin/schema.js';
export { optionsErrorOf } from './plugin/options-error.js';
export type { PluginSource } from './plugin/plugin-source.js';
export * from './optimizer/check-optimizer.js';
export * from './preconditioner/check-preconditioner.js';
export * from './task/check-task.js';
export * from './probe/check-probe.js';
export type { ConvergenceSettings, NanGradientSettings, StateRoundTripSettings, TensorGrowthSettings } from './training/checks.js';
export { checkBudget, GPU_BACKENDS, GPU_CHECK_BUDGET, type CheckBudget } from './training/budget.js';
export { scaleBy } from './training/trainer.js';
export * from './problems/problem.js';
export * from './problems/function-model.js';
export * from './problems/least-squares.js';
export * from './problems/rosenbrock.js';
export * from './problems/least-squares-plugins.js';
export * from './problems/dense-curvature.js';
export { loadStates, saveStates, snapshotDifference, snapshotState, type SavedStates, type StateSnapshot } from './state/checkpoint.js';
export { TESTKIT_PACKAGE } from './package-meta.js';
