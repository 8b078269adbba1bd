import * as tf from '@tensorflow/tfjs-core';
import {
  CURVATURE_PROVIDER,
  isProvided,
  PROBE,
  resolve,
  resolveAll,
  Rng,
  whenSchema,
  type CurvatureContext,
  type CurvatureProvider,
  type Metrics,
  type Model,
  type PluginInstance,
  type Probe,
  type ProbeContext,
  type TaskData,
  type z,
} from '@precond/core';
import { firstBitDifference, firstDifference } from '../compare/compare.js';
import { metricsProblems } from '../metrics/validate-metrics.js';
import { checkPluginMetadata, KEBAB_CASE_ID } from '../plugin/metadata.js';
import { instantiate, pluginLabel, registerPlugin, type PluginSource } from '../plugin/plugin-source.js';
import { checkPluginSchema } from '../plugin/schema.js';
import { denseCurvatureProvider } from '../problems/dense-curvature.js';
import { leastSquaresTask } from '../problems/least-squares-plugins.js';
import { fail, pass, runCheck, type CheckResult, type ConformanceReport } from '../report/report.js';
import { loadStates, saveStates, snapshotDifference, snapshotState } from '../state/checkpoint.js';
import { buildModel, composeTaskRun, disposeTaskData, makeTaskData, readDataset, datasetDifference, type TaskRun } from '../task/task-run.js';
import { readModelParameters } from '../tensors/read.js';
import { gradientDescentStep } from '../training/trainer.js';

/** The checks of the probe suite, in the order they run. */
export const PROBE_CHECKS = ['metadata', 'schema', 'registration', 'observe', 'no-side-effects', 'state-round-trip', 'no-tensor-growth', 'dispose'] as const;
export type ProbeCheck = (typeof PROBE_CHECKS)[number];

/** Settings of the probe suite; every field is optional (see `PROBE_SUITE_DEFAULTS`). */
export interface ProbeSuiteOptions<O = Record<string, unknown>> {
  readonly options?: O;
  readonly seed?: number;
  /** Observations before the state checkpoint (gradient-descent steps in between). */
  readonly observations?: number;
  /** Step size of those gradient-descent steps. */
  readonly trainingLr?: number;
  /** Observations counted by `no-tensor-growth`. */
  readonly growthObservations?: number;
  /** Run only these checks (default: all of `PROBE_CHECKS`). */
  readonly checks?: readonly ProbeCheck[];
}

/** What the probe observes. */
export interface ProbeCheckContext {
  /** Task plugin of the observed run; default `leastSquaresTask`. */
  readonly task?: PluginSource;
  /** Model plugin of the observed run; default the task's `defaultModel()`. */
  readonly model?: PluginSource;
  /** Curvature for `ctx.curvature()`; default the model package's CURVATURE_PROVIDER, else the dense one. */
  readonly curvatureProvider?: CurvatureProvider;
}

/** What the probe suite uses for every setting not given. */
export const PROBE_SUITE_DEFAULTS = {
  seed: 0,
  observations: 3,
  /** Small enough to be stable on any reasonably scaled task: the steps only move the parameters. */
  trainingLr: 0.01,
  growthObservations: 10,
} as const;

/** A composed run for a probe: task, data, model and curvature, as the runner composes them. */
interface ProbeRun extends TaskRun {
  readonly data: TaskData;
  readonly model: Model;
  readonly curvature: CurvatureProvider;
  /** Register the probe plugin (slot `probes.<id>`) and return the probe it adds. */
  addProbe(plugin: PluginInstance): Probe;
  /** A probe context for `step`; `release` frees the curvature it may have made. */
  context(step: number): { ctx: ProbeContext; release(): void };
  dispose(): void;
}

function composeProbeRun(seed: number, context: ProbeCheckContext): ProbeRun {
  const run = composeTaskRun(instantiate(context.task ?? leastSquaresTask), seed);
  const data = makeTaskData(run);
  let model: Model;
  try {
    model = buildModel(run, context.model ? instantiate(context.model) : run.task.defaultModel());
  } catch (error) {
    disposeTaskData(data);
    run.container.clearInstances();
    throw error;
  }
  const curvature = context.curvatureProvider ?? (isProvided(run.container, CURVATURE_PROVIDER) ? resolve(run.container, CURVATURE_PROVIDER) : denseCurvatureProvider());
  return {
    ...run,
    data,
    model,
    curvature,
    addProbe(plugin) {
      const before = resolveAll(run.container, PROBE).length;
      registerPlugin(run.container, plugin, `probes.${plugin.meta.id}`);
      const probes = resolveAll(run.container, PROBE);
      if (probes.length !== before + 1) throw new Error(`registering the probe added ${probes.length - before} PROBE providers; a probe plugin adds exactly one`);
      return probes[probes.length - 1]!;
    },
    context(step) {
      let made: CurvatureContext | undefined;
      const ctx: ProbeContext = {
        step,
        model,
        task: run.task,
        data,
        curvature: () => (made ??= curvature.create(model, run.task.loss, data.train)),
      };
      return { ctx, release: () => made?.dispose() };
    },
    dispose() {
      model.dispose();
      disposeTaskData(data);
      run.container.clearInstances();
    },
  };
}

async function observeAt(run: ProbeRun, probe: Probe, step: number, init = false): Promise<Metrics> {
  const { ctx, release } = run.context(step);
  try {
    if (init) await probe.init(ctx);
    return await probe.observe(ctx);
  } finally {
    release();
  }
}

const PROBE_MEMBERS = ['init', 'observe', 'getState', 'setState', 'dispose'] as const;

function checkRegistration(run: ProbeRun, plugin: PluginInstance): CheckResult {
  const probe = run.addProbe(plugin);
  const problems: string[] = [];
  if (typeof probe !== 'object' || probe === null) return fail('registration', `PROBE resolved to ${String(probe)}, not a probe object`);
  for (const m of PROBE_MEMBERS) if (typeof probe[m] !== 'function') problems.push(`the probe has no ${m}()`);
  if (typeof probe.id !== 'string' || !KEBAB_CASE_ID.test(probe.id)) problems.push(`probe.id ${JSON.stringify(probe.id)} is not a kebab-case metric prefix`);
  const schedule = whenSchema.safeParse(probe.schedule);
  if (!schedule.success) problems.push(`probe.schedule ${JSON.stringify(probe.schedule)} is not { every } | { logSpaced } | { steps }`);
  if (problems.length > 0) return fail('registration', problems.join('; '), { problems });
  return pass('registration', `registering provides one PROBE '${probe.id}' observing ${JSON.stringify(probe.schedule)}`);
}

/**
 * `observe`: `init` at step 0, then `observe` at step 0 and after each of two gradient-descent
 * steps, returns finite numbers or arrays of finite numbers under non-empty names.
 */
async function checkObserve(run: ProbeRun, plugin: PluginInstance, seed: number, lr: number): Promise<CheckResult> {
  const probe = run.addProbe(plugin);
  try {
    const rng = new Rng(seed).fork('steps');
    const problems: string[] = [];
    const names = new Set<string>();
    for (let s = 0; s < 3; s++) {
      if (s > 0) gradientDescentStep(run.model, run.data.train, run.task.loss, lr, s, rng);
      const metrics = await observeAt(run, probe, s, s === 0);
      problems.push(...metricsProblems(metrics, `observe at step ${s}`));
      if (metrics && typeof metrics === 'object') Object.keys(metrics).forEach((k) => names.add(k));
    }
    if (problems.length > 0) return fail('observe', problems.join('; '), { problems });
    return pass('observe', `observe returns ${[...names].map((n) => `${probe.id}.${n}`).join(', ') || '(nothing)'}, all finite, at steps 0-2`, { names: [...names] });
  } finally {
    probe.dispose();
  }
}

/**
 * `no-side-effects`: `init` and the observations at steps 0, 1 and 2 (after gradient-descent steps,
 * so the parameters are not at a special point such as 0) each leave every parameter and the
 * training data bit-identical.
 */
async function checkNoSideEffects(run: ProbeRun, plugin: PluginInstance, seed: number, lr: number): Promise<CheckResult> {
  const probe = run.addProbe(plugin);
  try {
    const rng = new Rng(seed).fork('steps');
    const train = await readDataset(run.data.train);
    for (let s = 0; s < 3; s++) {
      if (s > 0) gradientDescentStep(run.model, run.data.train, run.task.loss, lr, s, rng);
      const params = await readModelParameters(run.model);
      await observeAt(run, probe, s, s === 0);
      const after = await readModelParameters(run.model);
      for (let i = 0; i < params.length; i++) {
        const j = firstBitDifference(params[i]!, after[i]!);
        if (j >= 0) {
          return fail('no-side-effects', `${s === 0 ? 'init and observe' : 'observe'} at step ${s} changed parameter '${run.model.params[i]!.name}' element ${j} from ${params[i]![j]} to ${after[i]![j]}; a probe must never change training`);
        }
      }
    }
    const dataDiff = datasetDifference(train, await readDataset(run.data.train));
    if (dataDiff) return fail('no-side-effects', `observing changed the training data: ${dataDiff}`);
    return pass('no-side-effects', 'init and the observations of steps 0-2 leave the parameters and the data bit-identical');
  } finally {
    probe.dispose();
  }
}

/**
 * `state-round-trip`: a probe observes steps 0..k (gradient-descent steps in between), its state
 * goes through a checkpoint into a fresh probe of a fresh run with the same parameters (not
 * `init`-ed, as on resume), and both then observe step k+1: same metrics, then the same state.
 */
async function checkStateRoundTrip(seed: number, context: ProbeCheckContext, plugin: () => PluginInstance, observations: number, lr: number): Promise<CheckResult> {
  const a = composeProbeRun(seed, context);
  try {
    const probeA = a.addProbe(plugin());
    try {
      const rng = new Rng(seed).fork('steps');
      for (let s = 0; s < observations; s++) {
        if (s > 0) gradientDescentStep(a.model, a.data.train, a.task.loss, lr, s, rng);
        await observeAt(a, probeA, s, s === 0);
      }
      const saved = await saveStates({ probe: probeA.getState() });
      gradientDescentStep(a.model, a.data.train, a.task.loss, lr, observations, rng);
      const params = await readModelParameters(a.model);
      const b = composeProbeRun(seed, context);
      try {
        const probeB = b.addProbe(plugin());
        try {
          tf.tidy(() => b.model.params.forEach((p, i) => p.variable.assign(tf.tensor(params[i]!, p.variable.shape))));
          probeB.setState(loadStates(saved).probe!);
          const ma = await observeAt(a, probeA, observations);
          const mb = await observeAt(b, probeB, observations);
          const diff = firstDifference(ma, mb);
          if (diff) return fail('state-round-trip', `after restoring the probe state saved at step ${observations - 1}, the observation of step ${observations} differs at ${diff}`);
          const stateDiff = snapshotDifference(await snapshotState(probeA.getState(), 'probe'), await snapshotState(probeB.getState(), 'probe'));
          if (stateDiff) return fail('state-round-trip', `observations match, but afterwards the restored probe state differs at ${stateDiff}`);
          return pass('state-round-trip', `restoring the probe state of step ${observations - 1} reproduces the next observation and state exactly`);
        } finally {
          probeB.dispose();
        }
      } finally {
        b.dispose();
      }
    } finally {
      probeA.dispose();
    }
  } finally {
    a.dispose();
  }
}

/** `no-tensor-growth`: after `init` and one observation, `n` more leave the number of live tensors as it was. */
async function checkTensorGrowth(run: ProbeRun, plugin: PluginInstance, observations: number): Promise<CheckResult> {
  const probe = run.addProbe(plugin);
  try {
    await observeAt(run, probe, 0, true);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= observations; s++) await observeAt(run, probe, s);
    const after = tf.memory().numTensors;
    const details = { before, after, observations };
    if (after !== before) return fail('no-tensor-growth', `${observations} observations changed the number of live tensors from ${before} to ${after}`, details);
    return pass('no-tensor-growth', `${observations} observations leave ${before} live tensors`, details);
  } finally {
    probe.dispose();
  }
}

/** `dispose`: after registration, `init`, two observations and `dispose`, every tensor the probe made is freed. */
async function checkDispose(run: ProbeRun, plugin: PluginInstance): Promise<CheckResult> {
  const before = tf.memory().numTensors;
  const probe = run.addProbe(plugin);
  try {
    await observeAt(run, probe, 0, true);
    await observeAt(run, probe, 1);
  } finally {
    probe.dispose();
  }
  const after = tf.memory().numTensors;
  if (after !== before) return fail('dispose', `after init, two observations and dispose, ${after - before} tensor(s) the probe made are still live`, { before, after });
  return pass('dispose', 'dispose frees every tensor made by registration, init and two observations', { before, after });
}

/**
 * Run the probe conformance checks on a plugin, observing a run of `context.task` (default the
 * testkit's least-squares task) and its model; never throws for a misbehaving plugin.
 *
 * @example
 * const report = await checkProbePlugin(ntk, { options: { every: 10 } }, { task: fourierTarget(), model: mlp({ hidden: [16] }) });
 */
export async function checkProbePlugin<S extends z.ZodType>(
  source: PluginSource<S>,
  suite: ProbeSuiteOptions<z.input<S>> = {},
  context: ProbeCheckContext = {},
): Promise<ConformanceReport> {
  const d = PROBE_SUITE_DEFAULTS;
  const seed = suite.seed ?? d.seed;
  const options = suite.options;
  const lr = suite.trainingLr ?? d.trainingLr;
  const plugin = () => instantiate(source, options) as PluginInstance;
  const selected = new Set<string>(suite.checks ?? PROBE_CHECKS);
  const results: CheckResult[] = [];
  const run = async (check: ProbeCheck, body: () => Promise<CheckResult> | CheckResult) => {
    if (selected.has(check)) results.push(await runCheck(check, body));
  };
  /** Each check observes its own fresh run, so one check's probe cannot disturb another's. */
  const inRun = (check: ProbeCheck, body: (r: ProbeRun) => Promise<CheckResult> | CheckResult) =>
    run(check, async () => {
      const r = composeProbeRun(seed, context);
      try {
        return await body(r);
      } finally {
        r.dispose();
      }
    });
  await run('metadata', () => checkPluginMetadata(source, 'probe'));
  await run('schema', () => checkPluginSchema(source, options));
  await inRun('registration', (r) => {
    try {
      return checkRegistration(r, plugin());
    } finally {
      for (const p of resolveAll(r.container, PROBE)) if (typeof p?.dispose === 'function') p.dispose();
    }
  });
  await inRun('observe', (r) => checkObserve(r, plugin(), seed, lr));
  await inRun('no-side-effects', (r) => checkNoSideEffects(r, plugin(), seed, lr));
  await run('state-round-trip', () => checkStateRoundTrip(seed, context, plugin, suite.observations ?? d.observations, lr));
  await inRun('no-tensor-growth', (r) => checkTensorGrowth(r, plugin(), suite.growthObservations ?? d.growthObservations));
  await inRun('dispose', (r) => checkDispose(r, plugin()));
  return { plugin: pluginLabel(source), results };
}
