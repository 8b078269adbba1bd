import * as tf from '@tensorflow/tfjs-core';
import { isPluginInstance, Rng, type Dataset, type Loss, type Metrics, type Model, type PluginInstance, type Task, type TaskData, type z } from '@precond/core';
import { firstBitDifference, firstDifference } from '../compare/compare.js';
import { metricsProblems } from '../metrics/validate-metrics.js';
import { checkPluginMetadata } from '../plugin/metadata.js';
import { instantiate, pluginLabel, type PluginSource } from '../plugin/plugin-source.js';
import { checkPluginSchema } from '../plugin/schema.js';
import { describeThrown, fail, pass, runCheck, type CheckResult, type ConformanceReport } from '../report/report.js';
import { loadStates, saveStates, snapshotDifference, snapshotState } from '../state/checkpoint.js';
import { readModelParameters, tensorIsFinite } from '../tensors/read.js';
import { gradientDescentStep } from '../training/trainer.js';
import {
  buildModel,
  composeTaskRun,
  datasetDifference,
  disposeTaskData,
  makeTaskData,
  readDataset,
  type TaskRun,
} from './task-run.js';

/** The checks of the task suite, in the order they run. */
export const TASK_CHECKS = [
  'metadata',
  'schema',
  'registration',
  'data-determinism',
  'data-shapes',
  'loss',
  'default-model',
  'metrics',
  'state-round-trip',
  'no-tensor-growth',
] as const;
export type TaskCheck = (typeof TASK_CHECKS)[number];

/** Settings of the task suite; every field is optional (see `TASK_SUITE_DEFAULTS`). */
export interface TaskSuiteOptions<O = Record<string, unknown>> {
  readonly options?: O;
  readonly seed?: number;
  /** Model plugin the metrics and state checks evaluate; default the task's `defaultModel()`. */
  readonly model?: PluginSource;
  /**
   * Tolerance of the loss's consistency with autodiff: `|a - b| ≤ tol · (1 + max |b|)` for the
   * output gradient and the output Hessian applied to a vector.
   */
  readonly lossTolerance?: number;
  /** Logged steps before the state checkpoint (gradient-descent steps in between). */
  readonly metricsSteps?: number;
  /** Step size of those gradient-descent steps. */
  readonly trainingLr?: number;
  /** Calls of `makeData` and `metrics` counted by `no-tensor-growth`. */
  readonly growthCalls?: number;
  /** Run only these checks (default: all of `TASK_CHECKS`). */
  readonly checks?: readonly TaskCheck[];
}

/** What the task suite uses for every setting not given. */
export const TASK_SUITE_DEFAULTS = {
  seed: 0,
  /** float32 autodiff and a hand-written gradient agree to ~1e-6 relative; 1e-4 leaves room for reductions in another order. */
  lossTolerance: 1e-4,
  metricsSteps: 3,
  trainingLr: 0.01,
  growthCalls: 10,
} as const;

/** Names the runner writes into a metrics row itself (`opt.` is the optimizer's prefix). */
const RESERVED_METRICS = ['step', 'time_s', 'loss', 'opt.'];

const TASK_MEMBERS = ['makeData', 'defaultModel', 'metrics', 'getState', 'setState'] as const;
const LOSS_MEMBERS = ['value', 'outputGradient', 'outputHessian'] as const;

function checkRegistration(run: TaskRun): CheckResult {
  const { task } = run;
  const problems: string[] = [];
  if (typeof task !== 'object' || task === null) return fail('registration', `TASK resolved to ${String(task)}, not a task object`);
  for (const m of TASK_MEMBERS) if (typeof task[m] !== 'function') problems.push(`the task has no ${m}()`);
  for (const key of ['inputSize', 'outputSize'] as const) {
    if (!Number.isInteger(task[key]) || task[key] < 1) problems.push(`task.${key} is ${String(task[key])}, not a positive integer`);
  }
  const loss = task.loss as Partial<Loss> | undefined;
  if (!loss || typeof loss !== 'object') problems.push('the task has no loss');
  else {
    if (typeof loss.name !== 'string' || loss.name.length === 0) problems.push('task.loss.name is not a non-empty string');
    for (const m of LOSS_MEMBERS) if (typeof loss[m] !== 'function') problems.push(`task.loss has no ${m}()`);
  }
  if (problems.length > 0) return fail('registration', problems.join('; '), { problems });
  return pass('registration', `registering in a fresh run container provides TASK (${task.inputSize} → ${task.outputSize}, loss '${task.loss.name}')`);
}

/**
 * `data-determinism`: `makeData` is a pure function of its RNG stream: called twice on one task
 * (a resume calls it again) and once on a task from a second container with the same seed, it
 * returns bit-identical data.
 */
async function checkDataDeterminism(source: () => PluginInstance, seed: number): Promise<CheckResult> {
  const a = composeTaskRun(source(), seed);
  const b = composeTaskRun(source(), seed);
  const made: TaskData[] = [];
  try {
    const first = makeTaskData(a);
    made.push(first);
    const again = makeTaskData(a);
    made.push(again);
    const other = makeTaskData(b);
    made.push(other);
    for (const [label, data] of [
      ['makeData called again on the same task (as on resume)', again],
      [`a second task made with seed ${seed}`, other],
    ] as const) {
      for (const split of ['train', 'test'] as const) {
        const x = first[split];
        const y = data[split];
        if (!x && !y) continue;
        if (!x || !y) return fail('data-determinism', `${label} has ${y ? 'a' : 'no'} ${split} set where the first call has ${x ? 'one' : 'none'}`);
        const diff = datasetDifference(await readDataset(x), await readDataset(y));
        if (diff) {
          return fail('data-determinism', `${label} made different ${split} data: ${diff}; draw every random number from the rng makeData is given, never Math.random`);
        }
      }
    }
    return pass('data-determinism', `makeData returns bit-identical data from equal RNG streams (seed ${seed}, three calls)`);
  } finally {
    made.forEach(disposeTaskData);
    a.container.clearInstances();
    b.container.clearInstances();
  }
}

async function datasetProblems(task: Task, split: string, ds: Dataset | undefined): Promise<string[]> {
  if (!ds || typeof ds !== 'object') return [`makeData returned no ${split} set`];
  const problems: string[] = [];
  const parts = [
    ['x', ds.x, task.inputSize, 'inputSize'],
    ['y', ds.y, task.outputSize, 'outputSize'],
  ] as const;
  for (const [name, t, width, widthName] of parts) {
    if (!(t instanceof tf.Tensor)) {
      problems.push(`${split}.${name} is not a tensor`);
      continue;
    }
    if (t.rank !== 2) problems.push(`${split}.${name} has shape [${t.shape.join(', ')}], not [n, ${widthName}]`);
    else if (t.shape[1] !== width) problems.push(`${split}.${name} has ${t.shape[1]} columns, task.${widthName} is ${width}`);
    if (t.dtype !== 'float32') problems.push(`${split}.${name} has dtype ${t.dtype}, not float32`);
    else if (!(await tensorIsFinite(t))) problems.push(`${split}.${name} holds non-finite values`);
  }
  if (ds.x instanceof tf.Tensor && ds.y instanceof tf.Tensor) {
    if (ds.x.shape[0] !== ds.y.shape[0]) problems.push(`${split}.x has ${ds.x.shape[0]} rows but ${split}.y has ${ds.y.shape[0]}`);
    if (ds.x.shape[0] === 0) problems.push(`${split} has no samples`);
  }
  return problems;
}

/** `data-shapes`: train (and test) are float32, finite, `[n, inputSize]` and `[n, outputSize]` with n ≥ 1. */
async function checkDataShapes(run: TaskRun): Promise<CheckResult> {
  const data = makeTaskData(run);
  try {
    const problems = [...(await datasetProblems(run.task, 'train', data.train))];
    if (data.test !== undefined) problems.push(...(await datasetProblems(run.task, 'test', data.test)));
    if (problems.length > 0) return fail('data-shapes', problems.join('; '), { problems });
    const n = data.train.x.shape[0];
    return pass('data-shapes', `train is [${n}, ${run.task.inputSize}] → [${n}, ${run.task.outputSize}]${data.test ? `, test [${data.test.x.shape[0]}, ...]` : ''}, float32 and finite`);
  } finally {
    disposeTaskData(data);
  }
}

/** Largest `|a - b|` relative to `1 + max |b|`. */
async function relativeError(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const t = tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(a, b))), tf.add(1, tf.max(tf.abs(b)))));
  const [v] = await t.data();
  t.dispose();
  return v!;
}

/**
 * `loss`: at `pred = y + 0.5·ε` (ε standard normal from the seed), `value` is a finite scalar,
 * `outputGradient` is `n · ∂value/∂pred` (autodiff), and `outputHessian` applied to a random
 * `w` is `∂⟨outputGradient, w⟩/∂pred` per sample (autodiff; the Hessian is symmetric). Gauss-Newton
 * and K-FAC use the last two, so a mismatch silently breaks them.
 */
async function checkLoss(run: TaskRun, seed: number, tolerance: number): Promise<CheckResult> {
  const data = makeTaskData(run);
  const { loss } = run.task;
  const y = data.train.y;
  const [n, k] = y.shape;
  const rng = new Rng(seed).fork('conformance-loss');
  const noise = tf.tensor2d(rng.fill(n * k, (r) => 0.5 * r.normal()), [n, k]);
  const w = tf.tensor2d(rng.fill(n * k, (r) => r.normal()), [n, k]);
  const pred = tf.add(y, noise) as tf.Tensor2D;
  const owned: tf.Tensor[] = [noise, w, pred];
  try {
    const problems: string[] = [];
    const value = loss.value(pred, y);
    owned.push(value);
    if (value.rank !== 0) problems.push(`loss.value returned shape [${value.shape.join(', ')}], not a scalar`);
    else if (!(await tensorIsFinite(value))) problems.push(`loss.value is ${(await value.data())[0]} at pred = y + noise`);
    const gradient = loss.outputGradient(pred, y);
    owned.push(gradient);
    const auto = tf.tidy(() => tf.mul(tf.grad((p: tf.Tensor) => loss.value(p as tf.Tensor2D, y))(pred), n));
    owned.push(auto);
    let gradientError: number | null = null;
    if (gradient.shape.join('x') !== `${n}x${k}`) problems.push(`loss.outputGradient has shape [${gradient.shape.join(', ')}], not [${n}, ${k}]`);
    else if (!(await tensorIsFinite(gradient))) problems.push('loss.outputGradient holds non-finite values');
    else {
      gradientError = await relativeError(gradient, auto);
      if (!(gradientError <= tolerance)) {
        problems.push(`loss.outputGradient differs from n · ∂value/∂pred by ${gradientError.toPrecision(3)} (relative, tolerance ${tolerance}): it must be the per-sample ∂ℓ_i/∂f_i of value = (1/n) Σ ℓ_i`);
      }
    }
    const hessian = loss.outputHessian(pred, y);
    if (hessian instanceof tf.Tensor) owned.push(hessian);
    let hessianError: number | null = null;
    let hw: tf.Tensor | undefined;
    if (typeof hessian === 'number') {
      if (!Number.isFinite(hessian)) problems.push(`loss.outputHessian is ${hessian}`);
      else hw = tf.mul(w, hessian);
    } else if (hessian instanceof tf.Tensor) {
      if (hessian.shape.join('x') !== `${n}x${k}x${k}`) problems.push(`loss.outputHessian has shape [${hessian.shape.join(', ')}], not [${n}, ${k}, ${k}]`);
      else if (!(await tensorIsFinite(hessian))) problems.push('loss.outputHessian holds non-finite values');
      else hw = tf.tidy(() => tf.squeeze(tf.matMul(hessian, tf.expandDims(w, 2)), [2]));
    } else problems.push(`loss.outputHessian returned ${typeof hessian}, not a number or a [n, k, k] tensor`);
    if (hw) {
      owned.push(hw);
      const autoHw = tf.tidy(() => tf.grad((p: tf.Tensor) => tf.sum(tf.mul(loss.outputGradient(p as tf.Tensor2D, y), w)))(pred));
      owned.push(autoHw);
      hessianError = await relativeError(hw, autoHw);
      if (!(hessianError <= tolerance)) {
        problems.push(`loss.outputHessian · w differs from ∂⟨outputGradient, w⟩/∂pred by ${hessianError.toPrecision(3)} (relative, tolerance ${tolerance})`);
      }
    }
    if (pred.isDisposed || y.isDisposed) problems.push('the loss disposed its inputs; the caller owns them');
    const details = { gradientError, hessianError, tolerance };
    if (problems.length > 0) return fail('loss', problems.join('; '), { ...details, problems });
    return pass('loss', `'${loss.name}' is finite and its output gradient and Hessian agree with autodiff (errors ${gradientError?.toPrecision(2)}, ${hessianError?.toPrecision(2)}; tolerance ${tolerance})`, details);
  } finally {
    owned.forEach((t) => t.dispose());
    disposeTaskData(data);
  }
}

async function modelProblems(model: Model, data: TaskData, outputSize: number): Promise<string[]> {
  const problems: string[] = [];
  if (!Array.isArray(model?.params)) return ['the model has no params array'];
  const names = new Set<string>();
  let size = 0;
  for (const p of model.params) {
    if (typeof p?.name !== 'string' || !(p.variable instanceof tf.Variable)) {
      problems.push(`a parameter is not { name, variable: tf.Variable }`);
      continue;
    }
    if (names.has(p.name)) problems.push(`two parameters are named '${p.name}'`);
    names.add(p.name);
    size += p.variable.size;
  }
  if (model.parameterCount() !== size) problems.push(`parameterCount() is ${model.parameterCount()}, the parameters hold ${size} values`);
  const out = tf.tidy(() => model.apply(data.train.x));
  try {
    const n = data.train.x.shape[0];
    if (out.shape.join('x') !== `${n}x${outputSize}`) problems.push(`apply(train.x) has shape [${out.shape.join(', ')}], not [${n}, ${outputSize}]`);
    else if (!(await tensorIsFinite(out))) problems.push('apply(train.x) holds non-finite values');
  } finally {
    out.dispose();
  }
  return problems;
}

/**
 * `default-model`: `defaultModel()` is a model plugin object; registered in the task's run it
 * provides MODEL_FACTORY, whose model maps `train.x` to finite `[n, outputSize]` outputs.
 */
async function checkDefaultModel(run: TaskRun): Promise<CheckResult> {
  const plugin = run.task.defaultModel() as unknown;
  if (!isPluginInstance(plugin)) return fail('default-model', 'defaultModel() did not return a plugin object (e.g. mlp({ hidden: [32] }))');
  if (plugin.meta.kind !== 'model') return fail('default-model', `defaultModel() returned a ${plugin.meta.kind} plugin ('${plugin.meta.id}'), not a model plugin`);
  const data = makeTaskData(run);
  let model: Model | undefined;
  try {
    model = buildModel(run, plugin);
    const problems = await modelProblems(model, data, run.task.outputSize);
    if (problems.length > 0) return fail('default-model', `the default model '${plugin.meta.id}': ${problems.join('; ')}`, { problems });
    return pass('default-model', `defaultModel() is '${plugin.meta.id}' (${plugin.meta.name}), ${model.parameterCount()} parameters, with finite [n, ${run.task.outputSize}] outputs`);
  } finally {
    model?.dispose();
    disposeTaskData(data);
  }
}

/** A task run with data and a model (the suite's model plugin or the task's default). */
interface ModelledRun extends TaskRun {
  readonly data: TaskData;
  readonly model: Model;
  dispose(): void;
}

function composeModelledRun(source: () => PluginInstance, seed: number, modelSource: PluginSource | undefined): ModelledRun {
  const run = composeTaskRun(source(), seed);
  const data = makeTaskData(run);
  try {
    const model = buildModel(run, modelSource ? instantiate(modelSource) : run.task.defaultModel());
    return {
      ...run,
      data,
      model,
      dispose() {
        model.dispose();
        disposeTaskData(data);
        run.container.clearInstances();
      },
    };
  } catch (error) {
    disposeTaskData(data);
    run.container.clearInstances();
    throw error;
  }
}

/** Call `metrics` as the runner does at a logged step. */
async function metricsAt(run: ModelledRun, step: number): Promise<{ metrics: Metrics; outputsDisposed: boolean }> {
  const trainOutputs = tf.tidy(() => run.model.apply(run.data.train.x));
  try {
    const lossTensor = tf.tidy(() => run.task.loss.value(trainOutputs, run.data.train.y));
    const trainLoss = (await lossTensor.data())[0]!;
    lossTensor.dispose();
    const metrics = await run.task.metrics({ step, model: run.model, data: run.data, trainOutputs, trainLoss });
    return { metrics, outputsDisposed: trainOutputs.isDisposed };
  } finally {
    trainOutputs.dispose();
  }
}

/**
 * `metrics`: `metrics(ctx)` returns finite numbers or arrays of finite numbers under names the
 * runner does not write itself, leaves `trainOutputs` alive and the parameters unchanged.
 */
async function checkMetrics(source: () => PluginInstance, seed: number, modelSource: PluginSource | undefined): Promise<CheckResult> {
  const run = composeModelledRun(source, seed, modelSource);
  try {
    const before = await readModelParameters(run.model);
    const { metrics, outputsDisposed } = await metricsAt(run, 0);
    const problems = metricsProblems(metrics, 'metrics', RESERVED_METRICS);
    if (outputsDisposed) problems.push('metrics disposed trainOutputs, which the runner owns');
    const after = await readModelParameters(run.model);
    const changed = before.findIndex((b, i) => firstBitDifference(b, after[i]!) >= 0);
    if (changed >= 0) problems.push(`metrics changed the parameter '${run.model.params[changed]!.name}'`);
    if (problems.length > 0) return fail('metrics', problems.join('; '), { problems });
    return pass('metrics', `metrics returns ${Object.keys(metrics).join(', ') || '(none)'}, all finite`, { names: Object.keys(metrics) });
  } finally {
    run.dispose();
  }
}

/**
 * `state-round-trip`: after `metrics` at steps 0..k-1 (gradient-descent steps in between), the
 * task's `getState` goes through a checkpoint into a fresh task; at step k both return the same
 * metrics and afterwards the same state.
 */
async function checkStateRoundTrip(source: () => PluginInstance, seed: number, modelSource: PluginSource | undefined, steps: number, lr: number): Promise<CheckResult> {
  const a = composeModelledRun(source, seed, modelSource);
  try {
    const rng = new Rng(seed).fork('steps');
    for (let s = 0; s < steps; s++) {
      await metricsAt(a, s);
      gradientDescentStep(a.model, a.data.train, a.task.loss, lr, s + 1, rng);
    }
    const saved = await saveStates({ task: a.task.getState() });
    const b = composeModelledRun(source, seed, modelSource);
    try {
      const params = await readModelParameters(a.model);
      tf.tidy(() => b.model.params.forEach((p, i) => p.variable.assign(tf.tensor(params[i]!, p.variable.shape))));
      b.task.setState(loadStates(saved).task!);
      const ma = (await metricsAt(a, steps)).metrics;
      const mb = (await metricsAt(b, steps)).metrics;
      const diff = firstDifference(ma, mb);
      if (diff) return fail('state-round-trip', `after restoring the task state saved at step ${steps}, metrics differ from the uninterrupted task at ${diff}`);
      const stateDiff = snapshotDifference(await snapshotState(a.task.getState(), 'task'), await snapshotState(b.task.getState(), 'task'));
      if (stateDiff) return fail('state-round-trip', `metrics match, but afterwards the restored task state differs at ${stateDiff}`);
      return pass('state-round-trip', `restoring the task state of step ${steps} reproduces the next metrics and state exactly`);
    } finally {
      b.dispose();
    }
  } finally {
    a.dispose();
  }
}

/**
 * `no-tensor-growth`: after a warm-up call of each, `makeData` (its data then disposed), `metrics`
 * and the loss's three functions (their results disposed) leave the number of live tensors as it was.
 */
async function checkTensorGrowth(source: () => PluginInstance, seed: number, modelSource: PluginSource | undefined, calls: number): Promise<CheckResult> {
  const run = composeModelledRun(source, seed, modelSource);
  try {
    const { loss } = run.task;
    const round = async (step: number) => {
      disposeTaskData(makeTaskData(run));
      await metricsAt(run, step);
      const pred = tf.tidy(() => run.model.apply(run.data.train.x));
      const outs: unknown[] = [loss.value(pred, run.data.train.y), loss.outputGradient(pred, run.data.train.y), loss.outputHessian(pred, run.data.train.y)];
      for (const o of outs) if (o instanceof tf.Tensor) o.dispose();
      pred.dispose();
    };
    await round(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i <= calls; i++) await round(i);
    const after = tf.memory().numTensors;
    if (after !== before) {
      return fail('no-tensor-growth', `${calls} rounds of makeData, metrics and the loss changed the number of live tensors from ${before} to ${after}`, { before, after, calls });
    }
    return pass('no-tensor-growth', `${calls} rounds of makeData, metrics and the loss leave ${before} live tensors`, { before, after, calls });
  } finally {
    run.dispose();
  }
}

/**
 * Run the task conformance checks on a plugin; never throws for a misbehaving plugin.
 *
 * @example
 * const report = await checkTaskPlugin(fourierTarget, { options: { points: 64 } });
 */
export async function checkTaskPlugin<S extends z.ZodType>(source: PluginSource<S>, suite: TaskSuiteOptions<z.input<S>> = {}): Promise<ConformanceReport> {
  const d = TASK_SUITE_DEFAULTS;
  const seed = suite.seed ?? d.seed;
  const options = suite.options;
  const plugin = () => instantiate(source, options) as PluginInstance;
  const selected = new Set<string>(suite.checks ?? TASK_CHECKS);
  const results: CheckResult[] = [];
  const run = async (check: TaskCheck, body: () => Promise<CheckResult> | CheckResult) => {
    if (selected.has(check)) results.push(await runCheck(check, body));
  };
  /** Checks after registration need a registered task; one that does not register fails them all with the reason. */
  const withTask = async (check: TaskCheck, body: (run: TaskRun) => Promise<CheckResult> | CheckResult) =>
    run(check, async () => {
      let taskRun: TaskRun;
      try {
        taskRun = composeTaskRun(plugin(), seed);
      } catch (error) {
        return fail(check, `the task could not be registered: ${describeThrown(error)}`);
      }
      try {
        return await body(taskRun);
      } finally {
        taskRun.container.clearInstances();
      }
    });
  await run('metadata', () => checkPluginMetadata(source, 'task'));
  await run('schema', () => checkPluginSchema(source, options));
  await withTask('registration', checkRegistration);
  await run('data-determinism', () => checkDataDeterminism(plugin, seed));
  await withTask('data-shapes', checkDataShapes);
  await withTask('loss', (r) => checkLoss(r, seed, suite.lossTolerance ?? d.lossTolerance));
  await withTask('default-model', checkDefaultModel);
  await run('metrics', () => checkMetrics(plugin, seed, suite.model));
  await run('state-round-trip', () => checkStateRoundTrip(plugin, seed, suite.model, suite.metricsSteps ?? d.metricsSteps, suite.trainingLr ?? d.trainingLr));
  await run('no-tensor-growth', () => checkTensorGrowth(plugin, seed, suite.model, suite.growthCalls ?? d.growthCalls));
  return { plugin: pluginLabel(source), results };
}
