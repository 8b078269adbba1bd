// The run worker: owns tfjs, the backend and the run store, and runs core's runner off the page's
// thread, so the tab stays responsive however long a step takes. The page talks to it with the
// messages of protocol.ts.
import { MemoryRunStore, readRunRecord, resumeRun, runVariant, type RunEnvironment, type RunEvent, type RunOutcome } from '@precond/core';
import { exportRunFiles, selectBrowserBackend, type BrowserBackendInfo, type BrowserBackendRequest } from '@precond/runtime-browser';
import * as tf from '@tensorflow/tfjs-core';
import { catalogEntry, type BuildChoices } from '../experiments/catalog.js';
import type { FromWorker, StartMessage, ToWorker } from './protocol.js';
import { WASM_PATHS } from './wasm-paths.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

/** Every run of this tab: resume continues in the same store, export reads from it. */
const store = new MemoryRunStore();
/** How each run's experiment was built, so that resume builds it the same way. */
const builds = new Map<string, { experiment: string; choices: BuildChoices }>();
let backend: BrowserBackendInfo | null = null;
let controller: AbortController | null = null;

async function useBackend(request: BrowserBackendRequest): Promise<BrowserBackendInfo> {
  if (backend && backend.request === request && tf.getBackend() === backend.name) return backend;
  backend = await selectBrowserBackend(request, { wasmPaths: WASM_PATHS });
  post({ type: 'backend', info: backend });
  return backend;
}

function environment(info: BrowserBackendInfo, experiment: string): RunEnvironment {
  return {
    // All of it goes into run.json: name and version as the CLI records them, plus the request,
    // the GPU adapter and every candidate with why it was or was not taken.
    backend: info,
    packages: { '@precond/playground': '0.1.0', '@tensorflow/tfjs-core': tf.version_core },
    gitCommit: null,
    experimentSource: `playground:${experiment}`,
  };
}

/** Forward runner events; send run.json as soon as a run has started (and again when it is done). */
function onEvent(event: RunEvent): void {
  post({ type: 'event', event });
  if (event.type === 'start') void sendRecord(event.location);
}

async function sendRecord(location: string): Promise<void> {
  const record = await readRunRecord(await store.open(location));
  post({ type: 'record', location, record });
}

async function finish(run: Promise<RunOutcome>): Promise<void> {
  const outcome = await run;
  await sendRecord(outcome.location);
  post({
    type: 'done',
    end: { status: outcome.status, location: outcome.location, step: outcome.step, ...(outcome.error ? { error: outcome.error.message } : {}) },
  });
}

async function start(message: StartMessage): Promise<void> {
  const info = await useBackend(message.backend);
  const experiment = catalogEntry(message.experiment).build(message.choices);
  controller = new AbortController();
  await finish(
    runVariant({
      experiment,
      variant: message.variant,
      seed: message.seed,
      overrides: message.overrides,
      store,
      environment: environment(info, message.experiment),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'start') builds.set(event.location, { experiment: message.experiment, choices: message.choices });
        onEvent(event);
      },
    }),
  );
}

async function resume(location: string, request: BrowserBackendRequest): Promise<void> {
  const build = builds.get(location);
  if (!build) throw new Error(`no run at '${location}' in this tab; runs here: ${[...builds.keys()].join(', ') || '(none)'}`);
  const info = await useBackend(request);
  controller = new AbortController();
  await finish(
    resumeRun({
      experiment: catalogEntry(build.experiment).build(build.choices),
      store,
      location,
      environment: environment(info, build.experiment),
      signal: controller.signal,
      onEvent,
    }),
  );
}

let busy = false;
scope.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'stop') {
    controller?.abort();
    return;
  }
  if (message.type === 'export') {
    void exportFiles(message.location, message.id);
    return;
  }
  if (busy) {
    post({ type: 'error', message: 'a run is in progress; stop it first' });
    return;
  }
  busy = true;
  const work = message.type === 'start' ? start(message) : resume(message.location, message.backend);
  work
    .catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }))
    .finally(() => {
      busy = false;
      controller = null;
    });
});

async function exportFiles(location: string, id: number): Promise<void> {
  try {
    const files = await exportRunFiles(await store.open(location));
    post({ type: 'files', id, files }, files.map((f) => f.data.buffer as ArrayBuffer));
  } catch (e) {
    post({ type: 'error', id, message: `export of '${location}' failed: ${(e as Error).message}` });
  }
}
