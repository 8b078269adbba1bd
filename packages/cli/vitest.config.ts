import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    // Builds dist/ once before any test file spawns `node dist/bin.js`.
    test: { globalSetup: ['./src/test-support/global-setup.ts'] },
  }),
);
