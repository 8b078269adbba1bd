import * as tf from '@tensorflow/tfjs-core';
import { RunStepContext, type CurvatureProvider } from '@precond/core';
import { allFinite, firstBitDifference } from '../compare/compare.js';
import type { Problem } from '../problems/problem.js';
import { describeThrown, fail, pass, type CheckResult } from '../report/report.js';
import { loadStates, saveStates, snapshotDifference, snapshotState } from '../state/checkpoint.js';
import { readParameters, stepRng, takeSteps, writeParameters, type Trainer } from './trainer.js';

/** How the training checks build what they run: a fresh trainer per call, all from one seed. */
export interface TrainingEnv {
  readonly makeTrainer: () => Trainer;
  readonly seed: number;
  readonly curvature: CurvatureProvider | undefined;
}

export type ProblemFactory = () => Problem;

/** Make a problem and a trainer, `init` the optimizer, run `body`, and free everything. */
async function withRun<T>(env: TrainingEnv, makeProblem: ProblemFactory, body: (trainer: Trainer, problem: Problem) => Promise<T>): Promise<T> {
  const problem = makeProblem();
  try {
    const trainer = env.makeTrainer();
    try {
      trainer.optimizer.init(problem.model.params);
      return await body(trainer, problem);
    } finally {
      trainer.dispose();
    }
  } finally {
    problem.dispose();
  }
}

/** `'<param>' element i: a vs b` for the first parameter element whose bits differ, or null. */
function parameterDifference(problem: Problem, a: readonly Float32Array[], b: readonly Float32Array[]): string | null {
  return namedParameterDifference(problem.model.params.map((p) => p.name), a, b);
}

function namedParameterDifference(names: readonly string[], a: readonly Float32Array[], b: readonly Float32Array[]): string | null {
  for (let i = 0; i < a.length; i++) {
    const j = firstBitDifference(a[i]!, b[i]!);
    if (j >= 0) return `'${names[i]}' element ${j}: ${a[i]![j]} vs ${b[i]![j]}`;
  }
  return null;
}

/** The `registration` check: the plugin registers into a fresh run container and resolves to a complete object. */
export function checkRegistration(env: TrainingEnv, token: 'OPTIMIZER' | 'PRECONDITIONER'): CheckResult {
  const trainer = env.makeTrainer();
  trainer.dispose();
  return pass('registration', `registering in a fresh run container provides a complete ${token}`);
}

export interface StateRoundTripSettings {
  /** Steps taken before the checkpoint. */
  readonly stepsBefore: number;
  /** Steps compared after it. */
  readonly stepsAfter: number;
}

/**
 * The `state-round-trip` check, on each problem. Run A takes `stepsBefore` steps, is checkpointed
 * (parameters, `getState` of optimizer and preconditioner through safetensors and JSON, the step
 * RNG), and takes `stepsAfter` more. Run B is a fresh trainer initialised with the initial
 * parameters, then given the checkpoint (as `precond resume` does) and stepped the same number of
 * times. Every parameter after every step, and the states at the end, must be bit-identical.
 */
export async function checkStateRoundTrip(env: TrainingEnv, problems: readonly ProblemFactory[], settings: StateRoundTripSettings): Promise<CheckResult> {
  const names: string[] = [];
  const findings: string[] = [];
  for (const makeProblem of problems) {
    const finding = await stateRoundTripOn(env, makeProblem, settings);
    if (typeof finding === 'string') findings.push(finding);
    else names.push(finding.problem);
  }
  if (findings.length > 0) return fail('state-round-trip', findings.join('; '), { ...settings, findings });
  const { stepsBefore: k, stepsAfter: m } = settings;
  return pass('state-round-trip', `on ${names.join(' and ')}, restoring a checkpoint of step ${k} (through safetensors and JSON) reproduces the next ${m} steps and the final state bit for bit`, { ...settings });
}

/** One problem's round trip: a failure message, or the problem's name when it passes. */
async function stateRoundTripOn(env: TrainingEnv, makeProblem: ProblemFactory, settings: StateRoundTripSettings): Promise<string | { problem: string }> {
  const { stepsBefore: k, stepsAfter: m } = settings;
  const rngA = stepRng(env.seed);
  const a = await withRun(env, makeProblem, async (trainer, problem) => {
    await takeSteps(trainer, problem, rngA, 1, k, env.curvature);
    const checkpoint = { params: await readParameters(problem), states: await saveStates(trainer.getStates()), rng: rngA.getState() };
    const trajectory: Float32Array[][] = [];
    await takeSteps(trainer, problem, rngA, k + 1, m, env.curvature, async () => {
      trajectory.push(await readParameters(problem));
    });
    const states = trainer.getStates();
    const final = { optimizer: await snapshotState(states.optimizer!, 'optimizer'), preconditioner: await snapshotState(states.preconditioner!, 'preconditioner') };
    return { checkpoint, trajectory, final };
  });
  return withRun(env, makeProblem, async (trainer, problem) => {
    writeParameters(problem, a.checkpoint.params);
    trainer.setStates(loadStates(a.checkpoint.states));
    const rngB = stepRng(env.seed);
    rngB.setState(a.checkpoint.rng);
    let mismatch = null as string | null;
    await takeSteps(trainer, problem, rngB, k + 1, m, env.curvature, async (step) => {
      const diff = parameterDifference(problem, a.trajectory[step - k - 1]!, await readParameters(problem));
      if (diff) mismatch = `on ${problem.name}, after restoring the checkpoint of step ${k}, step ${step} differs from the uninterrupted run at parameter ${diff} (uninterrupted vs restored)`;
      return diff === null;
    });
    if (mismatch) return mismatch;
    const states = trainer.getStates();
    for (const part of ['optimizer', 'preconditioner'] as const) {
      const diff = snapshotDifference(a.final[part], await snapshotState(states[part]!, part));
      if (diff) return `on ${problem.name}, parameters match, but after step ${k + m} the restored ${part} state differs from the uninterrupted one at ${diff}`;
    }
    return { problem: problem.name };
  });
}

export interface TensorGrowthSettings {
  /** Steps whose tensors are counted. */
  readonly steps: number;
  /** Steps taken before counting starts (state allocated lazily on the first step is no leak). */
  readonly warmupSteps: number;
}

/**
 * The `no-tensor-growth` check: `tf.memory().numTensors` is the same before and after `steps`
 * steps (each creating its step context, stepping and disposing the context), after warm-up.
 */
export async function checkTensorGrowth(env: TrainingEnv, makeProblem: ProblemFactory, settings: TensorGrowthSettings): Promise<CheckResult> {
  return withRun(env, makeProblem, async (trainer, problem) => {
    const rng = stepRng(env.seed);
    await takeSteps(trainer, problem, rng, 1, settings.warmupSteps, env.curvature);
    const before = tf.memory().numTensors;
    await takeSteps(trainer, problem, rng, settings.warmupSteps + 1, settings.steps, env.curvature);
    const after = tf.memory().numTensors;
    const details = { before, after, steps: settings.steps, warmupSteps: settings.warmupSteps, perStep: (after - before) / settings.steps };
    if (after !== before) {
      return fail(
        'no-tensor-growth',
        `${settings.steps} steps changed the number of live tensors from ${before} to ${after} (${details.perStep} per step): every tensor a step creates must be disposed (tf.tidy, dispose), and none it does not own`,
        details,
      );
    }
    return pass('no-tensor-growth', `${settings.steps} steps after ${settings.warmupSteps} warm-up step(s) leave ${before} live tensors`, details);
  });
}

/** The `dispose` check: after `init`, `steps` steps and `dispose`, every tensor the plugin made is freed. */
export async function checkDispose(env: TrainingEnv, makeProblem: ProblemFactory, steps: number): Promise<CheckResult> {
  const problem = makeProblem();
  try {
    const before = tf.memory().numTensors;
    const trainer = env.makeTrainer();
    try {
      trainer.optimizer.init(problem.model.params);
      await takeSteps(trainer, problem, stepRng(env.seed), 1, steps, env.curvature);
    } finally {
      trainer.dispose();
    }
    const after = tf.memory().numTensors;
    if (after !== before) {
      return fail('dispose', `after init, ${steps} steps and dispose, ${after - before} tensor(s) the plugin made are still live (${before} before, ${after} after)`, { before, after });
    }
    return pass('dispose', `dispose frees every tensor made by registration, init and ${steps} steps`, { before, after });
  } finally {
    problem.dispose();
  }
}

export interface ConvergenceSettings {
  /** Steps allowed. */
  readonly steps: number;
  /** Largest Euclidean distance to the minimiser accepted after the last step. */
  readonly tolerance: number;
  /**
   * Stop this many steps after first coming within tolerance (which must still hold then) instead
   * of taking every step; null or absent takes them all (training/budget.ts: GPU backends).
   */
  readonly settleSteps?: number | null;
  /**
   * When `steps` exceeds this, run only this many steps, here and on the `reference` backend from
   * the same start, and compare where they end (training/budget.ts: GPU backends); null or absent
   * runs every step.
   */
  readonly maxSteps?: number | null;
  /** The backend the capped run is compared with; default `cpu`. */
  readonly reference?: string;
  /** Largest ‖θ_here − θ_reference‖ / ‖θ_reference − θ_0‖ accepted after the capped run. */
  readonly agreement?: number;
}

/**
 * The `convergence-<problem>` check: after `steps` steps the parameters are finite and within
 * `tolerance` (Euclidean distance) of the problem's minimiser. Stops early when they diverge, and,
 * with `settleSteps`, once they have stayed within tolerance for that many steps.
 */
export async function checkConvergence(check: string, env: TrainingEnv, makeProblem: ProblemFactory, settings: ConvergenceSettings): Promise<CheckResult> {
  if (settings.maxSteps != null && settings.steps > settings.maxSteps) return checkAgreement(check, env, makeProblem, settings, settings.maxSteps);
  return withRun(env, makeProblem, async (trainer, problem) => {
    const initialDistance = await problem.distanceToOptimum();
    const initialLoss = await problem.lossValue();
    let firstWithin = null as number | null;
    let divergedAt = null as number | null;
    let last = 0;
    await takeSteps(trainer, problem, stepRng(env.seed), 1, settings.steps, env.curvature, async (step) => {
      last = step;
      const d = await problem.distanceToOptimum();
      if (!Number.isFinite(d)) {
        divergedAt = step;
        return false;
      }
      if (d <= settings.tolerance) firstWithin ??= step;
      else if (settings.settleSteps != null) firstWithin = null; // left it again: the settling restarts
      return !(settings.settleSteps != null && firstWithin !== null && step >= firstWithin + settings.settleSteps);
    });
    const distance = await problem.distanceToOptimum();
    const loss = await problem.lossValue();
    const details = {
      steps: settings.steps,
      tolerance: settings.tolerance,
      initialDistance,
      initialLoss,
      finalDistance: distance,
      finalLoss: loss,
      firstStepWithinTolerance: firstWithin,
      ...(settings.settleSteps != null ? { settleSteps: settings.settleSteps, stepsTaken: last } : {}),
    };
    const where = `on ${problem.name} (start ${initialDistance.toPrecision(4)} from the minimiser, loss ${initialLoss.toPrecision(4)})`;
    if (divergedAt !== null) return fail(check, `diverged ${where}: the parameters were not finite after step ${divergedAt}`, details);
    if (!(distance <= settings.tolerance)) {
      return fail(check, `${where}: still ${distance.toPrecision(4)} from the minimiser after ${last} steps, tolerance ${settings.tolerance} (final loss ${loss.toPrecision(4)}); tune the suite's options or steps for this problem`, details);
    }
    if (last < settings.steps) {
      return pass(check, `${where}: within tolerance ${settings.tolerance} from step ${firstWithin} and still ${distance.toPrecision(3)} from the minimiser ${settings.settleSteps} steps later (stopped at step ${last} of ${settings.steps})`, details);
    }
    return pass(check, `${where}: ${distance.toPrecision(3)} from the minimiser after ${settings.steps} steps (tolerance ${settings.tolerance}, first within it at step ${firstWithin})`, details);
  });
}

/** Parameters at the start and after `steps` steps, and the first step whose parameters were not finite. */
async function trajectoryEnds(env: TrainingEnv, makeProblem: ProblemFactory, steps: number): Promise<{ start: Float32Array[]; end: Float32Array[]; divergedAt: number | null; name: string }> {
  return withRun(env, makeProblem, async (trainer, problem) => {
    const start = await readParameters(problem);
    let divergedAt = null as number | null;
    await takeSteps(trainer, problem, stepRng(env.seed), 1, steps, env.curvature, async (step) => {
      if (!(await readParameters(problem)).every(allFinite)) divergedAt = step;
      return divergedAt === null;
    });
    return { start, end: await readParameters(problem), divergedAt, name: problem.name };
  });
}

const euclidean = (a: readonly Float32Array[], b: readonly Float32Array[]) =>
  Math.sqrt(a.reduce((sum, x, i) => sum + x.reduce((s, v, j) => s + (v - b[i]![j]!) ** 2, 0), 0));

/**
 * A capped convergence check: `cap` steps on the active backend and on the reference backend
 * (cpu) from the same start must end within `agreement` of the distance moved of each other. The
 * reference run makes its own problem and trainer after switching backends, so no tensor crosses
 * backends (a GPU backend in Node cannot read synchronously), and the active backend is restored.
 */
async function checkAgreement(check: string, env: TrainingEnv, makeProblem: ProblemFactory, settings: ConvergenceSettings, cap: number): Promise<CheckResult> {
  const reference = settings.reference ?? 'cpu';
  const agreement = settings.agreement ?? 1e-3;
  const here = tf.getBackend();
  const mine = await trajectoryEnds(env, makeProblem, cap);
  if (mine.divergedAt !== null) return fail(check, `diverged on ${mine.name} on ${here}: the parameters were not finite after step ${mine.divergedAt}`, { steps: cap });
  let theirs: Awaited<ReturnType<typeof trajectoryEnds>>;
  await tf.setBackend(reference);
  try {
    theirs = await trajectoryEnds(env, makeProblem, cap);
  } finally {
    await tf.setBackend(here);
  }
  const moved = euclidean(theirs.end, theirs.start);
  const difference = euclidean(mine.end, theirs.end);
  const startDifference = euclidean(mine.start, theirs.start);
  const details = { steps: settings.steps, cappedAt: cap, reference, backend: here, agreement, moved, difference, relative: difference / moved, startDifference };
  const where = `on ${mine.name}, the first ${cap} of ${settings.steps} steps on ${here} and on ${reference}`;
  if (startDifference !== 0) return fail(check, `${where} started from different parameters (${startDifference.toPrecision(3)} apart)`, details);
  if (!(difference <= agreement * moved)) {
    return fail(check, `${where} end ${difference.toPrecision(3)} apart after moving ${moved.toPrecision(3)}: more than ${agreement} of the distance moved`, details);
  }
  return pass(check, `${where} end ${difference.toPrecision(3)} apart after moving ${moved.toPrecision(3)} (${(difference / moved).toExponential(2)} of it; ${reference} converges within ${settings.steps})`, details);
}

/** The `determinism` check: two runs from the same seed take bit-identical parameter trajectories. */
export async function checkDeterminism(env: TrainingEnv, makeProblem: ProblemFactory, steps: number): Promise<CheckResult> {
  const record = () =>
    withRun(env, makeProblem, async (trainer, problem) => {
      const trajectory: Float32Array[][] = [];
      await takeSteps(trainer, problem, stepRng(env.seed), 1, steps, env.curvature, async () => {
        trajectory.push(await readParameters(problem));
      });
      return { names: problem.model.params.map((p) => p.name), trajectory };
    });
  const first = await record();
  const second = await record();
  for (let s = 0; s < steps; s++) {
    const diff = namedParameterDifference(first.names, first.trajectory[s]!, second.trajectory[s]!);
    if (diff) {
      return fail('determinism', `two runs with seed ${env.seed} differ after step ${s + 1} at parameter ${diff}: draw randomness only from the run's RNG (the RNG token, ctx.rng), never Math.random`, { steps });
    }
  }
  return pass('determinism', `two runs with seed ${env.seed} take bit-identical parameters for ${steps} steps`, { steps });
}

/** A message "names the problem" when it says what was not finite. */
const NAMES_NON_FINITE = /nan|non-?finite|not finite|infinit/i;

export interface NanGradientSettings {
  /** Clean steps before the NaN step (so momentum-like state is non-zero). */
  readonly stepsBefore: number;
  /** Clean steps after it (a NaN must not poison the state). */
  readonly stepsAfter: number;
}

/**
 * The `nan-gradients` check: after clean steps, a step on a batch with one NaN target (so the loss
 * and every gradient entry are NaN) must leave the parameters finite, either skipping the step or
 * throwing an Error whose message names the non-finite value; when it does not throw, the clean
 * steps after it must keep the parameters finite. `details.behaviour` is `skipped` (parameters
 * unchanged), `stepped` (changed, finite) or `threw`.
 */
export async function checkNanGradients(env: TrainingEnv, makeProblem: ProblemFactory, settings: NanGradientSettings): Promise<CheckResult> {
  return withRun(env, makeProblem, async (trainer, problem) => {
    const rng = stepRng(env.seed);
    await takeSteps(trainer, problem, rng, 1, settings.stepsBefore, env.curvature);
    const before = await readParameters(problem);
    const targets = Float32Array.from((await problem.data.y.data()) as Float32Array);
    targets[0] = Number.NaN;
    const nanBatch = { x: problem.data.x, y: tf.tensor2d(targets, problem.data.y.shape) };
    const nanStep = settings.stepsBefore + 1;
    let thrown: unknown = undefined;
    let threw = false;
    const ctx = new RunStepContext(nanStep, problem.model, nanBatch, problem.loss, rng, env.curvature, false);
    try {
      await trainer.optimizer.step(ctx);
    } catch (error) {
      threw = true;
      thrown = error;
    } finally {
      ctx.dispose();
      nanBatch.y.dispose();
    }
    const after = await readParameters(problem);
    const finite = after.every(allFinite);
    if (threw) {
      const details = { behaviour: 'threw', error: describeThrown(thrown) };
      if (!finite) return fail('nan-gradients', `a step with NaN gradients threw and left non-finite parameters: ${describeThrown(thrown)}`, details);
      if (!(thrown instanceof Error) || !NAMES_NON_FINITE.test(thrown.message)) {
        return fail('nan-gradients', `a step with NaN gradients threw an error that does not say what was not finite: ${describeThrown(thrown)}`, details);
      }
      return pass('nan-gradients', `a step with NaN gradients throws a clear error (${thrown.message}) and leaves the parameters finite`, details);
    }
    const behaviour = parameterDifference(problem, before, after) === null ? 'skipped' : 'stepped';
    if (!finite) return fail('nan-gradients', `a step with NaN gradients left non-finite parameters; skip such a step (as transformationOptimizer does) or throw an Error naming the NaN`, { behaviour: 'corrupted' });
    let poisonedAt = null as number | null;
    await takeSteps(trainer, problem, rng, nanStep + 1, settings.stepsAfter, env.curvature, async (step) => {
      if (!(await readParameters(problem)).every(allFinite)) poisonedAt = step;
      return poisonedAt === null;
    });
    if (poisonedAt !== null) {
      return fail('nan-gradients', `the step with NaN gradients was ${behaviour}, but the clean step ${poisonedAt} after it made the parameters non-finite: the NaN reached the optimizer's state`, { behaviour });
    }
    return pass('nan-gradients', `a step with NaN gradients is ${behaviour === 'skipped' ? 'skipped (parameters unchanged)' : 'taken with finite parameters'}, and ${settings.stepsAfter} clean steps after it stay finite`, { behaviour });
  });
}
