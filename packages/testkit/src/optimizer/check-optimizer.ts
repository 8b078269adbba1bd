import type { CurvatureProvider, z } from '@precond/core';
import { checkPluginMetadata } from '../plugin/metadata.js';
import { instantiate, pluginLabel, type PluginSource } from '../plugin/plugin-source.js';
import { checkPluginSchema } from '../plugin/schema.js';
import { denseCurvatureProvider } from '../problems/dense-curvature.js';
import { leastSquaresProblem } from '../problems/least-squares.js';
import { rosenbrockProblem } from '../problems/rosenbrock.js';
import { runCheck, type CheckResult, type ConformanceReport } from '../report/report.js';
import {
  checkConvergence,
  checkDeterminism,
  checkDispose,
  checkNanGradients,
  checkRegistration,
  checkStateRoundTrip,
  checkTensorGrowth,
  type NanGradientSettings,
  type StateRoundTripSettings,
  type TensorGrowthSettings,
  type TrainingEnv,
} from '../training/checks.js';
import { composeTrainer } from '../training/trainer.js';
import { mergeOptions } from '../plugin/merge-options.js';
import { checkBudget } from '../training/budget.js';

/** The checks of the optimizer suite, in the order they run. */
export const OPTIMIZER_CHECKS = [
  'metadata',
  'schema',
  'registration',
  'state-round-trip',
  'no-tensor-growth',
  'dispose',
  'determinism',
  'nan-gradients',
  'convergence-quadratic',
  'convergence-rosenbrock',
] as const;
export type OptimizerCheck = (typeof OPTIMIZER_CHECKS)[number];

/** Steps and tolerance of a convergence check, and plugin options tuned for its problem. */
export interface ConvergenceOptions<O> {
  /** Steps allowed. */
  readonly steps?: number;
  /** Largest Euclidean distance to the minimiser accepted after the last step. */
  readonly tolerance?: number;
  /** Plugin options for this problem, merged over the suite's `options`. */
  readonly options?: Partial<O>;
}

/** Settings of the optimizer suite; every field is optional (see `OPTIMIZER_SUITE_DEFAULTS`). */
export interface OptimizerSuiteOptions<O = Record<string, unknown>> {
  /** Plugin options every check uses (validated by the plugin's own schema). */
  readonly options?: O;
  /** The convex quadratic (`leastSquaresProblem`); `false` leaves the check out. */
  readonly quadratic?: ConvergenceOptions<O> | false;
  /** Rosenbrock's valley (`rosenbrockProblem`); `false` leaves the check out. */
  readonly rosenbrock?: ConvergenceOptions<O> | false;
  /** Seed of the run container's RNG and of the step RNG. */
  readonly seed?: number;
  readonly state?: Partial<StateRoundTripSettings>;
  readonly growth?: Partial<TensorGrowthSettings>;
  /** Steps taken before `dispose` in the `dispose` check. */
  readonly disposeSteps?: number;
  /** Steps compared by the `determinism` check. */
  readonly determinismSteps?: number;
  readonly nan?: Partial<NanGradientSettings>;
  /** Curvature for step contexts; default the exact dense one of the testkit's problems. */
  readonly curvatureProvider?: CurvatureProvider;
  /** Run only these checks (default: all of `OPTIMIZER_CHECKS`). */
  readonly checks?: readonly OptimizerCheck[];
}

/** What the optimizer suite uses for every setting not given. */
export const OPTIMIZER_SUITE_DEFAULTS = {
  seed: 0,
  /**
   * 200 steps reach 1e-3 with gradient descent at η = 1, which needs 73: the slowest direction
   * (λ = 0.1) holds 2.167 of the initial error and keeps 0.9 of it a step (0.9ⁿ · 2.167 ≤ 1e-3).
   */
  quadratic: { steps: 200, tolerance: 1e-3 },
  /** 2000 steps to within 1e-2 of (1, 1): heavy-ball η = 0.006, β = 0.9 needs about 650, Adam η = 0.05 about 1460. */
  rosenbrock: { steps: 2000, tolerance: 1e-2 },
  state: { stepsBefore: 5, stepsAfter: 2 },
  growth: { steps: 50, warmupSteps: 1 },
  disposeSteps: 3,
  determinismSteps: 10,
  nan: { stepsBefore: 2, stepsAfter: 2 },
} as const;

/** The optimizer checks that apply with these settings (convergence checks set to `false` drop out). */
export function selectedOptimizerChecks(suite: Pick<OptimizerSuiteOptions<unknown>, 'checks' | 'quadratic' | 'rosenbrock'> = {}): OptimizerCheck[] {
  return (suite.checks ?? OPTIMIZER_CHECKS).filter(
    (c) => !(c === 'convergence-quadratic' && suite.quadratic === false) && !(c === 'convergence-rosenbrock' && suite.rosenbrock === false),
  );
}

/**
 * Run the optimizer conformance checks on a plugin and report each finding; never throws for a
 * misbehaving plugin. Every run is composed as the runner composes one (fresh container, RUN_INFO,
 * RNG, identity preconditioner) and stepped through core's `RunStepContext`.
 *
 * @example
 * const report = await checkOptimizerPlugin(adam, { options: { lr: 0.05 } });
 * console.log(formatReport(report));
 */
export async function checkOptimizerPlugin<S extends z.ZodType>(
  source: PluginSource<S>,
  suite: OptimizerSuiteOptions<z.input<S>> = {},
): Promise<ConformanceReport> {
  const d = OPTIMIZER_SUITE_DEFAULTS;
  const seed = suite.seed ?? d.seed;
  const curvature = suite.curvatureProvider ?? denseCurvatureProvider();
  const env = (config: unknown, steps: number): TrainingEnv => ({
    makeTrainer: () => composeTrainer({ optimizer: instantiate(source, config), seed, steps }),
    seed,
    curvature,
  });
  const state = { ...d.state, ...suite.state };
  // Smaller defaults on GPU backends (training/budget.ts); the suite's own settings win.
  const budget = checkBudget();
  const growth = { ...d.growth, ...(budget.growthSteps === null ? {} : { steps: budget.growthSteps }), ...suite.growth };
  const nan = { ...d.nan, ...suite.nan };
  const selected = new Set<string>(selectedOptimizerChecks(suite));
  const results: CheckResult[] = [];
  const run = async (check: OptimizerCheck, body: () => Promise<CheckResult> | CheckResult) => {
    if (selected.has(check)) results.push(await runCheck(check, body));
  };
  const options = suite.options;
  await run('metadata', () => checkPluginMetadata(source, 'optimizer'));
  await run('schema', () => checkPluginSchema(source, options));
  await run('registration', () => checkRegistration(env(options, 1), 'OPTIMIZER'));
  await run('state-round-trip', () => checkStateRoundTrip(env(options, state.stepsBefore + state.stepsAfter), [leastSquaresProblem, rosenbrockProblem], state));
  await run('no-tensor-growth', () => checkTensorGrowth(env(options, growth.warmupSteps + growth.steps), leastSquaresProblem, growth));
  const disposeSteps = suite.disposeSteps ?? d.disposeSteps;
  await run('dispose', () => checkDispose(env(options, disposeSteps), leastSquaresProblem, disposeSteps));
  const determinismSteps = suite.determinismSteps ?? budget.determinismSteps ?? d.determinismSteps;
  await run('determinism', () => checkDeterminism(env(options, determinismSteps), leastSquaresProblem, determinismSteps));
  await run('nan-gradients', () => checkNanGradients(env(options, nan.stepsBefore + 1 + nan.stepsAfter), leastSquaresProblem, nan));
  for (const [check, problem, defaults, given] of [
    ['convergence-quadratic', leastSquaresProblem, d.quadratic, suite.quadratic],
    ['convergence-rosenbrock', rosenbrockProblem, d.rosenbrock, suite.rosenbrock],
  ] as const) {
    if (given === false) continue;
    const steps = given?.steps ?? defaults.steps;
    const tolerance = given?.tolerance ?? defaults.tolerance;
    await run(check, () => checkConvergence(check, env(mergeOptions(options, given?.options), steps), problem, { steps, tolerance, settleSteps: budget.settleSteps, maxSteps: budget.maxConvergenceSteps, agreement: budget.referenceAgreement }));
  }
  return { plugin: pluginLabel(source), results };
}
