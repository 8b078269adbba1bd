import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { checkBackend } from '@precond/core';
import { registerCpuFallbackKernels, registerSliceCopyGather, registerSliceCopyTile, registerTransposingBatchMatMul, WASM_CPU_FALLBACK_KERNELS } from '@precond/core';
import './register-backends.js';
import { detectWebGPU } from './webgpu-detect.js';

/** What `selectBrowserBackend` accepts: a backend, or `auto` for the first that works here. */
export const BROWSER_BACKEND_REQUESTS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackendRequest = (typeof BROWSER_BACKEND_REQUESTS)[number];
/** A backend `selectBrowserBackend` can switch to (its tfjs registry name). */
export type BrowserBackendName = Exclude<BrowserBackendRequest, 'auto'>;

/**
 * The order `auto` tries: WebGPU (compute shaders, float32 storage), WebGL (fragment shaders;
 * float32 textures where the GPU has them), wasm (XNNPACK, SIMD), then the pure-JS cpu backend.
 */
export const BROWSER_AUTO_ORDER: readonly BrowserBackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** The three binaries of @tensorflow/tfjs-backend-wasm; which one loads depends on SIMD and threads support. */
export const WASM_BINARY_NAMES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
export type WasmBinaryName = (typeof WASM_BINARY_NAMES)[number];
/** Where the wasm binaries are served: a URL prefix ending in `/`, or one URL per binary (a bundler's asset URLs). */
export type WasmPaths = string | Readonly<Record<WasmBinaryName, string>>;

/** One backend `selectBrowserBackend` considered. */
export interface BrowserBackendCandidate {
  readonly name: BrowserBackendName;
  /** Its package loaded and registered with tfjs-core (for webgpu: an adapter was found too). */
  readonly available: boolean;
  /** Whether it passed the conformance check; absent when it was not checked. */
  readonly passed?: boolean;
  /** Why it is unavailable, failed, or was not tried. */
  readonly reason?: string;
  /** How long its conformance check took (both backends), in milliseconds. */
  readonly checkMs?: number;
}

/** The backend in use after `selectBrowserBackend`; a run passes it as `environment.backend`, so run.json records all of it. */
export interface BrowserBackendInfo {
  readonly name: BrowserBackendName;
  /** The backend package's version (tfjs-core's for the webgpu package, which exports none; they are released together). */
  readonly version: string;
  readonly package: string;
  readonly request: BrowserBackendRequest;
  /** The GPU adapter WebGPU runs on (`google swiftshader ...`), when the backend is webgpu. */
  readonly device?: string;
  readonly candidates: readonly BrowserBackendCandidate[];
}

export interface SelectBrowserBackendOptions {
  /** Run the conformance check against cpu before accepting a backend (default true). */
  readonly check?: boolean;
  /**
   * Where the wasm backend fetches its binaries. Bundled apps must pass the URLs their bundler
   * gives the files (Vite: `import url from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'`);
   * without it the wasm backend looks next to the page's script and fails to initialise.
   * Applied before the wasm backend first initialises; later calls cannot move it.
   */
  readonly wasmPaths?: WasmPaths;
  /** Normwise relative tolerance of the conformance check (default 1e-4, as in @precond/runtime-node). */
  readonly rtol?: number;
}

type Load = { ok: true; version: string; package: string; device?: string } | { ok: false; reason: string };

/**
 * Switches tfjs to the backend `request` names, or with `auto` to the first of webgpu, webgl,
 * wasm, cpu that is available here and passes the conformance check against cpu, and says what
 * it chose and why. WebGPU is taken only when `navigator.gpu` hands out an adapter. Call it once
 * before a run (it changes the global tfjs backend, so calls must not overlap); pass the result
 * as the run's `environment.backend`.
 *
 * Throws when an explicitly requested backend is unavailable, does not initialise, or fails the
 * check (the message says which op and by how much); the backend active before stays active.
 *
 * @example
 * const backend = await selectBrowserBackend('auto', { wasmPaths });
 * console.log(backend.name, backend.candidates);   // 'webgpu', [{ name: 'webgpu', available: true, passed: true }, ...]
 */
export async function selectBrowserBackend(request: BrowserBackendRequest, options: SelectBrowserBackendOptions = {}): Promise<BrowserBackendInfo> {
  if (!(BROWSER_BACKEND_REQUESTS as readonly string[]).includes(request)) {
    throw new Error(`unknown backend '${String(request)}'; valid backends: ${BROWSER_BACKEND_REQUESTS.join(', ')}`);
  }
  const previous = tf.getBackend() as string | null | undefined;
  const order = request === 'auto' ? BROWSER_AUTO_ORDER : [request];
  const candidates: BrowserBackendCandidate[] = [];
  let chosen: (Load & { ok: true; name: BrowserBackendName }) | null = null;
  for (const name of order) {
    if (chosen) {
      candidates.push({ name, available: tf.findBackendFactory(name) !== null, reason: `not tried: '${chosen.name}' comes first and passed` });
      continue;
    }
    const load = await loadBackend(name, options);
    if (!load.ok) {
      candidates.push({ name, available: false, reason: load.reason });
      continue;
    }
    const tried = await tryBackend(name, options);
    candidates.push({ name, available: true, ...tried.candidate });
    if (tried.ok) chosen = { ...load, name };
  }
  if (!chosen) {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
    if (request !== 'auto') throw new Error(candidates[0]?.reason ?? `backend '${request}' is unusable`);
    throw new Error(`no backend is usable: ${candidates.map((c) => `${c.name}: ${c.reason ?? 'failed'}`).join('; ')}`);
  }
  if (tf.getBackend() !== chosen.name) await activate(chosen.name);
  return {
    name: chosen.name,
    version: chosen.version,
    package: chosen.package,
    request,
    ...(chosen.device === undefined ? {} : { device: chosen.device }),
    candidates,
  };
}

/** Imports and registers backend `name` (each package is loaded only when it is tried). */
async function loadBackend(name: BrowserBackendName, options: SelectBrowserBackendOptions): Promise<Load> {
  switch (name) {
    case 'cpu':
      return { ok: true, version: version_cpu, package: '@tensorflow/tfjs-backend-cpu' };
    case 'webgpu': {
      const detected = await detectWebGPU();
      if (!detected.ok) return { ok: false, reason: `backend 'webgpu': ${detected.reason}` };
      // Registers 'webgpu' on import, because navigator.gpu exists now.
      await import('@tensorflow/tfjs-backend-webgpu');
      if (tf.findBackendFactory('webgpu') === null) {
        return { ok: false, reason: "backend 'webgpu': @tensorflow/tfjs-backend-webgpu loaded but did not register (it resolved another copy of @tensorflow/tfjs-core)" };
      }
      return { ok: true, version: tf.version_core, package: '@tensorflow/tfjs-backend-webgpu', device: detected.device };
    }
    case 'webgl': {
      const webgl = await import('@tensorflow/tfjs-backend-webgl');
      if (tf.findBackendFactory('webgl') === null) {
        return { ok: false, reason: "backend 'webgl': not registered; @tensorflow/tfjs-backend-webgl registers only in a page or a worker" };
      }
      return { ok: true, version: webgl.version_webgl, package: '@tensorflow/tfjs-backend-webgl' };
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // The paths must be set before the backend's first initialisation and cannot move after it.
      if (options.wasmPaths !== undefined && tf.findBackend('wasm') === null) wasm.setWasmPaths(options.wasmPaths as string | Record<string, string>);
      if (tf.findBackendFactory('wasm') === null) return { ok: false, reason: "backend 'wasm': @tensorflow/tfjs-backend-wasm loaded but did not register" };
      registerCpuFallbackKernels('wasm', WASM_CPU_FALLBACK_KERNELS);
      registerTransposingBatchMatMul('wasm');
      registerSliceCopyGather('wasm');
      registerSliceCopyTile('wasm');
      return { ok: true, version: wasm.version_wasm, package: '@tensorflow/tfjs-backend-wasm' };
    }
  }
}

/** Activates and checks one registered backend; leaves it active when it is usable. */
async function tryBackend(
  name: BrowserBackendName,
  options: SelectBrowserBackendOptions,
): Promise<{ ok: boolean; candidate: Omit<BrowserBackendCandidate, 'name' | 'available'> }> {
  try {
    await activate(name);
  } catch (e) {
    return { ok: false, candidate: { passed: false, reason: (e as Error).message } };
  }
  if (options.check ?? true) {
    const report = await checkBackend(name, options.rtol === undefined ? {} : { rtol: options.rtol });
    if (!report.passed) {
      const what = report.failures.map((f) => `${f.op} (${f.output}): ${f.detail}`).join('; ');
      return { ok: false, candidate: { passed: false, reason: `backend '${name}' failed the conformance check: ${what}`, checkMs: report.ms } };
    }
    return { ok: true, candidate: { passed: true, checkMs: report.ms } };
  }
  return { ok: true, candidate: {} };
}

async function activate(name: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new Error(`backend '${name}' could not be initialised: ${(e as Error).message}`);
  }
  if (!ok) throw new Error(`backend '${name}' could not be initialised (tfjs logged why on the console)`);
  await tf.ready();
}
