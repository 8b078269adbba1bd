import * as tf from '@tensorflow/tfjs-core';
import {
  chain,
  identityPreconditioner,
  isProvided,
  OPTIMIZER,
  PRECONDITIONER,
  provide,
  resolve,
  Rng,
  RunStepContext,
  transformationOptimizer,
  type CurvatureProvider,
  type Dataset,
  type DependencyContainer,
  type GradientTransformation,
  type Loss,
  type Model,
  type Optimizer,
  type PluginInstance,
  type Preconditioner,
  type State,
  type StepResult,
} from '@precond/core';
import type { Problem } from '../problems/problem.js';
import { readModelParameters } from '../tensors/read.js';
import { conformanceContainer, registerPlugin } from '../plugin/plugin-source.js';

/** `u ← factor · u`: the last stage of plain SGD, `θ ← θ - η d`, with `factor = -η`. */
export function scaleBy(factor: number): GradientTransformation {
  return {
    init: () => ({}),
    update: (updates) => ({ updates: updates.map((u) => tf.mul(u, factor)), state: {} }),
  };
}

/** The live objects of one conformance run: its container, optimizer and preconditioner. */
export interface Trainer {
  readonly container: DependencyContainer;
  readonly optimizer: Optimizer;
  readonly preconditioner: Preconditioner;
  /** What a checkpoint saves, by name, as the runner names the parts. */
  getStates(): Record<string, State>;
  setStates(states: Readonly<Record<string, State>>): void;
  /** Frees the optimizer (which frees its preconditioner) and the container's instances. */
  dispose(): void;
}

/** What a trainer is composed of. Without an optimizer plugin it is plain SGD around the preconditioner. */
export interface TrainerSpec {
  readonly optimizer?: PluginInstance;
  readonly preconditioner?: PluginInstance;
  /** Learning rate of the built-in SGD, used when no optimizer plugin is given. */
  readonly sgdLearningRate?: number;
  readonly seed: number;
  /** Told to plugins through RUN_INFO. */
  readonly steps: number;
}

const OPTIMIZER_METHODS = ['init', 'step', 'getState', 'setState', 'dispose'] as const;
const PRECONDITIONER_METHODS = ['init', 'update', 'apply', 'getState', 'setState', 'dispose'] as const;

function missingMethods(value: unknown, methods: readonly string[]): string[] {
  if (typeof value !== 'object' || value === null) return [...methods];
  return methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
}

/**
 * Compose a run the way the runner does: register the preconditioner plugin (or provide the
 * identity), then the optimizer plugin, in a fresh container with RUN_INFO and RNG.
 */
export function composeTrainer(spec: TrainerSpec): Trainer {
  const { container } = conformanceContainer(spec.seed, spec.steps, 'conformance');
  if (spec.preconditioner) registerPlugin(container, spec.preconditioner, 'preconditioner');
  if (!isProvided(container, PRECONDITIONER)) provide(container, PRECONDITIONER, { useValue: identityPreconditioner() });
  const preconditioner = resolve(container, PRECONDITIONER);
  const pMissing = missingMethods(preconditioner, PRECONDITIONER_METHODS);
  if (pMissing.length > 0) throw new TypeError(`PRECONDITIONER resolved to an object without ${pMissing.join(', ')}`);
  let optimizer: Optimizer;
  if (spec.optimizer) {
    registerPlugin(container, spec.optimizer, 'optimizer');
    optimizer = resolve(container, OPTIMIZER);
  } else {
    optimizer = transformationOptimizer(chain(scaleBy(-(spec.sgdLearningRate ?? 1))), preconditioner);
  }
  const oMissing = missingMethods(optimizer, OPTIMIZER_METHODS);
  if (oMissing.length > 0) throw new TypeError(`OPTIMIZER resolved to an object without ${oMissing.join(', ')}`);
  return {
    container,
    optimizer,
    preconditioner,
    getStates: () => ({ optimizer: optimizer.getState(), preconditioner: preconditioner.getState() }),
    setStates(states) {
      optimizer.setState(states.optimizer!);
      preconditioner.setState(states.preconditioner!);
    },
    dispose() {
      optimizer.dispose();
      container.clearInstances();
    },
  };
}

/** The stream step contexts draw from, forked from the seed as the runner forks it. */
export function stepRng(seed: number): Rng {
  return new Rng(seed).fork('steps');
}

/**
 * Take `count` full-batch steps numbered `first, first + 1, ...`, each with its own step context,
 * disposed after the step as the runner does. `after` sees each step's result.
 */
export async function takeSteps(
  trainer: Trainer,
  problem: Problem,
  rng: Rng,
  first: number,
  count: number,
  curvature: CurvatureProvider | undefined,
  after?: (step: number, result: StepResult) => Promise<boolean | void> | boolean | void,
): Promise<void> {
  for (let s = first; s < first + count; s++) {
    const ctx = new RunStepContext(s, problem.model, problem.data, problem.loss, rng, curvature, false);
    let result: StepResult;
    try {
      result = await trainer.optimizer.step(ctx);
    } finally {
      ctx.dispose();
    }
    if ((await after?.(s, result)) === false) return;
  }
}

/** The current parameter values, copied off the device, in model order. */
export function readParameters(problem: Problem): Promise<Float32Array[]> {
  return readModelParameters(problem.model);
}

/** Overwrite the parameters with saved values (a resume's first move). */
export function writeParameters(problem: Problem, values: readonly Float32Array[]): void {
  tf.tidy(() => problem.model.params.forEach((p, i) => p.variable.assign(tf.tensor(values[i]!, p.variable.shape))));
}

/**
 * One plain gradient-descent step `θ ← θ - η ∇L` on a batch, for the task and probe suites, which
 * need the parameters to move between observations without an optimizer plugin.
 */
export function gradientDescentStep(model: Model, batch: Dataset, loss: Loss, lr: number, step: number, rng: Rng): void {
  const ctx = new RunStepContext(step, model, batch, loss, rng, undefined, false);
  try {
    const { grads } = ctx.valueAndGrads();
    tf.tidy(() => model.params.forEach((p, i) => p.variable.assign(tf.sub(p.variable, tf.mul(grads[i]!, lr)))));
  } finally {
    ctx.dispose();
  }
}
