import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('@precond/testkit/vitest', () => {
  it('registers one describe per plugin with one it per check, failing exactly the checks the plugin fails', async () => {
    // The nested run marks this process as failed when its tests fail, as they are meant to.
    const exitCode = process.exitCode;
    const vitest = await startVitest('test', ['src/test-support/leaky-optimizer.conformance.ts'], {
      root,
      watch: false,
      include: ['src/test-support/*.conformance.ts'],
      // Silent, and without the JSON report, which belongs to the outer run.
      reporters: [{}],
    });
    try {
      const [file] = vitest.state.getFiles();
      const suite = file!.tasks[0]!;
      expect(suite.name).toBe('optimizer conformance: leaky (@example/optimizer-leaky@1.0.0)');
      const outcomes = (suite as { tasks: Array<{ name: string; result?: { state: string; errors?: Array<{ message: string }> } }> }).tasks.map((t) => [
        t.name,
        t.result?.state,
      ]);
      // The clone leaks one tensor per step; metadata is fine.
      expect(outcomes).toEqual([
        ['metadata', 'pass'],
        ['no-tensor-growth', 'fail'],
        ['dispose', 'fail'],
      ]);
      const growth = (suite as { tasks: Array<{ result?: { errors?: Array<{ message: string }> } }> }).tasks[1]!.result!.errors![0]!.message;
      expect(growth).toMatch(/leaky \(@example\/optimizer-leaky@1\.0\.0\) fails 'no-tensor-growth': 50 steps changed the number of live tensors/);
    } finally {
      await vitest.close();
      process.exitCode = exitCode;
    }
  });
});
