import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors } from '@precond/core';
import { loadRun } from '@precond/report';
import { exportRunFiles, writeTar } from '@precond/runtime-browser';
import { FsRunStore } from '@precond/runtime-node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runInNode } from '../test-support/node-run.js';

const cliBin = resolve(dirname(fileURLToPath(import.meta.url)), '../../../cli/dist/bin.js');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe('a run exported from the playground', () => {
  const work = mkdtempSync(join(tmpdir(), 'precond-export-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('unpacks from its .tar to a run folder that `precond report` and loadRun read as written', async () => {
    // E1 with Adam, 20 steps, a checkpoint every 10: what the playground's worker does, on cpu.
    const overrides = { steps: 20, checkpointEvery: 10, log: { every: 5 } };
    const run = await runInNode({ variant: 'adam', seed: 3, overrides, backend: { name: 'cpu', version: tf.version_core } });
    const folder = await run.store.open('run');
    const files = await exportRunFiles(folder);
    writeFileSync(join(work, 'run.tar'), writeTar(files));
    execFileSync('tar', ['-xf', 'run.tar'], { cwd: work });

    const dir = join(work, 'run');
    expect(listFiles(dir).map((f) => relative(dir, f)).sort()).toEqual(
      [
        'run.json',
        'metrics.jsonl',
        ...[0, 10, 20].flatMap((s) => [`checkpoints/step-${s}/params.safetensors`, `checkpoints/step-${s}/state.json`, `checkpoints/step-${s}/state.safetensors`]),
      ].sort(),
    );
    // Standard safetensors: 8-byte little-endian header length, then the JSON header. E1's network
    // is 1-80-80-1 with kernels [in, out] (ARCHITECTURE.md, "Run record").
    const params = new Uint8Array(readFileSync(join(dir, 'checkpoints/step-20/params.safetensors')));
    const headerLength = Number(new DataView(params.buffer, params.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(params.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; shape: number[] }>;
    expect(header['dense_0/kernel']).toMatchObject({ dtype: 'F32', shape: [1, 80] });
    expect(header['dense_2/bias']).toMatchObject({ dtype: 'F32', shape: [1] });
    expect(decodeSafetensors(params).tensors['dense_1/kernel']!.data).toEqual(decodeSafetensors(await folder.readBytes('checkpoints/step-20/params.safetensors')).tensors['dense_1/kernel']!.data);

    // Read back from disk: the same record and rows as in memory.
    const fromDisk = await loadRun(await new FsRunStore(work).open(dir));
    expect(fromDisk.record).toEqual(run.loaded.record);
    expect(fromDisk.rows).toEqual(run.loaded.rows);
    // log every 5 over 20 steps.
    expect(fromDisk.rows.map((r) => r.step)).toEqual([0, 5, 10, 15, 20]);

    if (!existsSync(cliBin)) throw new Error(`${cliBin} is missing: build the CLI first (\`pnpm --filter @precond/cli build\`)`);
    const written = execFileSync(process.execPath, [cliBin, 'report', dir], { encoding: 'utf8' }).trim();
    expect(written).toBe(join(dir, 'report.html'));
    const html = readFileSync(written, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Mode errors (modes)');
  }, 120_000);
});
