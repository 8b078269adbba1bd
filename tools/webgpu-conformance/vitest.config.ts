// Every plugin's conformance suite (plugins/*/src/conformance.test.ts), run on the webgpu backend
// in Node: Dawn from the `webgpu` package, on SwiftShader where there is no GPU. The files are the
// plugins' own; only the backend differs, chosen by ./src/setup-webgpu.ts instead of the shared
// set-up file. Imports in those files resolve from the plugin folders, as in the plugins' own runs.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

const plugins = fileURLToPath(new URL('../../plugins', import.meta.url));

export default defineConfig({
  ...sharedTestConfig,
  test: {
    ...sharedTestConfig.test,
    // `dir` is where Vitest looks for test files; `include` is relative to it.
    dir: plugins,
    include: ['*/src/conformance.test.ts'],
    setupFiles: [fileURLToPath(new URL('./src/setup-webgpu.ts', import.meta.url))],
    // One file at a time: SwiftShader already uses every core, and two Dawn devices side by side
    // only add contention.
    fileParallelism: false,
    env: { PRECOND_TEST_BACKEND: 'webgpu' },
  },
});
