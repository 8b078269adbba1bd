import * as tf from '@tensorflow/tfjs-core';
import { createRunContainer, isProvided, provide, resolve, resolveAll, type DependencyContainer } from '../di/container.js';
import { CURVATURE_PROVIDER, MODEL_FACTORY, OPTIMIZER, PRECONDITIONER, PROBE, RNG, RUN_INFO, TASK } from '../di/tokens.js';
import type { CurvatureContext } from '../contracts/curvature.js';
import type { Model } from '../contracts/model.js';
import type { Optimizer, OptimizerInfo } from '../contracts/optimizer.js';
import { identityPreconditioner, type Preconditioner } from '../contracts/preconditioner.js';
import type { Probe, ProbeContext } from '../contracts/probe.js';
import type { Metrics, Task, TaskData } from '../contracts/task.js';
import { NonFiniteLossError, PrecondError, RunInterruptedError } from '../errors/errors.js';
import { getVariant, type ExperimentSpec, type RunSettings } from '../experiment/experiment.js';
import { groupOverrides, resolvePlugin, resolvedPluginJson, resolveSettings, type Overrides, type ResolvedPlugin } from '../experiment/compose.js';
import { DuplicatePluginError } from '../plugin/registry.js';
import { Rng } from '../rng/rng.js';
import { isDue } from '../schedules/when.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from '../state/safetensors.js';
import { deserializeState, disposeState, serializeState, tensorsToSafetensors, type State } from '../state/state.js';
import type { RunFolder, RunStore } from '../store/run-store.js';
import { BatchSampler } from './batches.js';
import { RunStepContext } from './step-context.js';

/** Lifecycle of a run record. */
export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/** Facts about where a run executes, recorded in run.json. */
export interface RunEnvironment {
  readonly backend: { readonly name: string; readonly version: string };
  /** Package name → version of what the run uses (plugins are added automatically). */
  readonly packages?: Readonly<Record<string, string>>;
  readonly gitCommit?: string | null;
  /** The experiment file, so `precond resume` can load it again. */
  readonly experimentSource?: string | null;
}

/** What the runner reports as it goes (the CLI draws a progress bar from these). */
export type RunEvent =
  | { type: 'start'; location: string; experiment: string; variant: string; seed: number; steps: number; startStep: number }
  | { type: 'step'; step: number; steps: number; loss: number }
  | { type: 'row'; row: Record<string, unknown> }
  | { type: 'end'; status: RunStatus; step: number; error?: string };

export interface RunRequest {
  readonly experiment: ExperimentSpec;
  readonly variant: string;
  readonly seed: number;
  readonly overrides?: Overrides;
  readonly store: RunStore;
  /** Run folder location; default `<experiment>/<variant>-s<seed>-<time>`. */
  readonly location?: string;
  readonly environment: RunEnvironment;
  /** Aborting stops the run after the current step, writes a checkpoint and marks it `interrupted`. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: RunEvent) => void;
}

export interface ResumeRequest {
  readonly experiment: ExperimentSpec;
  readonly store: RunStore;
  readonly location: string;
  readonly environment: RunEnvironment;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: RunEvent) => void;
}

export interface RunOutcome {
  readonly status: RunStatus;
  readonly location: string;
  /** Last step reached. */
  readonly step: number;
  readonly error?: Error;
}

/** The format tag of run.json. */
export const RUN_FORMAT = 'precond-run/1';

/** run.json as written by the runner (see ARCHITECTURE.md, "Run record"). */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  experiment: string;
  variant: string;
  seed: number;
  experiment_source: string | null;
  overrides: Record<string, unknown>;
  config: Record<string, unknown> | null;
  backend: { name: string; version: string };
  packages: Record<string, string>;
  git_commit: string | null;
  status: RunStatus;
  start_time: string;
  end_time: string | null;
  timing: { s_per_step: number | null; total_s: number; steps_timed: number };
  last_checkpoint: number | null;
  step: number;
  resumes: Array<{ time: string; from_step: number; backend: string }>;
  error: { code: string; message: string; step: number } | null;
}

/** Everything a run holds while it executes. */
interface Live {
  readonly container: DependencyContainer;
  readonly settings: RunSettings;
  readonly task: Task;
  readonly model: Model;
  readonly optimizer: Optimizer;
  readonly preconditioner: Preconditioner;
  readonly probes: readonly Probe[];
  readonly data: TaskData;
  readonly stepRng: Rng;
  readonly sampler: BatchSampler | null;
  readonly curvatureProvider: CurvatureProvider | undefined;
}
type CurvatureProvider = import('../contracts/curvature.js').CurvatureProvider;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function stamp(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds(), 3)}`;
}

/** JSON for metric rows: non-finite numbers become strings so the line stays valid JSON. */
function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}
function rowValue(v: Metrics[string] | string): unknown {
  if (typeof v === 'string') return v;
  return typeof v === 'number' ? jsonNumber(v) : v.map(jsonNumber);
}

/**
 * Build the plugins of one run inside a fresh child container and return their resolved options.
 * Registering two plugins with the same id in one run is an error naming both slots.
 */
function compose(spec: ExperimentSpec, variantName: string, seed: number, overrides: Overrides) {
  const variant = getVariant(spec, variantName);
  const probesIn = variant.probes ?? spec.probes ?? [];
  const groups = groupOverrides(overrides, probesIn.map((p) => p.meta.id));
  const settings = resolveSettings(spec, variantName, groups);
  const container = createRunContainer();
  const origins = new Map<string, string>();
  const register = (r: ResolvedPlugin) => {
    const key = `${r.plugin.meta.kind}:${r.plugin.meta.id}`;
    const here = `${r.slot} (${r.plugin.meta.name})`;
    const before = origins.get(key);
    if (before) throw new DuplicatePluginError(r.plugin.meta.id, before, here);
    origins.set(key, here);
    r.plugin.register(container, r.options as never, { slot: r.slot });
  };
  const rootRng = new Rng(seed);
  provide(container, RUN_INFO, { useValue: { experiment: spec.name, variant: variantName, seed, steps: settings.steps } });
  provide(container, RNG, { useValue: rootRng });

  const task = resolvePlugin('task', variant.task ?? spec.task, groups);
  register(task);
  const taskObject = resolve(container, TASK);
  const model = resolvePlugin('model', variant.model ?? spec.model ?? taskObject.defaultModel(), groups);
  register(model);
  const preconditioner = variant.preconditioner ? resolvePlugin('preconditioner', variant.preconditioner, groups) : null;
  if (preconditioner) register(preconditioner);
  else if (groups.has('preconditioner')) {
    throw new PrecondError('options', `--set preconditioner.*: variant '${variantName}' has no preconditioner to set options on`);
  }
  if (!isProvided(container, PRECONDITIONER)) provide(container, PRECONDITIONER, { useValue: identityPreconditioner() });
  const optimizer = resolvePlugin('optimizer', variant.optimizer, groups);
  register(optimizer);
  const probes = probesIn.map((p) => resolvePlugin(`probes.${p.meta.id}`, p, groups));
  probes.forEach(register);

  const config = {
    settings,
    task: resolvedPluginJson(task),
    model: resolvedPluginJson(model),
    optimizer: resolvedPluginJson(optimizer),
    preconditioner: preconditioner ? resolvedPluginJson(preconditioner) : null,
    probes: probes.map(resolvedPluginJson),
  };
  const packages: Record<string, string> = {};
  for (const r of [task, model, optimizer, preconditioner, ...probes]) if (r) packages[r.plugin.meta.name] = r.plugin.meta.version;
  return { container, settings, config, packages, rootRng, taskObject };
}

/** Construct the live objects of a run from its container. */
function instantiate(c: ReturnType<typeof compose>): Live {
  const { container, settings, rootRng, taskObject: task } = c;
  const data = task.makeData(rootRng.fork('data'));
  const model = resolve(container, MODEL_FACTORY).create({
    rng: rootRng.fork('model'),
    inputSize: task.inputSize,
    outputSize: task.outputSize,
  });
  const optimizer = resolve(container, OPTIMIZER);
  const preconditioner = resolve(container, PRECONDITIONER);
  const probes = resolveAll(container, PROBE);
  const ids = probes.map((p) => p.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new PrecondError('duplicate-probe', `two probes of this run report under the id '${twice}'; probe ids prefix metrics and must be unique`);
  const curvatureProvider = isProvided(container, CURVATURE_PROVIDER) ? resolve(container, CURVATURE_PROVIDER) : undefined;
  const trainSize = data.train.x.shape[0];
  const sampler = settings.batchSize === 'full' ? null : new BatchSampler(trainSize, settings.batchSize, rootRng.fork('batches'));
  optimizer.init(model.params);
  return { container, settings, task, model, optimizer, preconditioner, probes, data, stepRng: rootRng.fork('steps'), sampler, curvatureProvider };
}

function disposeLive(live: Live | undefined): void {
  if (!live) return;
  live.optimizer.dispose();
  live.probes.forEach((p) => p.dispose());
  live.model.dispose();
  live.data.train.x.dispose();
  live.data.train.y.dispose();
  live.data.test?.x.dispose();
  live.data.test?.y.dispose();
  live.container.clearInstances();
}

async function writeRecord(folder: RunFolder, record: RunRecord): Promise<void> {
  await folder.writeText('run.json', `${JSON.stringify(record, null, 2)}\n`);
}

/** Checkpoint `step`: parameters, every plugin state, RNG streams and sampler. */
async function writeCheckpoint(folder: RunFolder, live: Live, step: number, extra: Record<string, unknown>): Promise<void> {
  const dir = `checkpoints/step-${step}`;
  const tensors: Record<string, RawTensor> = {};
  const parts: Record<string, unknown> = {};
  const add = async (name: string, state: State) => {
    const s = await serializeState(state, name);
    Object.assign(tensors, s.tensors);
    parts[name] = s.json;
  };
  await add('optimizer', live.optimizer.getState());
  await add('preconditioner', live.preconditioner.getState());
  await add('task', live.task.getState());
  for (const p of live.probes) await add(`probes/${p.id}`, p.getState());
  await folder.writeBytes(`${dir}/state.safetensors`, encodeSafetensors(tensors, { step: String(step) }));
  await folder.writeText(
    `${dir}/state.json`,
    `${JSON.stringify({ step, rng: live.stepRng.getState(), sampler: live.sampler?.getState() ?? null, states: parts, ...extra }, null, 1)}\n`,
  );
  const params = live.model.params.map((p) => ({ name: p.name, tensor: p.variable as tf.Tensor }));
  await folder.writeBytes(`${dir}/params.safetensors`, await tensorsToSafetensors(params, { step: String(step) }));
}

async function readCheckpoint(folder: RunFolder, live: Live, step: number): Promise<Record<string, unknown>> {
  const dir = `checkpoints/step-${step}`;
  const where = `${folder.location}/${dir}`;
  const { tensors: params } = decodeSafetensors(await folder.readBytes(`${dir}/params.safetensors`), `${where}/params.safetensors`);
  for (const p of live.model.params) {
    const raw = params[p.name];
    if (!raw) throw new Error(`${where}/params.safetensors has no tensor '${p.name}'; the model does not match the checkpoint`);
    if (raw.shape.join('x') !== p.variable.shape.join('x')) {
      throw new Error(`${where}/params.safetensors: '${p.name}' has shape [${raw.shape}], the model expects [${p.variable.shape}]`);
    }
    tf.tidy(() => p.variable.assign(tf.tensor(raw.data as Float32Array, raw.shape)));
  }
  const { tensors } = decodeSafetensors(await folder.readBytes(`${dir}/state.safetensors`), `${where}/state.safetensors`);
  const json = JSON.parse(await folder.readText(`${dir}/state.json`)) as {
    rng: ReturnType<Rng['getState']>;
    sampler: ReturnType<BatchSampler['getState']> | null;
    states: Record<string, unknown>;
  } & Record<string, unknown>;
  live.optimizer.setState(deserializeState(json.states.optimizer, tensors));
  live.preconditioner.setState(deserializeState(json.states.preconditioner, tensors));
  live.task.setState(deserializeState(json.states.task, tensors));
  for (const p of live.probes) p.setState(deserializeState(json.states[`probes/${p.id}`], tensors));
  live.stepRng.setState(json.rng);
  if (live.sampler && json.sampler) live.sampler.setState(json.sampler);
  return json;
}

/**
 * Least time between two turns given to the host's event loop. A turn per step is a macrotask
 * round trip per step, pure overhead when a step takes a millisecond or less; a turn every 20 ms
 * still lets Ctrl-C, a parent process's message or a browser's frame through without a delay
 * anyone notices.
 */
const YIELD_INTERVAL_MS = 20;

/**
 * Let the host's event loop run (signal handlers, a browser tab's rendering). On cpu and wasm every
 * await in a step resolves at once, so without this a SIGINT would wait for the next file write.
 */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (g.setImmediate) return new Promise((r) => g.setImmediate!(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      r();
    };
    ch.port2.postMessage(null);
  });
}

/** The loop shared by fresh runs and resumes. */
async function execute(
  folder: RunFolder,
  record: RunRecord,
  live: Live,
  startStep: number,
  carried: { elapsed: number; lastInfo: OptimizerInfo; stepSeconds: number; stepsTimed: number },
  req: { signal?: AbortSignal; onEvent?: (e: RunEvent) => void },
): Promise<RunOutcome> {
  const { settings, model, task, optimizer, probes, data } = live;
  const steps = settings.steps;
  const evalWhen = settings.eval ?? settings.log;
  const clockStart = performance.now() - carried.elapsed * 1000;
  const elapsed = () => (performance.now() - clockStart) / 1000;
  let lastInfo = carried.lastInfo;
  let stepSeconds = carried.stepSeconds;
  let stepsTimed = carried.stepsTimed;
  let firstStepOfProcess = true;
  const saveTiming = () => {
    record.timing = { s_per_step: stepsTimed > 0 ? stepSeconds / stepsTimed : null, total_s: elapsed(), steps_timed: stepsTimed };
  };
  const checkpoint = async (s: number) => {
    await writeCheckpoint(folder, live, s, { elapsed: elapsed(), lastInfo, stepSeconds, stepsTimed });
    record.last_checkpoint = s;
    record.step = s;
    saveTiming();
    await writeRecord(folder, record);
  };
  let s = startStep;
  let lastYield = Number.NEGATIVE_INFINITY;
  try {
    for (; ; s++) {
      if (req.signal && performance.now() - lastYield >= YIELD_INTERVAL_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      const aborted = req.signal?.aborted === true;
      if (s === startStep || s === steps || aborted || (settings.checkpointEvery > 0 && s % settings.checkpointEvery === 0)) {
        if (!(s === startStep && record.last_checkpoint === s)) await checkpoint(s);
      }
      if (aborted) throw new RunInterruptedError(s);

      const batch = live.sampler ? live.sampler.gather(data.train) : data.train;
      const ctx = new RunStepContext(s + 1, model, batch, task.loss, live.stepRng, live.curvatureProvider, live.sampler !== null);
      try {
        // Observations of the state after `s` steps (probes share this step's curvature).
        const probesDue = probes.length === 0 ? probes : probes.filter((p) => isDue(p.schedule, s) || s === steps);
        const evalDue = isDue(evalWhen, s) || s === steps;
        if (isDue(settings.log, s) || evalDue || probesDue.length > 0 || s === steps) {
          const row: Record<string, unknown> = { step: s, time_s: elapsed() };
          const trainOutputs = tf.tidy(() => model.apply(data.train.x));
          try {
            const lossTensor = tf.tidy(() => task.loss.value(trainOutputs, data.train.y));
            const trainLoss = (await lossTensor.data())[0]!;
            lossTensor.dispose();
            if (!Number.isFinite(trainLoss)) throw new NonFiniteLossError(s, trainLoss, 'training loss');
            row.loss = trainLoss;
            if (evalDue) {
              for (const [k, v] of Object.entries(await task.metrics({ step: s, model, data, trainOutputs, trainLoss }))) row[k] = rowValue(v);
            }
          } finally {
            trainOutputs.dispose();
          }
          if (s > 0) for (const [k, v] of Object.entries(lastInfo)) row[`opt.${k}`] = rowValue(v);
          let fullCurvature: CurvatureContext | undefined;
          const pctx: ProbeContext = {
            step: s,
            model,
            task,
            data,
            curvature: () => {
              if (!live.sampler) return ctx.curvature();
              if (!live.curvatureProvider) return ctx.curvature();
              fullCurvature ??= live.curvatureProvider.create(model, task.loss, data.train);
              return fullCurvature;
            },
          };
          try {
            for (const p of probesDue) {
              if (s === 0 && startStep === 0) await p.init(pctx);
              for (const [k, v] of Object.entries(await p.observe(pctx))) row[`${p.id}.${k}`] = rowValue(v);
            }
          } finally {
            fullCurvature?.dispose();
          }
          await folder.appendText('metrics.jsonl', `${JSON.stringify(row)}\n`);
          req.onEvent?.({ type: 'row', row });
        }
        if (s === steps) break;

        const t0 = performance.now();
        const result = await optimizer.step(ctx);
        const dt = (performance.now() - t0) / 1000;
        if (!Number.isFinite(result.loss)) throw new NonFiniteLossError(s + 1, result.loss);
        if (!firstStepOfProcess) {
          stepSeconds += dt;
          stepsTimed++;
        }
        firstStepOfProcess = false;
        lastInfo = result.info ?? {};
        req.onEvent?.({ type: 'step', step: s + 1, steps, loss: result.loss });
      } finally {
        ctx.dispose();
      }
    }
    record.status = 'completed';
    record.end_time = new Date().toISOString();
    record.step = steps;
    saveTiming();
    await writeRecord(folder, record);
    req.onEvent?.({ type: 'end', status: 'completed', step: steps });
    return { status: 'completed', location: folder.location, step: steps };
  } catch (error) {
    const interrupted = error instanceof RunInterruptedError;
    record.status = interrupted ? 'interrupted' : 'failed';
    record.end_time = new Date().toISOString();
    record.step = s;
    const e = error as Error;
    record.error = interrupted ? null : { code: (e as PrecondError).code ?? 'error', message: e.message, step: s };
    saveTiming();
    await writeRecord(folder, record);
    req.onEvent?.({ type: 'end', status: record.status, step: s, error: e.message });
    return { status: record.status, location: folder.location, step: s, error: e };
  }
}

function baseRecord(req: RunRequest | ResumeRequest, experiment: string, variant: string, seed: number, overrides: Overrides): RunRecord {
  return {
    format: RUN_FORMAT,
    experiment,
    variant,
    seed,
    experiment_source: req.environment.experimentSource ?? null,
    overrides: { ...overrides },
    config: null,
    backend: { ...req.environment.backend },
    packages: { ...(req.environment.packages ?? {}) },
    git_commit: req.environment.gitCommit ?? null,
    status: 'running',
    start_time: new Date().toISOString(),
    end_time: null,
    timing: { s_per_step: null, total_s: 0, steps_timed: 0 },
    last_checkpoint: null,
    step: 0,
    resumes: [],
    error: null,
  };
}

/**
 * Run one variant × seed of an experiment, writing its run record as it goes. Errors in the
 * experiment's options, NaN losses and interruptions do not throw: the record is marked
 * `failed`/`interrupted` and the outcome carries the error. An unknown variant throws before
 * anything is written.
 */
export async function runVariant(req: RunRequest): Promise<RunOutcome> {
  const spec = req.experiment;
  getVariant(spec, req.variant);
  const overrides = req.overrides ?? {};
  const location = req.location ?? `${spec.name}/${req.variant}-s${req.seed}-${stamp(new Date())}`;
  const folder = await req.store.create(location);
  const record = baseRecord(req, spec.name, req.variant, req.seed, overrides);
  await writeRecord(folder, record);
  await folder.writeText('metrics.jsonl', '');
  let live: Live | undefined;
  try {
    const composed = compose(spec, req.variant, req.seed, overrides);
    record.config = composed.config;
    Object.assign(record.packages, composed.packages);
    await writeRecord(folder, record);
    live = instantiate(composed);
  } catch (error) {
    disposeLive(live);
    const e = error as Error;
    record.status = 'failed';
    record.end_time = new Date().toISOString();
    record.error = { code: (e as PrecondError).code ?? 'error', message: e.message, step: 0 };
    await writeRecord(folder, record);
    req.onEvent?.({ type: 'end', status: 'failed', step: 0, error: e.message });
    return { status: 'failed', location: folder.location, step: 0, error: e };
  }
  req.onEvent?.({ type: 'start', location: folder.location, experiment: spec.name, variant: req.variant, seed: req.seed, steps: live.settings.steps, startStep: 0 });
  try {
    return await execute(folder, record, live, 0, { elapsed: 0, lastInfo: {}, stepSeconds: 0, stepsTimed: 0 }, req);
  } finally {
    disposeLive(live);
  }
}

/** Read a run record (run.json) from a folder, with a message naming the file when it is not one. */
export async function readRunRecord(folder: RunFolder): Promise<RunRecord> {
  let text: string;
  try {
    text = await folder.readText('run.json');
  } catch {
    throw new PrecondError('not-a-run', `${folder.location} holds no run.json: it is not a run folder`);
  }
  const record = JSON.parse(text) as RunRecord;
  if (record.format !== RUN_FORMAT) {
    throw new PrecondError('not-a-run', `${folder.location}/run.json has format '${String(record.format)}'; this version reads '${RUN_FORMAT}'`);
  }
  return record;
}

/**
 * Continue an interrupted (or crashed) run from its last checkpoint. The experiment must be the one
 * the run was started from; the resolved configuration is checked against run.json. Metric rows
 * from the checkpoint's step on are rewritten, so the result equals an uninterrupted run.
 */
export async function resumeRun(req: ResumeRequest): Promise<RunOutcome> {
  const folder = await req.store.open(req.location);
  const record = await readRunRecord(folder);
  if (record.status === 'completed') {
    throw new PrecondError('completed', `${folder.location} is already completed (step ${record.step}); nothing to resume`);
  }
  if (record.last_checkpoint === null) {
    throw new PrecondError('no-checkpoint', `${folder.location} has no checkpoint to resume from (it failed before step 0 was saved)`);
  }
  if (record.experiment !== req.experiment.name) {
    throw new PrecondError('mismatch', `${folder.location} belongs to experiment '${record.experiment}', not '${req.experiment.name}'`);
  }
  const composed = compose(req.experiment, record.variant, record.seed, record.overrides);
  const a = JSON.stringify(composed.config);
  const b = JSON.stringify(record.config);
  if (a !== b) {
    composed.container.clearInstances();
    throw new PrecondError(
      'mismatch',
      `the experiment's configuration for '${record.variant}' no longer matches ${folder.location}/run.json; resume needs the experiment as it was when the run started`,
    );
  }
  const live = instantiate(composed);
  try {
    const start = record.last_checkpoint;
    const extra = await readCheckpoint(folder, live, start);
    // Keep the metric rows before the checkpoint; the loop writes the rest again.
    const kept = (await folder.readText('metrics.jsonl'))
      .split('\n')
      .filter((l) => l.trim().length > 0 && (JSON.parse(l) as { step: number }).step < start);
    await folder.writeText('metrics.jsonl', kept.map((l) => `${l}\n`).join(''));
    record.status = 'running';
    record.end_time = null;
    record.error = null;
    record.resumes.push({ time: new Date().toISOString(), from_step: start, backend: req.environment.backend.name });
    await writeRecord(folder, record);
    req.onEvent?.({ type: 'start', location: folder.location, experiment: record.experiment, variant: record.variant, seed: record.seed, steps: live.settings.steps, startStep: start });
    return await execute(
      folder,
      record,
      live,
      start,
      {
        elapsed: (extra.elapsed as number) ?? 0,
        lastInfo: (extra.lastInfo as OptimizerInfo) ?? {},
        stepSeconds: (extra.stepSeconds as number) ?? 0,
        stepsTimed: (extra.stepsTimed as number) ?? 0,
      },
      req,
    );
  } finally {
    disposeLive(live);
  }
}

/** Free a state restored from a checkpoint that nobody took over (used by tools). */
export { disposeState };
