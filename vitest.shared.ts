import type { UserConfig } from 'vitest/config';

/**
 * Test settings every project shares: sources are resolved through the `@precond/source` export
 * condition, so tests run against `src` without a build; every test file starts on a real tfjs
 * backend (vitest.setup.ts). Results also go to `.tmp/vitest-results.json` so the suite's totals
 * can be summed across projects (tools/scripts/totals.mjs).
 */
export const sharedTestConfig: UserConfig = {
  resolve: { conditions: ['@precond/source'] },
  ssr: { resolve: { conditions: ['@precond/source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]],
  },
};
