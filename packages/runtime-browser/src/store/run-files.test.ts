import { mkdir, open } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRunStore } from '@precond/core';
import { afterEach, describe, expect, it } from 'vitest';
import { exportRunFiles, groupRunFiles, runFolderFiles, runFolderName, saveFilesToDirectory, writeRunFiles, type WritableDirectory } from './run-files.js';
import type { TarEntry } from './tar.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (e: TarEntry) => new TextDecoder().decode(e.data);

/** A run folder laid out as the runner writes one, in memory. */
async function sampleRun(store: MemoryRunStore, location: string) {
  const folder = await store.create(location);
  await folder.writeText('run.json', '{"format":"precond-run/1"}\n');
  await folder.appendText('metrics.jsonl', '{"step":0,"loss":1}\n');
  await folder.appendText('metrics.jsonl', '{"step":10,"loss":0.5}\n');
  for (const step of [0, 10]) {
    await folder.writeBytes(`checkpoints/step-${step}/params.safetensors`, new Uint8Array([step, 1, 2]));
    await folder.writeText(`checkpoints/step-${step}/state.json`, `{"step":${step}}\n`);
  }
  return folder;
}

describe('runFolderFiles and exportRunFiles', () => {
  it('list every file of a run folder, nested ones included, with their bytes', async () => {
    const folder = await sampleRun(new MemoryRunStore(), 'spectral-bias/adam-s0-20260101-000000-000');
    const files = await runFolderFiles(folder);
    expect(files.map((f) => f.path)).toEqual([
      'checkpoints/step-0/params.safetensors',
      'checkpoints/step-0/state.json',
      'checkpoints/step-10/params.safetensors',
      'checkpoints/step-10/state.json',
      'metrics.jsonl',
      'run.json',
    ]);
    expect(read(files[4]!)).toBe('{"step":0,"loss":1}\n{"step":10,"loss":0.5}\n');
    expect(files[2]!.data).toEqual(new Uint8Array([10, 1, 2]));
  });

  it('export puts them under the run folder name, with extra files beside them', async () => {
    const folder = await sampleRun(new MemoryRunStore(), 'spectral-bias/adam-s0-20260101-000000-000');
    const files = await exportRunFiles(folder, [{ path: 'report.html', data: text('<!doctype html>') }]);
    expect(files.map((f) => f.path)).toEqual([
      'adam-s0-20260101-000000-000/checkpoints/step-0/params.safetensors',
      'adam-s0-20260101-000000-000/checkpoints/step-0/state.json',
      'adam-s0-20260101-000000-000/checkpoints/step-10/params.safetensors',
      'adam-s0-20260101-000000-000/checkpoints/step-10/state.json',
      'adam-s0-20260101-000000-000/metrics.jsonl',
      'adam-s0-20260101-000000-000/run.json',
      'adam-s0-20260101-000000-000/report.html',
    ]);
  });

  it('runFolderName takes the last part of a location, and refuses one that names no folder', () => {
    expect(runFolderName('runs/spectral-bias/adam-s0/')).toBe('adam-s0');
    expect(runFolderName('C:\\runs\\gd-s1')).toBe('gd-s1');
    expect(() => runFolderName('/')).toThrow("a run folder location names a folder, got '/'");
  });
});

describe('groupRunFiles and writeRunFiles', () => {
  it('find each folder with a run.json and give it the files below it, nested runs apart', () => {
    const files: TarEntry[] = [
      { path: './out/a/run.json', data: text('A') },
      { path: 'out/a/metrics.jsonl', data: text('a') },
      { path: 'out/a/b/run.json', data: text('B') },
      { path: 'out/a/b/checkpoints/step-0/state.json', data: text('b') },
      { path: 'out/README.txt', data: text('not part of a run') },
    ];
    expect(groupRunFiles(files).map((r) => [r.root, r.files.map((f) => f.path)])).toEqual([
      ['out/a', ['run.json', 'metrics.jsonl']],
      ['out/a/b', ['run.json', 'checkpoints/step-0/state.json']],
    ]);
    expect(groupRunFiles([{ path: 'run.json', data: text('{}') }])).toEqual([{ root: '', files: [{ path: 'run.json', data: text('{}') }] }]);
  });

  it('without a run.json: an error that lists what was imported', () => {
    const files = ['a', 'b', 'c', 'd', 'e', 'f'].map((p) => ({ path: `${p}.txt`, data: text(p) }));
    expect(() => groupRunFiles(files)).toThrow(
      'no run.json among the 6 imported file(s) (a.txt, b.txt, c.txt, d.txt, e.txt, ...); import a run folder or a .tar of one',
    );
  });

  it('an exported run written back into a store reads the same', async () => {
    const source = await sampleRun(new MemoryRunStore(), 'e/run-1');
    const [imported] = groupRunFiles(await exportRunFiles(source));
    const store = new MemoryRunStore();
    const copy = await writeRunFiles(store, imported!.root, imported!.files);
    expect(copy.location).toBe('run-1');
    expect(await runFolderFiles(copy)).toEqual(await runFolderFiles(source));
  });
});

/** The File System Access API's directory handle over a real folder on disk. */
function diskDirectory(path: string): WritableDirectory {
  return {
    async getDirectoryHandle(name, { create }) {
      if (create) await mkdir(join(path, name), { recursive: true });
      return diskDirectory(join(path, name));
    },
    async getFileHandle(name) {
      return {
        async createWritable() {
          const file = await open(join(path, name), 'w');
          return { write: async (data: Uint8Array) => void (await file.write(data)), close: () => file.close() };
        },
      };
    },
  };
}

describe('saveFilesToDirectory', () => {
  const dirs: string[] = [];
  afterEach(() => {
    while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
  });

  it('writes each file, creating its folders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'precond-save-'));
    dirs.push(dir);
    const files = await exportRunFiles(await sampleRun(new MemoryRunStore(), 'e/run-2'));
    await saveFilesToDirectory(diskDirectory(dir), files);
    for (const f of files) expect(new Uint8Array(readFileSync(join(dir, f.path)))).toEqual(f.data);
    await expect(saveFilesToDirectory(diskDirectory(dir), [{ path: '/', data: text('') }])).rejects.toThrow("cannot save '/': it names no file");
  });
});
