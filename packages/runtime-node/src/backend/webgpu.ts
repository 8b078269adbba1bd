import * as tf from '@tensorflow/tfjs-core';
import type { BackendLoad } from './backend-load.js';
import { importOptional } from './optional-module.js';

/** The command that installs what the `webgpu` backend needs in Node. */
export const WEBGPU_INSTALL_COMMAND = 'pnpm add webgpu @tensorflow/tfjs-backend-webgpu';

/** Where Debian's chromium keeps SwiftShader's Vulkan driver, which Dawn can run on without a GPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const WITHOUT_A_GPU =
  // chromium ships the SwiftShader driver; libvulkan1 is the Vulkan loader Dawn opens to reach it
  // (chromium's own copy of the loader is not on the library path).
  `On a machine without a GPU, Dawn runs on SwiftShader: \`apt-get install chromium libvulkan1\` and run with ` +
  `\`VK_ICD_FILENAMES=${SWIFTSHADER_ICD}\`.`;

interface GpuHost {
  navigator?: { gpu?: { requestAdapter(options?: object): Promise<unknown> } };
}

/** The version of the backend package, kept from the call that registered it. */
let registeredVersion: string | null = null;

/**
 * Provides `navigator.gpu` from the `webgpu` package (Dawn) and imports
 * `@tensorflow/tfjs-backend-webgpu`, which registers the `webgpu` backend. The backend registers
 * only if `navigator.gpu` exists when it is first imported, hence this order.
 */
export async function loadWebGPUBackend(resolveFrom: string): Promise<BackendLoad> {
  if (tf.findBackendFactory('webgpu') !== null) {
    return { ok: true, version: registeredVersion ?? tf.version_core, package: '@tensorflow/tfjs-backend-webgpu' };
  }
  const host = globalThis as unknown as GpuHost;
  if (!host.navigator?.gpu) {
    const dawn = await importOptional('webgpu', resolveFrom);
    if (dawn.status !== 'loaded') return missing("'webgpu' (Dawn for Node)", dawn.status === 'broken' ? dawn.error : null);
    const { create, globals } = dawn.module as { create?: (flags: string[]) => unknown; globals?: object };
    if (typeof create !== 'function' || typeof globals !== 'object' || globals === null) {
      return { ok: false, reason: "backend 'webgpu': the installed 'webgpu' package exports no create() and globals; install a current one" };
    }
    // tfjs-backend-webgpu reads the GPU* constants (GPUBufferUsage, ...) as globals, as in a browser.
    Object.assign(globalThis, globals);
    // Node 20 has no navigator; later versions have one without gpu.
    if (!host.navigator) host.navigator = {};
    Object.defineProperty(host.navigator, 'gpu', { value: create([]), configurable: true, writable: true });
  }
  const adapter = await host.navigator!.gpu!.requestAdapter();
  if (adapter === null || adapter === undefined) {
    return {
      ok: false,
      reason:
        "backend 'webgpu': navigator.gpu.requestAdapter() found no GPU adapter (Dawn saw no usable Vulkan device). " +
        WITHOUT_A_GPU,
    };
  }
  const backend = await importOptional('@tensorflow/tfjs-backend-webgpu', resolveFrom);
  if (backend.status !== 'loaded') return missing("'@tensorflow/tfjs-backend-webgpu'", backend.status === 'broken' ? backend.error : null);
  if (tf.findBackendFactory('webgpu') === null) {
    return {
      ok: false,
      reason:
        `backend 'webgpu': @tensorflow/tfjs-backend-webgpu loaded but did not register on the @tensorflow/tfjs-core ` +
        `${tf.version_core} that @precond/runtime-node uses: either it resolved another copy of tfjs-core (install ` +
        `@tensorflow/tfjs-backend-webgpu@${tf.version_core} next to @precond/runtime-node), or it was imported ` +
        'before navigator.gpu existed (let selectBackend import it)',
    };
  }
  registeredVersion = backend.version;
  return { ok: true, version: backend.version ?? tf.version_core, package: '@tensorflow/tfjs-backend-webgpu' };
}

function missing(what: string, error: Error | null): BackendLoad {
  const problem = error ? `${what} is installed but failed to load (${error.message})` : `${what} cannot be imported`;
  return {
    ok: false,
    reason:
      `backend 'webgpu' needs the optional packages 'webgpu' (Dawn for Node) and '@tensorflow/tfjs-backend-webgpu', ` +
      `and ${problem}. Install them next to @precond/runtime-node: \`${WEBGPU_INSTALL_COMMAND}\`. ${WITHOUT_A_GPU}`,
  };
}

/** What `explainSyncReads` patches: the backend's synchronous read. */
export interface SyncReadingBackend {
  readSync(dataId: object): unknown;
}

const explained = new WeakSet<object>();

/**
 * tfjs-backend-webgpu implements synchronous reads (`dataSync`, `arraySync`, and moving a tensor
 * to another backend) by drawing the buffer into an `OffscreenCanvas`, which browsers have and
 * Node does not, so in Node they fail with `ReferenceError: OffscreenCanvas is not defined`. This
 * makes that failure say what happened and what to use instead; every other read is untouched.
 */
export function explainSyncReads(backend: SyncReadingBackend): void {
  if (explained.has(backend)) return;
  explained.add(backend);
  const read = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    try {
      return read(dataId);
    } catch (e) {
      if (e instanceof ReferenceError && e.message.includes('OffscreenCanvas')) {
        throw new Error(
          "backend 'webgpu' in Node cannot read a tensor synchronously (dataSync, arraySync, or a tensor moved to another backend): " +
            'tfjs-backend-webgpu reads synchronously through OffscreenCanvas, which only browsers have. Read with `await tensor.data()` ' +
            '(or `array()`) instead.',
        );
      }
      throw e;
    }
  };
}
