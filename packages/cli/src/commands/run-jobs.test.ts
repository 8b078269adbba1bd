import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readJson, readRows, removeDir, runCli, runFolders, startCli, tinyExperiment, waitFor, withoutTime, writeJson } from '../test-support/cli.js';
import { jobsFor } from './run.js';

interface RunJson {
  status: string;
  step: number;
  variant: string;
  seed: number;
  last_checkpoint: number | null;
  backend: { name: string };
  git_commit: string | null;
  packages: Record<string, string>;
  error: { code: string; message: string; step: number } | null;
}

let dir: string;
beforeAll(() => {
  dir = makeTempDir('jobs');
});
afterAll(() => removeDir(dir));

/** A fresh working folder with `experiment.json` from `tinyExperiment(patch)`. */
function workspace(name: string, patch: Record<string, unknown> = {}): string {
  const cwd = path.join(dir, name);
  writeJson(path.join(cwd, 'experiment.json'), tinyExperiment(patch));
  return cwd;
}

/** `sgd-s0-20250101-...` → `sgd-s0`. */
const runName = (folder: string) => path.basename(folder).replace(/-\d{8}-\d{6}-\d{3}$/, '');

/** The run folder of `name` (`sgd-s1`) under a store root. */
function folderOf(root: string, name: string): string {
  const hits = runFolders(root, 'tiny').filter((f) => runName(f) === name);
  expect(hits).toHaveLength(1);
  return hits[0]!;
}

const twoVariants = {
  settings: { steps: 20, seeds: [0, 1], log: { every: 5 } },
  variants: {
    sgd: { optimizer: { plugin: 'sgd', options: { lr: 0.05 } } },
    adam: { optimizer: { plugin: 'adam', options: { lr: 0.01 } } },
  },
};

describe('jobsFor', () => {
  it('defaults to one job per core, never more than the runs, and takes --jobs as given', () => {
    expect(jobsFor(undefined, 15, 2)).toBe(2);
    expect(jobsFor(undefined, 1, 2)).toBe(1);
    expect(jobsFor('4', 15, 2)).toBe(4);
    expect(jobsFor('4', 3, 2)).toBe(3);
    expect(jobsFor('1', 15, 8)).toBe(1);
  });

  it('refuses a count that is not a positive integer, naming --jobs', () => {
    expect(() => jobsFor('0', 15, 2)).toThrow("--jobs: expected a positive integer (1 runs everything in this process), got '0'");
    expect(() => jobsFor('two', 15, 2)).toThrow("--jobs: expected a non-negative integer, got 'two'");
  });
});

describe('precond run --jobs', () => {
  it('runs the variants × seeds in worker processes, each into its own folder, with the metrics of --jobs 1', async () => {
    const cwd = workspace('parallel', twoVariants);
    const parallel = await runCli(['run', '.', '--backend', 'cpu', '--jobs', '2', '--out', 'parallel'], cwd);
    expect(parallel.stderr).toContain('backend: cpu');
    expect(parallel.stderr).toContain('(2 jobs)');
    expect(parallel.code).toBe(0);
    const serial = await runCli(['run', '.', '--backend', 'cpu', '--jobs', '1', '--out', 'serial', '--no-report'], cwd);
    expect(serial.code).toBe(0);
    expect(serial.stderr).not.toContain('jobs)');

    const root = path.join(cwd, 'parallel');
    const names = ['sgd-s0', 'sgd-s1', 'adam-s0', 'adam-s1'];
    // stdout lists the run folders in the order of the plan (variant by variant, seed by seed).
    expect(parallel.stdout.trim().split('\n').map((l) => runName(l))).toEqual(names);
    for (const name of names) {
      const folder = folderOf(root, name);
      const record = readJson<RunJson>(path.join(folder, 'run.json'));
      expect(record.status).toBe('completed');
      expect(record.step).toBe(20);
      // The worker records its own backend and the parent's packages and commit.
      expect(record.backend.name).toBe('cpu');
      expect(record.packages['@precond/cli']).toMatch(/^\d+\.\d+\.\d+/);
      expect(readJson<{ status: string }>(path.join(folder, 'summary.json')).status).toBe('completed');
      expect(existsSync(path.join(folder, 'report.html'))).toBe(true);
      expect(existsSync(path.join(folder, 'checkpoints/step-20/params.safetensors'))).toBe(true);
      // Same seed, same backend: a run in a worker equals the same run in one process.
      const rows = readRows(folder);
      expect(rows.map((r) => r.step)).toEqual([0, 5, 10, 15, 20]);
      expect(withoutTime(rows)).toEqual(withoutTime(readRows(folderOf(path.join(cwd, 'serial'), name))));
    }
    // Progress lines are tagged by run, so interleaved lines stay readable.
    for (const name of ['sgd s0', 'sgd s1', 'adam s0', 'adam s1']) expect(parallel.stderr).toContain(`[${name}] completed at step 20/20`);
    expect(existsSync(path.join(root, 'tiny', 'report.html'))).toBe(true);
  });

  it('marks a run whose loss overflows failed, finishes the others, and exits 1', async () => {
    const cwd = workspace('one-fails', {
      settings: { steps: 20, seeds: [0], log: { every: 1 } },
      variants: {
        sgd: { optimizer: { plugin: 'sgd', options: { lr: 0.05 } } },
        // η = 1e6 overflows the squared error within a few steps (as in run.test.ts).
        blowup: { optimizer: { plugin: 'sgd', options: { lr: 1e6 } } },
        adam: { optimizer: { plugin: 'adam', options: { lr: 0.01 } } },
      },
    });
    const result = await runCli(['run', '.', '--backend', 'cpu', '--jobs', '2'], cwd);
    expect(result.code).toBe(1);
    const root = path.join(cwd, 'runs');
    const failed = folderOf(root, 'blowup-s0');
    expect(result.stderr).toMatch(/precond: run blowup s0 failed: (training )?loss became (NaN|Infinity|-Infinity) at step \d+/);
    expect(result.stderr).toContain(`run folder: ${path.relative(cwd, failed)}`);
    const record = readJson<RunJson>(path.join(failed, 'run.json'));
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('non-finite-loss');
    expect(readRows(failed).every((r) => Number.isFinite(r.loss))).toBe(true);
    for (const name of ['sgd-s0', 'adam-s0']) expect(readJson<RunJson>(path.join(folderOf(root, name), 'run.json')).status).toBe('completed');
    // The combined report covers all three, the failed one included (as with --jobs 1).
    expect(existsSync(path.join(root, 'tiny', 'report.html'))).toBe(true);
    expect(result.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('marks the run of a worker process that dies failed, runs the rest in a new worker, and exits 1', async () => {
    const cwd = workspace('worker-dies', {
      settings: { steps: 20, seeds: [0, 1], log: { every: 1 } },
      variants: {
        dies: { optimizer: { plugin: 'sgd', options: { lr: 0.05 } }, probes: [{ plugin: 'suicide', options: { at: 7 } }] },
        sgd: { optimizer: { plugin: 'sgd', options: { lr: 0.05 } } },
      },
    });
    // A probe that ends its own process abruptly, as an out-of-memory kill would: no message, no cleanup.
    writeFileSync(
      path.join(cwd, 'suicide.ts'),
      [
        "import { definePlugin, PROBE, provide, z } from '@precond/core';",
        'export default definePlugin({',
        "  meta: { name: 'cli-test-suicide', version: '0.0.1', kind: 'probe', id: 'suicide', description: 'kills its process at a step' },",
        '  options: z.object({ at: z.number().int() }).strict(),',
        '  register(container, options) {',
        '    provide(container, PROBE, {',
        '      useValue: {',
        "        id: 'suicide',",
        '        schedule: { every: 1 },',
        '        init: async () => {},',
        "        observe: async (ctx) => (ctx.step >= options.at ? (process.kill(process.pid, 'SIGKILL'), {}) : {}),",
        '        getState: () => ({}),',
        '        setState: () => {},',
        '        dispose: () => {},',
        '      },',
        '    });',
        '  },',
        '});',
        '',
      ].join('\n'),
    );
    const result = await runCli(['run', '.', '--backend', 'cpu', '--jobs', '2', '--plugin', './suicide.ts', '--no-report'], cwd);
    expect(result.code).toBe(1);
    const root = path.join(cwd, 'runs');
    for (const seed of [0, 1]) {
      const folder = folderOf(root, `dies-s${seed}`);
      expect(result.stderr).toContain(`precond: run dies s${seed} failed: the worker process running it ended unexpectedly (signal SIGKILL)`);
      const record = readJson<RunJson>(path.join(folder, 'run.json'));
      expect(record.status).toBe('failed');
      expect(record.error?.code).toBe('worker-exit');
      // The probe killed the process while observing step 7: rows 0..6 were flushed before it.
      expect(readRows(folder).map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(readJson<{ status: string }>(path.join(folder, 'summary.json')).status).toBe('failed');
    }
    // Both workers died on the `dies` runs; replacements ran the sgd runs to the end.
    for (const seed of [0, 1]) expect(readJson<RunJson>(path.join(folderOf(root, `sgd-s${seed}`), 'run.json')).status).toBe('completed');
  });

  it('interrupts every run on SIGINT, checkpoints each, exits 130, and a run resumes from its checkpoint', async () => {
    const cwd = workspace('sigint', {
      model: { plugin: 'mlp', options: { hidden: [16, 16] } },
      // Long enough (3,000 steps, several seconds) that SIGINT lands mid-run in both workers.
      settings: { steps: 3000, seeds: [0, 1, 2], log: { every: 10 } },
    });
    const running = startCli(['run', '.', '--backend', 'cpu', '--jobs', '2'], cwd);
    const root = path.join(cwd, 'runs');
    const rowsIn = (name: string) => {
      const hit = runFolders(root, 'tiny').find((f) => runName(f) === name);
      return hit && existsSync(path.join(hit, 'metrics.jsonl')) ? readRows(hit).length : 0;
    };
    await waitFor(() => rowsIn('sgd-s0') >= 3 && rowsIn('sgd-s1') >= 3, 60_000, 'three metric rows in both runs');
    running.child.kill('SIGINT');
    const stopped = await running.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('precond: interrupted; finishing the current step and writing a checkpoint');
    // The third run never started: no folder for it.
    expect(stopped.stderr).toContain('precond: interrupted; 1 of 3 runs not started');
    expect(runFolders(root, 'tiny').map(runName).sort()).toEqual(['sgd-s0', 'sgd-s1']);
    for (const seed of [0, 1]) {
      const folder = folderOf(root, `sgd-s${seed}`);
      const shown = path.relative(cwd, folder);
      const record = readJson<RunJson>(path.join(folder, 'run.json'));
      expect(record.status).toBe('interrupted');
      expect(record.step).toBeLessThan(3000);
      expect(record.last_checkpoint).toBe(record.step);
      expect(existsSync(path.join(folder, `checkpoints/step-${record.step}/params.safetensors`))).toBe(true);
      expect(stopped.stderr).toContain(`precond: run sgd s${seed} interrupted at step ${record.step}; checkpoint saved in ${shown}\n  resume it with: precond resume ${shown}\n`);
      expect(existsSync(path.join(folder, 'report.html'))).toBe(false);
      expect(readJson<{ status: string }>(path.join(folder, 'summary.json')).status).toBe('interrupted');
    }
    expect(existsSync(path.join(root, 'tiny', 'report.html'))).toBe(false);

    // A checkpoint written by a worker resumes like any other.
    const folder = folderOf(root, 'sgd-s0');
    const step = readJson<RunJson>(path.join(folder, 'run.json')).step;
    const resumed = await runCli(['resume', path.relative(cwd, folder), '--no-report'], cwd);
    expect(resumed.stderr).toContain(`[sgd s0] resuming at step ${step}/3000`);
    expect(resumed.code).toBe(0);
    const rows = readRows(folder);
    // Rows every 10 steps from 0 to 3,000, none twice.
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: 301 }, (_, i) => i * 10));
  });

  it('rejects a bad --jobs before running anything', async () => {
    const cwd = workspace('bad-jobs');
    const zero = await runCli(['run', '.', '--jobs', '0'], cwd);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toBe("precond: --jobs: expected a positive integer (1 runs everything in this process), got '0'\n");
    expect(existsSync(path.join(cwd, 'runs'))).toBe(false);
  });
});
