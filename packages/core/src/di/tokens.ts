import type { CurvatureProvider } from '../contracts/curvature.js';
import type { ModelFactory } from '../contracts/model.js';
import type { Optimizer } from '../contracts/optimizer.js';
import type { Preconditioner } from '../contracts/preconditioner.js';
import type { Probe } from '../contracts/probe.js';
import type { Task } from '../contracts/task.js';
import type { RunInfo } from '../contracts/run-info.js';
import type { Rng } from '../rng/rng.js';
import { createToken } from './container.js';

/** The task of the run (one per run). */
export const TASK = createToken<Task>('Task');
/** Builds the model from the run's RNG and the task's input/output sizes. */
export const MODEL_FACTORY = createToken<ModelFactory>('ModelFactory');
/** The step rule (one per run). */
export const OPTIMIZER = createToken<Optimizer>('Optimizer');
/** `M⁻¹` of `θ ← θ - η M⁻¹ g`; the runner provides the identity when no plugin does. */
export const PRECONDITIONER = createToken<Preconditioner>('Preconditioner');
/** Probes (a multi-token: each probe plugin registers one). */
export const PROBE = createToken<Probe>('Probe');
/** Makes the per-step CurvatureContext for a model (provided by the model's package). */
export const CURVATURE_PROVIDER = createToken<CurvatureProvider>('CurvatureProvider');
/** Seed, variant, experiment and step count of the run. */
export const RUN_INFO = createToken<RunInfo>('RunInfo');
/** The run's root RNG; plugins `fork` it by a label of their own. */
export const RNG = createToken<Rng>('Rng');
