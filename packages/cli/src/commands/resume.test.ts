import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readJson, readRows, removeDir, runCli, runFolders, startCli, tinyExperiment, waitFor, withoutTime, writeJson } from '../test-support/cli.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('resume');
});
afterAll(() => removeDir(dir));

/** Lines in metrics.jsonl so far (0 before the file exists). */
function rowCount(folder: string | undefined): number {
  if (!folder || !existsSync(path.join(folder, 'metrics.jsonl'))) return 0;
  return readFileSync(path.join(folder, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0).length;
}

describe('precond run interrupted by SIGINT, then precond resume', () => {
  it('marks the run interrupted, exits 130, and resumes to the metrics of an uninterrupted run', async () => {
    const cwd = path.join(dir, 'sigint');
    // Long enough (~1,500 steps) that SIGINT lands mid-run; checkpoints every 100 steps as well.
    writeJson(
      path.join(cwd, 'experiment.json'),
      tinyExperiment({
        model: { plugin: 'mlp', options: { hidden: [16, 16] } },
        settings: { steps: 1500, seeds: [0], log: { every: 5 }, checkpointEvery: 100 },
      }),
    );
    const running = startCli(['run', '.', '--backend', 'cpu', '--out', 'interrupted'], cwd);
    const root = path.join(cwd, 'interrupted');
    await waitFor(() => rowCount(runFolders(root, 'tiny')[0]) >= 3, 20_000, 'three metric rows');
    running.child.kill('SIGINT');
    const stopped = await running.done;
    expect(stopped.code).toBe(130);
    const [folder] = runFolders(root, 'tiny');
    const shown = path.relative(cwd, folder!);
    expect(stopped.stderr).toContain('precond: interrupted; finishing the current step and writing a checkpoint');
    expect(stopped.stderr).toMatch(new RegExp(`precond: run sgd s0 interrupted at step \\d+; checkpoint saved in ${shown}\\n  resume it with: precond resume ${shown}\\n`));
    const record = readJson<{ status: string; step: number; last_checkpoint: number; error: unknown }>(path.join(folder!, 'run.json'));
    expect(record.status).toBe('interrupted');
    expect(record.error).toBeNull();
    expect(record.step).toBeLessThan(1500);
    // The abort is honoured after the step in progress, with a checkpoint at the step reached.
    expect(record.last_checkpoint).toBe(record.step);
    expect(existsSync(path.join(folder!, `checkpoints/step-${record.step}/params.safetensors`))).toBe(true);
    // No reports after an interruption; the summary says where the run stands.
    expect(existsSync(path.join(folder!, 'report.html'))).toBe(false);
    expect(readJson<{ status: string }>(path.join(folder!, 'summary.json')).status).toBe('interrupted');

    const resumed = await runCli(['resume', shown], cwd);
    expect(resumed.stderr).toContain(`[sgd s0] resuming at step ${record.step}/1500`);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(`${shown}\n`);
    const after = readJson<{ status: string; backend: { name: string }; resumes: Array<{ from_step: number; backend: string }> }>(path.join(folder!, 'run.json'));
    expect(after.status).toBe('completed');
    expect(after.resumes).toEqual([expect.objectContaining({ from_step: record.step, backend: 'cpu' })]);
    expect(existsSync(path.join(folder!, 'report.html'))).toBe(true);
    expect(readJson<{ status: string }>(path.join(folder!, 'summary.json')).status).toBe('completed');

    const whole = await runCli(['run', '.', '--backend', 'cpu', '--out', 'whole', '--no-report'], cwd);
    expect(whole.code).toBe(0);
    const [reference] = runFolders(path.join(cwd, 'whole'), 'tiny');
    const rows = withoutTime(readRows(folder!));
    // Rows at 0, 5, ..., 1500.
    expect(rows).toHaveLength(301);
    expect(rows).toEqual(withoutTime(readRows(reference!)));
  });

  it('refuses to resume a completed run, naming it', async () => {
    const cwd = path.join(dir, 'completed');
    writeJson(path.join(cwd, 'experiment.json'), tinyExperiment());
    expect((await runCli(['run', '.', '--backend', 'cpu', '--no-report'], cwd)).code).toBe(0);
    const [folder] = runFolders(path.join(cwd, 'runs'), 'tiny');
    const result = await runCli(['resume', folder!], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`precond: ${folder} is already completed (step 20); nothing to resume\n`);
  });

  it('says when a folder is not a run folder', async () => {
    const cwd = path.join(dir, 'not-a-run');
    writeJson(path.join(cwd, 'folder', 'x.json'), {});
    const result = await runCli(['resume', 'folder'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`precond: ${path.join(cwd, 'folder')} holds no run.json: it is not a run folder\n`);
    const missing = await runCli(['resume', 'nowhere'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`precond: no run folder at ${path.join(cwd, 'nowhere')}\n`);
  });
});
