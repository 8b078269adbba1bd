import * as tf from '@tensorflow/tfjs-core';
import { RunStepContext, type CurvatureProvider, type PluginInstance, type z } from '@precond/core';
import { allFinite } from '../compare/compare.js';
import { mergeOptions } from '../plugin/merge-options.js';
import { checkPluginMetadata } from '../plugin/metadata.js';
import { instantiate, pluginLabel, type PluginSource } from '../plugin/plugin-source.js';
import { checkPluginSchema } from '../plugin/schema.js';
import { denseCurvatureProvider } from '../problems/dense-curvature.js';
import { leastSquaresProblem } from '../problems/least-squares.js';
import type { Problem } from '../problems/problem.js';
import { rosenbrockProblem } from '../problems/rosenbrock.js';
import { fail, pass, runCheck, type CheckResult, type ConformanceReport } from '../report/report.js';
import {
  checkConvergence,
  checkDeterminism,
  checkDispose,
  checkRegistration,
  checkStateRoundTrip,
  checkTensorGrowth,
  type StateRoundTripSettings,
  type TensorGrowthSettings,
  type TrainingEnv,
} from '../training/checks.js';
import { composeTrainer, stepRng } from '../training/trainer.js';
import { checkBudget } from '../training/budget.js';

/** The checks of the preconditioner suite, in the order they run. */
export const PRECONDITIONER_CHECKS = [
  'metadata',
  'schema',
  'registration',
  'apply-shapes',
  'state-round-trip',
  'no-tensor-growth',
  'dispose',
  'determinism',
  'convergence-quadratic',
] as const;
export type PreconditionerCheck = (typeof PRECONDITIONER_CHECKS)[number];

/** The quadratic convergence check of a preconditioner, run with plain SGD `θ ← θ - η M⁻¹ g`. */
export interface PreconditionedConvergenceOptions<O> {
  readonly steps?: number;
  readonly tolerance?: number;
  /** The SGD step size η. */
  readonly lr?: number;
  /** Plugin options for this problem, merged over the suite's `options`. */
  readonly options?: Partial<O>;
}

/** Settings of the preconditioner suite; every field is optional (see `PRECONDITIONER_SUITE_DEFAULTS`). */
export interface PreconditionerSuiteOptions<O = Record<string, unknown>> {
  readonly options?: O;
  /** `false` leaves the convergence check out. */
  readonly quadratic?: PreconditionedConvergenceOptions<O> | false;
  readonly seed?: number;
  readonly state?: Partial<StateRoundTripSettings>;
  readonly growth?: Partial<TensorGrowthSettings>;
  readonly disposeSteps?: number;
  readonly determinismSteps?: number;
  readonly curvatureProvider?: CurvatureProvider;
  /** Run only these checks (default: all of `PRECONDITIONER_CHECKS`). */
  readonly checks?: readonly PreconditionerCheck[];
}

/** What the preconditioner suite uses for every setting not given. */
export const PRECONDITIONER_SUITE_DEFAULTS = {
  seed: 0,
  /**
   * η = 1 is Newton's step when `M` is the Hessian; with `M = I` it is gradient descent at η = 1,
   * which needs 73 of the 200 steps (the slowest direction, λ = 0.1, holds 2.167 of the initial
   * error: 0.9ⁿ · 2.167 ≤ 1e-3). The other checks step with this η too.
   */
  quadratic: { steps: 200, tolerance: 1e-3, lr: 1 },
  state: { stepsBefore: 5, stepsAfter: 2 },
  growth: { steps: 50, warmupSteps: 1 },
  disposeSteps: 3,
  determinismSteps: 10,
} as const;

/** The preconditioner checks that apply with these settings. */
export function selectedPreconditionerChecks(suite: Pick<PreconditionerSuiteOptions<unknown>, 'checks' | 'quadratic'> = {}): PreconditionerCheck[] {
  return (suite.checks ?? PRECONDITIONER_CHECKS).filter((c) => !(c === 'convergence-quadratic' && suite.quadratic === false));
}

/** Problems found in what `apply` returned for `grads`, as sentences. */
async function applyProblems(problem: Problem, grads: readonly tf.Tensor[], out: unknown): Promise<string[]> {
  if (!Array.isArray(out)) return [`apply returned ${typeof out}, not an array of tensors`];
  const where = `on ${problem.name}`;
  if (out.length !== grads.length) return [`apply returned ${out.length} tensors for ${grads.length} gradients ${where}`];
  const problems: string[] = [];
  for (const [i, g] of grads.entries()) {
    const name = problem.model.params[i]!.name;
    const d = out[i] as unknown;
    if (!(d instanceof tf.Tensor)) {
      problems.push(`apply's entry for '${name}' is not a tensor ${where}`);
      continue;
    }
    if (d === g) problems.push(`apply returned the gradient of '${name}' itself ${where}; it must return new tensors, which the caller disposes`);
    if (g.isDisposed) problems.push(`apply disposed the gradient of '${name}' ${where}; the caller owns it`);
    if (d.isDisposed) {
      problems.push(`apply's entry for '${name}' is already disposed ${where}`);
      continue;
    }
    if (d.shape.join('x') !== g.shape.join('x')) problems.push(`apply's entry for '${name}' has shape [${d.shape.join(', ')}], the gradient [${g.shape.join(', ')}] ${where}`);
    if (d.dtype !== 'float32') problems.push(`apply's entry for '${name}' has dtype ${d.dtype}, not float32 ${where}`);
    else if (!allFinite((await d.data()) as Float32Array)) problems.push(`apply's entry for '${name}' has non-finite values ${where}`);
  }
  return problems;
}

/**
 * The `apply-shapes` check: on each problem (parameters of shapes [3, 1], [1] and [2]), after
 * `init` and `update`, `apply(grads)` returns one new finite float32 tensor per gradient, shaped
 * like it, and leaves the gradients alive.
 */
async function checkApplyShapes(preconditioner: PluginInstance, seed: number, curvature: CurvatureProvider): Promise<CheckResult> {
  const problems: string[] = [];
  for (const makeProblem of [leastSquaresProblem, rosenbrockProblem]) {
    const problem = makeProblem();
    const trainer = composeTrainer({ preconditioner, seed, steps: 1 });
    const ctx = new RunStepContext(1, problem.model, problem.data, problem.loss, stepRng(seed), curvature, false);
    try {
      trainer.preconditioner.init(problem.model.params);
      await trainer.preconditioner.update(ctx);
      const { grads } = ctx.valueAndGrads();
      const out = trainer.preconditioner.apply(grads) as unknown;
      problems.push(...(await applyProblems(problem, grads, out)));
      if (Array.isArray(out)) for (const d of out) if (d instanceof tf.Tensor && !grads.includes(d)) d.dispose();
    } finally {
      ctx.dispose();
      trainer.dispose();
      problem.dispose();
    }
  }
  if (problems.length > 0) return fail('apply-shapes', problems.join('; '), { problems });
  return pass('apply-shapes', 'apply returns one new finite float32 tensor per gradient, shaped like it, on both problems');
}

/**
 * Run the preconditioner conformance checks on a plugin: each run is plain SGD around it,
 * `transformationOptimizer(chain(scale(-η)), preconditioner)`, composed as the runner composes one.
 * Never throws for a misbehaving plugin.
 *
 * @example
 * const report = await checkPreconditionerPlugin(kfac, { options: { damping: 1e-3 } });
 */
export async function checkPreconditionerPlugin<S extends z.ZodType>(
  source: PluginSource<S>,
  suite: PreconditionerSuiteOptions<z.input<S>> = {},
): Promise<ConformanceReport> {
  const d = PRECONDITIONER_SUITE_DEFAULTS;
  const seed = suite.seed ?? d.seed;
  const curvature = suite.curvatureProvider ?? denseCurvatureProvider();
  const quadratic = suite.quadratic === false ? false : { ...d.quadratic, ...suite.quadratic };
  const lr = quadratic === false ? d.quadratic.lr : quadratic.lr;
  const env = (config: unknown, steps: number, sgdLearningRate = lr): TrainingEnv => ({
    makeTrainer: () => composeTrainer({ preconditioner: instantiate(source, config), sgdLearningRate, seed, steps }),
    seed,
    curvature,
  });
  const state = { ...d.state, ...suite.state };
  // Smaller defaults on GPU backends (training/budget.ts); the suite's own settings win.
  const budget = checkBudget();
  const growth = { ...d.growth, ...(budget.growthSteps === null ? {} : { steps: budget.growthSteps }), ...suite.growth };
  const selected = new Set<string>(selectedPreconditionerChecks(suite));
  const results: CheckResult[] = [];
  const run = async (check: PreconditionerCheck, body: () => Promise<CheckResult> | CheckResult) => {
    if (selected.has(check)) results.push(await runCheck(check, body));
  };
  const options = suite.options;
  await run('metadata', () => checkPluginMetadata(source, 'preconditioner'));
  await run('schema', () => checkPluginSchema(source, options));
  await run('registration', () => checkRegistration(env(options, 1), 'PRECONDITIONER'));
  await run('apply-shapes', () => checkApplyShapes(instantiate(source, options), seed, curvature));
  await run('state-round-trip', () => checkStateRoundTrip(env(options, state.stepsBefore + state.stepsAfter), [leastSquaresProblem, rosenbrockProblem], state));
  await run('no-tensor-growth', () => checkTensorGrowth(env(options, growth.warmupSteps + growth.steps), leastSquaresProblem, growth));
  const disposeSteps = suite.disposeSteps ?? d.disposeSteps;
  await run('dispose', () => checkDispose(env(options, disposeSteps), leastSquaresProblem, disposeSteps));
  const determinismSteps = suite.determinismSteps ?? budget.determinismSteps ?? d.determinismSteps;
  await run('determinism', () => checkDeterminism(env(options, determinismSteps), leastSquaresProblem, determinismSteps));
  if (quadratic !== false) {
    const { steps, tolerance } = quadratic;
    await run('convergence-quadratic', () =>
      checkConvergence('convergence-quadratic', env(mergeOptions(options, quadratic.options), steps), leastSquaresProblem, { steps, tolerance, settleSteps: budget.settleSteps, maxSteps: budget.maxConvergenceSteps, agreement: budget.referenceAgreement }),
    );
  }
  return { plugin: pluginLabel(source), results };
}
