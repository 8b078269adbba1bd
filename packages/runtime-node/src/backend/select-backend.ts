import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendLoad } from './backend-load.js';
import { checkBackend } from '@precond/core';
import { measureMatMulGflops } from './measure.js';
import './register-backends.js';
import { loadTensorflowBackend } from './tensorflow.js';
import { explainSyncReads, loadWebGPUBackend, type SyncReadingBackend } from './webgpu.js';

/** What `selectBackend` accepts: a backend, or `auto` for the fastest one that works here. */
export const BACKEND_REQUESTS = ['auto', 'cpu', 'wasm', 'tensorflow', 'webgpu'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];
/** A backend `selectBackend` can switch to (its tfjs registry name). */
export type BackendName = Exclude<BackendRequest, 'auto'>;

/**
 * The order `auto` tries, fastest expected first: libtensorflow (native, multi-threaded, CUDA in
 * the -gpu build), then XNNPACK on wasm (20–40× the pure-JS cpu backend on matMul here), then cpu.
 * WebGPU is left out: in Node it needs Dawn, and on SwiftShader it is slower than wasm.
 */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** One backend `selectBackend` considered. */
export interface BackendCandidate {
  readonly name: BackendName;
  /** Installed and registered with tfjs-core. */
  readonly available: boolean;
  /** Whether it passed the conformance check; absent when it was not checked. */
  readonly passed?: boolean;
  /** Why it is unavailable, failed, or was not tried. */
  readonly reason?: string;
  /** matMul speed, when measured (`measure` option). */
  readonly gflops?: number;
}

/** The backend in use after `selectBackend`, for the run record. */
export interface BackendInfo {
  readonly name: BackendName;
  /** The backend package's version (tfjs-core's for the same release). */
  readonly version: string;
  /** The package that provides it: tells `@tensorflow/tfjs-node-gpu` from `@tensorflow/tfjs-node`. */
  readonly package: string;
  readonly request: BackendRequest;
  readonly candidates: readonly BackendCandidate[];
}

export interface SelectBackendOptions {
  /** Run the conformance check before accepting a backend (default true). */
  readonly check?: boolean;
  /**
   * Measure matMul speed on each backend that passes (default false). With `auto`, every
   * candidate is then tried and the fastest is picked, instead of the first in `AUTO_ORDER`.
   * `true` times 512²; `{ size }` another size.
   */
  readonly measure?: boolean | { readonly size: number };
  /**
   * Where optional peers (tfjs-node, webgpu) are looked up when @precond/runtime-node cannot
   * import them itself (default `process.cwd()`, the user's project).
   */
  readonly resolveFrom?: string;
}

/**
 * Switches tfjs to the backend `request` names, or with `auto` to the first of `tensorflow`,
 * `wasm`, `cpu` (fastest expected first) that is installed here and passes the conformance
 * check, and says what it chose and why. Called once at start-up, before any tensor is made; it changes
 * the global tfjs backend, so overlapping calls are queued: each starts when the one before has
 * settled (two at once would interleave their backend switches and checks).
 *
 * Throws when an explicitly requested backend is not installed (the message says what to
 * install), does not initialise, or fails the check; the backend active before stays active.
 *
 * @example
 * const info = await selectBackend('auto');
 * console.log(`${info.name} ${info.version}`); // wasm 4.22.0 where tfjs-node is not installed
 */
export function selectBackend(request: BackendRequest, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const next = selectionQueue.then(() => selectNow(request, options));
  selectionQueue = next.catch(() => undefined);
  return next;
}

/** The last selection started; the next one waits for it to settle. */
let selectionQueue: Promise<unknown> = Promise.resolve();

async function selectNow(request: BackendRequest, options: SelectBackendOptions): Promise<BackendInfo> {
  if (!(BACKEND_REQUESTS as readonly string[]).includes(request)) {
    throw new Error(`unknown backend '${String(request)}'; valid backends: ${BACKEND_REQUESTS.join(', ')}`);
  }
  // The cpu backend otherwise prints a hint to install tfjs-node on first use; choosing among
  // backends is this function's job, and its result is reported instead.
  tf.env().set('PROD', true);
  const previous = tf.getBackend() as string | null | undefined;
  const resolveFrom = options.resolveFrom ?? process.cwd();
  const check = options.check ?? true;
  const measureSize = options.measure === true ? 512 : options.measure ? options.measure.size : null;
  if (measureSize !== null && !(Number.isInteger(measureSize) && measureSize > 0)) {
    throw new Error(`measure.size must be a positive integer, got ${measureSize}`);
  }
  const order = request === 'auto' ? AUTO_ORDER : [request];
  const candidates: BackendCandidate[] = [];
  const passing: Array<{ name: BackendName; version: string; package: string; gflops: number | null }> = [];

  for (const name of order) {
    if (passing.length > 0 && measureSize === null) {
      candidates.push({ name, available: isRegistered(name), reason: `not tried: '${passing[0]!.name}' comes first and passed` });
      continue;
    }
    const load = await loadBackend(name, resolveFrom);
    if (!load.ok) {
      candidates.push({ name, available: false, reason: load.reason });
      continue;
    }
    const tried = await tryBackend(name, check, measureSize);
    candidates.push({ name, available: true, ...tried.candidate });
    if (tried.ok) passing.push({ name, version: load.version, package: load.package, gflops: tried.candidate.gflops ?? null });
  }

  const chosen = measureSize === null ? passing[0] : [...passing].sort((a, b) => (b.gflops ?? 0) - (a.gflops ?? 0))[0];
  if (!chosen) {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
    if (request !== 'auto') throw new Error(candidates[0]?.reason ?? `backend '${request}' is unusable`);
    throw new Error(`no backend is usable: ${candidates.map((c) => `${c.name}: ${c.reason ?? 'failed'}`).join('; ')}`);
  }
  if (tf.getBackend() !== chosen.name) await activate(chosen.name);
  return { name: chosen.name, version: chosen.version, package: chosen.package, request, candidates };
}

/**
 * Switches tfjs to `name` and waits until it is ready, skipping the conformance check: for test
 * set-up and scripts that have already checked. Returns the backend's name.
 */
export async function useBackend(name: BackendRequest): Promise<string> {
  return (await selectBackend(name, { check: false })).name;
}

/** Registers `name` with tfjs-core, importing its optional packages when it has some. */
async function loadBackend(name: BackendName, resolveFrom: string): Promise<BackendLoad> {
  switch (name) {
    case 'cpu':
      return { ok: true, version: version_cpu, package: '@tensorflow/tfjs-backend-cpu' };
    case 'wasm':
      return { ok: true, version: version_wasm, package: '@tensorflow/tfjs-backend-wasm' };
    case 'tensorflow':
      return loadTensorflowBackend(resolveFrom);
    case 'webgpu':
      return loadWebGPUBackend(resolveFrom);
  }
}

/** Activates, checks and measures one registered backend; leaves it active when it is usable. */
async function tryBackend(
  name: BackendName,
  check: boolean,
  measureSize: number | null,
): Promise<{ ok: boolean; candidate: Omit<BackendCandidate, 'name' | 'available'> }> {
  try {
    await activate(name);
  } catch (e) {
    return { ok: false, candidate: { passed: false, reason: (e as Error).message } };
  }
  if (check) {
    const report = await checkBackend(name);
    if (!report.passed) {
      const what = report.failures.map((f) => `${f.op} (${f.output}): ${f.detail}`).join('; ');
      return { ok: false, candidate: { passed: false, reason: `backend '${name}' failed the conformance check: ${what}` } };
    }
    // checkBackend restores what was active before it, which is `name` here.
  }
  const gflops = measureSize === null ? undefined : await measureMatMulGflops({ size: measureSize });
  return { ok: true, candidate: { ...(check ? { passed: true } : {}), ...(gflops === undefined ? {} : { gflops }) } };
}

async function activate(name: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new Error(`backend '${name}' could not be initialised: ${(e as Error).message}`);
  }
  if (!ok) throw new Error(`backend '${name}' could not be initialised (tfjs logged why above)`);
  await tf.ready();
  // Outside a browser, the webgpu backend's synchronous reads fail obscurely; say why instead.
  if (name === 'webgpu' && typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') {
    explainSyncReads(tf.findBackend('webgpu') as unknown as SyncReadingBackend);
  }
}

function isRegistered(name: BackendName): boolean {
  // cpu and wasm are dependencies and always registered; the others register when first loaded.
  return tf.findBackendFactory(name) !== null;
}
