import * as tf from '@tensorflow/tfjs-core';
import { importOptional } from './optional-module.js';
import type { BackendLoad } from './backend-load.js';

/** The optional peers that provide the `tensorflow` backend (libtensorflow through N-API), GPU build first. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const HOW_TO_INSTALL =
  'They are optional peers of @precond/runtime-node because their install script downloads libtensorflow ' +
  'from the internet, which fails on machines without internet access. Install one next to @precond/runtime-node: ' +
  '`pnpm add @tensorflow/tfjs-node` (CPU) or `pnpm add @tensorflow/tfjs-node-gpu` (CUDA), or choose another ' +
  'backend (wasm is the fastest that needs nothing extra).';

/** Imports tfjs-node(-gpu), which registers the `tensorflow` backend on the shared tfjs-core engine. */
export async function loadTensorflowBackend(resolveFrom: string): Promise<BackendLoad> {
  const problems: string[] = [];
  for (const name of TENSORFLOW_PACKAGES) {
    const found = await importOptional(name, resolveFrom);
    if (found.status === 'missing') continue;
    if (found.status === 'broken') {
      problems.push(`${name} is installed but failed to load: ${found.error.message}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') === null) {
      problems.push(
        `${name} loaded but did not register 'tensorflow' on the @tensorflow/tfjs-core ${tf.version_core} that ` +
          '@precond/runtime-node uses (it resolved another copy); install versions that share one tfjs-core',
      );
      continue;
    }
    return { ok: true, version: found.version ?? tf.version_core, package: name };
  }
  if (problems.length > 0) return { ok: false, reason: `backend 'tensorflow' is unusable: ${problems.join('; ')}` };
  return {
    ok: false,
    reason: `backend 'tensorflow' needs ${TENSORFLOW_PACKAGES.join(' or ')}, and neither is installed. ${HOW_TO_INSTALL}`,
  };
}
