import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readJson, readRows, removeDir, runCli, runFolders, tinyExperiment, withoutTime, writeJson } from '../test-support/cli.js';

interface RunJson {
  status: string;
  backend: { name: string; version: string };
  timing: { s_per_step: number | null; total_s: number; steps_timed: number };
  experiment_source: string | null;
  overrides: Record<string, unknown>;
  config: { optimizer: { options: { lr: number } } } | null;
  packages: Record<string, string>;
  error: { code: string; message: string; step: number } | null;
  step: number;
}

let dir: string;

beforeAll(() => {
  dir = makeTempDir('run');
});
afterAll(() => removeDir(dir));

/** A fresh working folder with `experiment.json` from `tinyExperiment(patch)`. */
function workspace(name: string, patch: Record<string, unknown> = {}): string {
  const cwd = path.join(dir, name);
  writeJson(path.join(cwd, 'experiment.json'), tinyExperiment(patch));
  return cwd;
}

describe('precond run: a successful run', () => {
  it('writes run.json, metrics.jsonl, a step-0 checkpoint, summary.json and report.html, and prints the folder', async () => {
    const cwd = workspace('success');
    const result = await runCli(['run', '.', '--backend', 'cpu', '--set', 'optimizer.lr=0.1'], cwd);
    expect(result.stderr).toContain('backend: cpu');
    expect(result.code).toBe(0);

    const [folder, ...more] = runFolders(path.join(cwd, 'runs'), 'tiny');
    expect(more).toEqual([]);
    expect(path.basename(folder!)).toMatch(/^sgd-s0-\d{8}-\d{6}-\d{3}$/);
    expect(result.stdout.trim()).toBe(path.relative(cwd, folder!));

    const record = readJson<RunJson>(path.join(folder!, 'run.json'));
    expect(record.status).toBe('completed');
    expect(record.step).toBe(20);
    expect(record.backend.name).toBe('cpu');
    expect(record.backend.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof record.timing.s_per_step).toBe('number');
    expect(record.timing.s_per_step).toBeGreaterThan(0);
    // Every step but the first is timed: 20 - 1.
    expect(record.timing.steps_timed).toBe(19);
    expect(record.experiment_source).toBe(path.join(cwd, 'experiment.json'));
    expect(record.packages['@precond/cli']).toMatch(/^\d+\.\d+\.\d+/);
    // --set parsed 0.1 as a JSON number and it reached the resolved options.
    expect(record.overrides).toEqual({ 'optimizer.lr': 0.1 });
    expect(record.config?.optimizer.options.lr).toBe(0.1);

    // log every 2 over 20 steps: rows at 0, 2, ..., 20.
    const rows = readRows(folder!);
    expect(rows.map((r) => r.step)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(rows.every((r) => typeof r.loss === 'number' && typeof r.time_s === 'number')).toBe(true);

    // safetensors: 8-byte little-endian header length, a JSON header, then the float32 data of the
    // 1-8-1 MLP: 4 bytes × (1·8 + 8 + 8·1 + 1) = 100 bytes.
    const bytes = readFileSync(path.join(folder!, 'checkpoints/step-0/params.safetensors'));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { shape: number[] }>;
    expect(header['dense_0/kernel']?.shape).toEqual([1, 8]);
    expect(header['dense_1/bias']?.shape).toEqual([1]);
    expect(bytes.length - 8 - headerLength).toBe(100);

    const summary = readJson<Record<string, unknown>>(path.join(folder!, 'summary.json'));
    expect(summary.status).toBe('completed');
    expect(summary.steps).toBe(20);
    expect(summary.final_loss).toBe(rows.at(-1)!.loss);
    expect(summary.final_metrics).toEqual(rows.at(-1));
    expect((summary.timing as { s_per_step: number }).s_per_step).toBe(record.timing.s_per_step);

    const html = readFileSync(path.join(folder!, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(existsSync(path.join(cwd, 'runs', 'tiny', 'report.html'))).toBe(true);
  });

  it('loads a TypeScript experiment file that imports plugin objects, and --no-report writes no report', async () => {
    const cwd = path.join(dir, 'ts');
    writeJson(path.join(cwd, 'package.json'), { type: 'module' });
    writeFileSync(
      path.join(cwd, 'experiment.ts'),
      [
        "import { defineExperiment } from '@precond/core';",
        "import { mlp } from '@precond/nn';",
        "import { adam, sgd } from '@precond/optimizer-first-order';",
        "import { fourierTarget } from '@precond/task-fourier-target';",
        'const steps: number = 10;',
        'export default defineExperiment({',
        "  name: 'tiny-ts',",
        '  task: fourierTarget({ points: 16, testPoints: 0, modes: 5 }),',
        '  model: mlp({ hidden: [8] }),',
        '  settings: { steps, seeds: [0, 1], log: { every: 5 } },',
        '  variants: { sgd: { optimizer: sgd({ lr: 0.05 }) }, adam: { optimizer: adam({ lr: 0.01 }) } },',
        '});',
        '',
      ].join('\n'),
    );
    const result = await runCli(['run', 'experiment.ts', '--backend', 'cpu', '--variant', 'adam', '--seeds', '1', '--no-report', '--out', 'out'], cwd);
    expect(result.stderr).toContain('[adam s1]');
    expect(result.code).toBe(0);
    const folders = runFolders(path.join(cwd, 'out'), 'tiny-ts');
    expect(folders.map((f) => path.basename(f).slice(0, 7))).toEqual(['adam-s1']);
    expect(readJson<RunJson>(path.join(folders[0]!, 'run.json')).status).toBe('completed');
    expect(existsSync(path.join(folders[0]!, 'summary.json'))).toBe(true);
    expect(existsSync(path.join(folders[0]!, 'report.html'))).toBe(false);
    expect(existsSync(path.join(cwd, 'out', 'tiny-ts', 'report.html'))).toBe(false);
  });

  it('gives the same metrics for the same seed on the same backend, and different ones for another seed', async () => {
    const cwd = workspace('determinism');
    const first = await runCli(['run', '.', '--backend', 'cpu', '--seeds', '3', '--out', 'a', '--no-report'], cwd);
    const second = await runCli(['run', '.', '--backend', 'cpu', '--seeds', '3,4', '--out', 'b', '--no-report'], cwd);
    expect([first.code, second.code]).toEqual([0, 0]);
    const [a] = runFolders(path.join(cwd, 'a'), 'tiny');
    const b = runFolders(path.join(cwd, 'b'), 'tiny');
    const s3 = b.find((f) => path.basename(f).startsWith('sgd-s3-'))!;
    const s4 = b.find((f) => path.basename(f).startsWith('sgd-s4-'))!;
    expect(withoutTime(readRows(s3))).toEqual(withoutTime(readRows(a!)));
    // A different seed initialises the MLP differently, so its first loss already differs.
    expect(readRows(s4)[0]!.loss).not.toBe(readRows(s3)[0]!.loss);
  });
});

describe('precond run: bad input', () => {
  it('names the known ids when a JSON experiment uses an unknown plugin id, and creates no run folder', async () => {
    const cwd = workspace('unknown-plugin', { variants: { sgd: { optimizer: { plugin: 'sgdd', options: {} } } } });
    const result = await runCli(['run', '.', '--backend', 'cpu'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^precond: .*experiment\.json: variants\.sgd\.optimizer: unknown optimizer plugin 'sgdd'; the known ones are: adam, adamw, ggn, gn, hybrid, lm, momentum, sgd\n$/);
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(path.join(cwd, 'runs'))).toBe(false);
  });

  it('names the option path of a wrong option type and marks the run failed', async () => {
    const cwd = workspace('bad-type', { variants: { sgd: { optimizer: { plugin: 'sgd', options: { lr: 'fast' } } } } });
    const result = await runCli(['run', '.', '--backend', 'cpu'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("precond: run sgd s0 failed: option 'optimizer.lr' of plugin 'sgd'");
    expect(result.stderr).toContain("(given 'fast')");
    expect(result.stderr).not.toContain('    at ');
    const [folder] = runFolders(path.join(cwd, 'runs'), 'tiny');
    expect(result.stderr).toContain(`run folder: ${path.relative(cwd, folder!)}`);
    const record = readJson<RunJson>(path.join(folder!, 'run.json'));
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('options');
    expect(record.error?.message).toContain("'optimizer.lr'");
    expect(readRows(folder!)).toEqual([]);
  });

  it('names the option path of an out-of-range value given with --set', async () => {
    const cwd = workspace('bad-range');
    const result = await runCli(['run', '.', '--backend', 'cpu', '--set', 'optimizer.lr=-1', '--no-report'], cwd);
    expect(result.code).toBe(1);
    // The plugin words the range; core prefixes the option path and appends the value given.
    expect(result.stderr).toMatch(/precond: run sgd s0 failed: option 'optimizer\.lr' of plugin 'sgd' \(@precond\/optimizer-first-order\): .*> 0.*\(given -1\)\n/);
    const [folder] = runFolders(path.join(cwd, 'runs'), 'tiny');
    expect(readJson<RunJson>(path.join(folder!, 'run.json')).status).toBe('failed');
  });

  it('says what a --set path may start with when it names nothing', async () => {
    const cwd = workspace('bad-set');
    const result = await runCli(['run', '.', '--backend', 'cpu', '--set', 'optimiser.lr=0.1', '--no-report'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--set optimiser.lr: there is no 'optimiser' to set; a path starts with one of: steps, seeds, log");
    const [folder] = runFolders(path.join(cwd, 'runs'), 'tiny');
    const record = readJson<RunJson>(path.join(folder!, 'run.json'));
    expect(record.status).toBe('failed');
    expect(record.error?.message).toContain("there is no 'optimiser' to set");
  });

  it('names the path and what was looked for when the experiment is missing', async () => {
    const cwd = path.join(dir, 'missing');
    writeJson(path.join(cwd, 'empty', 'notes.json'), {});
    const noFile = await runCli(['run', 'nowhere/experiment.ts', '--backend', 'cpu'], cwd);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toBe(
      `precond: no experiment at ${path.join(cwd, 'nowhere/experiment.ts')}: no such file or folder (give a folder holding experiment.ts, experiment.mts, experiment.js, experiment.mjs, experiment.json, or one of those files)\n`,
    );
    const emptyDir = await runCli(['run', 'empty'], cwd);
    expect(emptyDir.code).toBe(1);
    expect(emptyDir.stderr).toBe(
      `precond: no experiment in folder ${path.join(cwd, 'empty')}: looked for experiment.ts, experiment.mts, experiment.js, experiment.mjs, experiment.json\n`,
    );
    expect(existsSync(path.join(cwd, 'runs'))).toBe(false);
  });

  it('rejects malformed flag values before running anything', async () => {
    const cwd = workspace('bad-flags');
    const seeds = await runCli(['run', '.', '--seeds', '1,x'], cwd);
    expect(seeds.code).toBe(1);
    expect(seeds.stderr).toBe("precond: --seeds: expected a non-negative integer, got 'x'\n");
    const backend = await runCli(['run', '.', '--backend', 'gpu'], cwd);
    expect(backend.code).toBe(1);
    expect(backend.stderr).toContain("precond: option '--backend <name>' argument 'gpu' is invalid. Allowed choices are auto, cpu, wasm, tensorflow, webgpu.");
    const variant = await runCli(['run', '.', '--variant', 'adam'], cwd);
    expect(variant.code).toBe(1);
    expect(variant.stderr).toBe("precond: unknown variant 'adam' in experiment 'tiny'; the known ones are: sgd\n");
    expect(existsSync(path.join(cwd, 'runs'))).toBe(false);
  });

  it('prints the stack trace only with PRECOND_DEBUG=1', async () => {
    const cwd = workspace('debug', { variants: { sgd: { optimizer: { plugin: 'nope' } } } });
    const plain = await runCli(['run', '.'], cwd);
    const debug = await runCli(['run', '.'], cwd, { PRECOND_DEBUG: '1' });
    expect([plain.code, debug.code]).toEqual([1, 1]);
    expect(plain.stderr.split('\n').filter((l) => l.length > 0)).toHaveLength(1);
    expect(debug.stderr).toMatch(/UnknownNameError: .*\n\s+at /);
  });
});

describe('precond run: a loss that overflows', () => {
  it('stops at the non-finite loss, exits 1, marks the run failed and keeps the rows logged so far', async () => {
    // With η = 1e6 the first update throws the weights far out; tanh saturates, the output layer's
    // weights keep growing, and the squared error overflows float32 within a few steps.
    const cwd = workspace('nan', { variants: { sgd: { optimizer: { plugin: 'sgd', options: { lr: 1e6 } } } }, settings: { steps: 200, log: { every: 1 } } });
    const result = await runCli(['run', '.', '--backend', 'cpu'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/precond: run sgd s0 failed: (training )?loss became (NaN|Infinity|-Infinity) at step \d+; the run stops here/);
    const [folder] = runFolders(path.join(cwd, 'runs'), 'tiny');
    expect(result.stderr).toContain(`run folder: ${path.relative(cwd, folder!)}`);
    const record = readJson<RunJson>(path.join(folder!, 'run.json'));
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('non-finite-loss');
    expect(record.step).toBeLessThan(200);
    // Every line parses (readRows throws otherwise), steps are consecutive from 0, losses finite.
    const rows = readRows(folder!);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.step)).toEqual(rows.map((_, i) => i));
    expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
    const summary = readJson<Record<string, unknown>>(path.join(folder!, 'summary.json'));
    expect(summary.status).toBe('failed');
    expect(summary.final_loss).toBe(rows.at(-1)!.loss);
    expect(existsSync(path.join(folder!, 'report.html'))).toBe(true);
  });
});
