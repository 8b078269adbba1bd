// The process `precond run --jobs N` starts N of: it loads the experiment and selects the backend
// once, then runs the (variant, seed) pairs the parent hands it, one at a time, each into its own
// run folder. It talks to the parent only through the IPC channel (see protocol.ts).
import { runVariant, type ExperimentSpec, type RunEnvironment, type RunEvent, type RunOutcome } from '@precond/core';
import { FsRunStore } from '@precond/runtime-node';
import { chooseBackend } from '../environment.js';
import { isUserError } from '../errors.js';
import { loadExperiment } from '../experiment/load-experiment.js';
import { writeRunReport, writeSummary } from '../outputs.js';
import { buildRegistry } from '../plugins.js';
import type { FromWorker, ToWorker, WireError } from './protocol.js';

/** Least time between two step events sent to the parent for one run (its bar redraws at 10 fps). */
const STEP_EVENT_INTERVAL_MS = 100;

export function toWire(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(e.stack ? { stack: e.stack } : {}),
    user: isUserError(e),
  };
}

/** Send a message and wait until it has left this process (so exiting afterwards loses nothing). */
function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

interface Loaded {
  readonly spec: ExperimentSpec;
  readonly backend: RunEnvironment['backend'];
}

let loaded: Loaded | undefined;
/** The run in progress, so that an interrupt can reach it. */
let current: AbortController | undefined;
let interrupted = false;
let exiting = false;
/** Messages are handled one after another: a run message waits for init to finish. */
let queue: Promise<void> = Promise.resolve();

async function init(message: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  try {
    const registry = await buildRegistry(message.plugins, message.cwd);
    const { spec } = await loadExperiment(message.source, message.cwd, registry);
    const { backend, notice } = await chooseBackend(message.backend, message.cwd);
    loaded = { spec, backend };
    await send({ type: 'ready', backend, notice });
  } catch (error) {
    await send({ type: 'init-failed', error: toWire(error) });
    process.exit(1);
  }
}

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const { index } = message;
  if (!loaded) throw new Error('a run arrived before the worker was initialised');
  const controller = new AbortController();
  current = controller;
  if (interrupted) controller.abort();
  let lastStepSent = Number.NEGATIVE_INFINITY;
  const onEvent = (event: RunEvent) => {
    if (event.type === 'step') {
      const now = performance.now();
      if (now - lastStepSent < STEP_EVENT_INTERVAL_MS) return;
      lastStepSent = now;
    }
    // Progress needs only a row's step and loss; a row may hold long arrays (probe spectra).
    const forwarded: RunEvent = event.type === 'row' ? { type: 'row', row: { step: event.row.step, loss: event.row.loss } } : event;
    void send({ type: 'event', index, event: forwarded });
  };
  const store = new FsRunStore(message.out);
  let outcome: RunOutcome;
  try {
    outcome = await runVariant({
      experiment: loaded.spec,
      variant: message.variant,
      seed: message.seed,
      overrides: message.overrides,
      store,
      environment: { ...message.environment, backend: loaded.backend },
      signal: controller.signal,
      onEvent,
    });
  } catch (error) {
    await send({ type: 'crashed', index, error: toWire(error) });
    return;
  } finally {
    current = undefined;
  }
  let outputError: string | undefined;
  try {
    const folder = await store.open(outcome.location);
    const run = await writeSummary(folder);
    // As in one process: no reports after an interruption (the user asked to stop).
    if (message.report && outcome.status !== 'interrupted') await writeRunReport(folder, run);
  } catch (error) {
    outputError = (error as Error).message;
  }
  await send({
    type: 'done',
    index,
    status: outcome.status,
    location: outcome.location,
    step: outcome.step,
    ...(outcome.error ? { error: toWire(outcome.error) } : {}),
    ...(outputError !== undefined ? { outputError } : {}),
  });
}

function interrupt(): void {
  interrupted = true;
  current?.abort();
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      queue = queue.then(() => init(message));
      break;
    case 'run':
      queue = queue.then(() => run(message)).catch(async (error) => {
        await send({ type: 'crashed', index: message.index, error: toWire(error) });
      });
      break;
    case 'interrupt':
      interrupt();
      break;
    case 'exit':
      exiting = true;
      // Exit explicitly once the queue is empty: a backend may keep handles open.
      void queue.then(() => process.exit(0));
      break;
  }
});

// Ctrl-C on a terminal reaches every process of the group; the parent forwards it as 'interrupt'
// (and a second one ends this process), so the signal itself is ignored here.
process.on('SIGINT', () => {});
// Without a parent nobody reads the results: stop the run in progress (it checkpoints) and exit.
process.on('disconnect', () => {
  if (exiting) return;
  interrupt();
  void queue.then(() => process.exit(0));
});
