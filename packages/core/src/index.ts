/**
 * @precond/core: the contracts every plugin implements (Task, Model, Optimizer, Preconditioner,
 * Probe, CurvatureContext, State), plugin and experiment definitions, DI tokens over tsyringe,
 * seeded RNG, schedules, the training loop and the run-record format.
 */
export * from './di/container.js';
export * from './di/tokens.js';
export * from './contracts/model.js';
export * from './contracts/loss.js';
export * from './contracts/task.js';
export * from './contracts/curvature.js';
export * from './contracts/optimizer.js';
export * from './contracts/preconditioner.js';
export * from './contracts/probe.js';
export * from './contracts/run-info.js';
export * from './errors/errors.js';
export * from './rng/rng.js';
export * from './state/state.js';
export * from './state/float64.js';
export * from './plugin/define-plugin.js';
export * from './plugin/options.js';
export * from './plugin/registry.js';
export * from './schedules/schedule.js';
export * from './schedules/when.js';
export * from './optim/transformation.js';
export * from './experiment/experiment.js';
export * from './experiment/compose.js';
export * from './store/run-store.js';
export * from './runner/run.js';
export { RunStepContext } from './runner/step-context.js';
export { BatchSampler } from './runner/batches.js';
export { z } from 'zod';
export * from './backend/conformance.js';
export * from './backend/cpu-fallback-kernels.js';
export * from './backend/transposing-batch-mat-mul.js';
export * from './backend/slice-copy-gather.js';
export * from './backend/slice-copy-tile.js';
