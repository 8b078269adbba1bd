import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsRunStore } from './fs-run-store.js';

describe('FsRunStore', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'precond-runs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the run folder with its parents, at an absolute location', async () => {
    const folder = await new FsRunStore(root).create('fourier/gd-s0-20250101T000000');
    expect(folder.location).toBe(join(root, 'fourier', 'gd-s0-20250101T000000'));
    expect(readdirSync(folder.location)).toEqual([]);
  });

  it('round-trips text and bytes, creating folders inside the run folder', async () => {
    const store = new FsRunStore(root);
    const folder = await store.create('exp/run');
    const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
    await folder.writeText('run.json', '{"status":"running"}\n');
    await folder.writeBytes('checkpoints/step-10/params.safetensors', bytes);
    expect(await folder.readText('run.json')).toBe('{"status":"running"}\n');
    const read = await folder.readBytes('checkpoints/step-10/params.safetensors');
    expect(Array.from(read)).toEqual([0, 1, 2, 250, 255]);
    // A plain Uint8Array, whose slice() copies (a Buffer's would share memory).
    expect(Object.getPrototypeOf(read)).toBe(Uint8Array.prototype);
    expect(readFileSync(join(folder.location, 'checkpoints', 'step-10', 'params.safetensors'))).toEqual(Buffer.from(bytes));
    // The same folder, opened again by the store.
    const again = await store.open('exp/run');
    expect(await again.readText('run.json')).toBe('{"status":"running"}\n');
  });

  it('replaces a file whole and leaves no temporary file behind', async () => {
    const folder = await new FsRunStore(root).create('r');
    await folder.writeText('summary.json', 'a much longer first version of the file\n');
    await folder.writeText('summary.json', 'short\n');
    await folder.writeBytes('checkpoints/step-1/state.safetensors', new Uint8Array(1000));
    await folder.writeBytes('checkpoints/step-1/state.safetensors', new Uint8Array(3));
    expect(await folder.readText('summary.json')).toBe('short\n');
    expect(readdirSync(folder.location)).toEqual(['checkpoints', 'summary.json']);
    expect(readdirSync(join(folder.location, 'checkpoints', 'step-1'))).toEqual(['state.safetensors']);
    expect((await folder.readBytes('checkpoints/step-1/state.safetensors')).length).toBe(3);
  });

  it('appends after what is there, each append on disk when it resolves', async () => {
    const folder = await new FsRunStore(root).create('r');
    await folder.writeText('metrics.jsonl', '');
    await folder.appendText('metrics.jsonl', '{"step":0}\n');
    // Read with the file system, not the folder: the row is in the file, not in a buffer.
    expect(readFileSync(join(folder.location, 'metrics.jsonl'), 'utf8')).toBe('{"step":0}\n');
    await folder.appendText('metrics.jsonl', '{"step":1}\n');
    expect(await folder.readText('metrics.jsonl')).toBe('{"step":0}\n{"step":1}\n');
    await folder.appendText('logs/new.txt', 'first\n');
    expect(await folder.readText('logs/new.txt')).toBe('first\n');
  });

  it('lists entries sorted, an absent folder as empty, and hides an interrupted write', async () => {
    const folder = await new FsRunStore(root).create('r');
    for (const name of ['run.json', 'metrics.jsonl', 'checkpoints/step-2/a', 'checkpoints/step-10/a', 'Z.txt']) {
      await folder.writeText(name, 'x');
    }
    // What a crash between writing the temporary file and renaming it leaves.
    writeFileSync(join(folder.location, '.run.json.0123456789ab.tmp'), 'partial');
    expect(await folder.list('')).toEqual(['Z.txt', 'checkpoints', 'metrics.jsonl', 'run.json']);
    expect(await folder.list('checkpoints')).toEqual(['step-10', 'step-2']);
    expect(await folder.list('no-such-dir')).toEqual([]);
  });

  it('says whether files and folders exist', async () => {
    const folder = await new FsRunStore(root).create('r');
    await folder.writeText('checkpoints/step-0/state.json', '{}');
    expect(await folder.exists('checkpoints/step-0/state.json')).toBe(true);
    expect(await folder.exists('checkpoints/step-0')).toBe(true);
    expect(await folder.exists('checkpoints/step-1')).toBe(false);
  });

  it('refuses to create over a non-empty folder, naming it; an empty one is fine', async () => {
    const store = new FsRunStore(root);
    const folder = await store.create('r');
    await folder.writeText('run.json', '{}');
    await expect(store.create('r')).rejects.toThrow(`run folder ${join(root, 'r')} already exists and is not empty`);
    mkdirSync(join(root, 'empty'));
    await expect(store.create('empty')).resolves.toMatchObject({ location: join(root, 'empty') });
    writeFileSync(join(root, 'file'), '');
    await expect(store.create('file')).rejects.toThrow(`cannot create run folder ${join(root, 'file')}: a file is in the way`);
  });

  it('opens by absolute path, by path under the root, and by path from the working directory', async () => {
    const store = new FsRunStore(root);
    await (await store.create('exp/run')).writeText('run.json', '{}');
    expect((await store.open(join(root, 'exp/run'))).location).toBe(join(root, 'exp', 'run'));
    expect((await store.open('exp/run')).location).toBe(join(root, 'exp', 'run'));
    const fromCwd = relative(process.cwd(), join(root, 'exp', 'run'));
    expect((await new FsRunStore(join(root, 'elsewhere')).open(fromCwd)).location).toBe(join(root, 'exp', 'run'));
  });

  it('fails to open a missing run folder with a message naming the paths tried', async () => {
    const store = new FsRunStore(root);
    await expect(store.open('exp/missing')).rejects.toThrow(`no run folder at ${join(root, 'exp', 'missing')} (nor at ${join(process.cwd(), 'exp', 'missing')})`);
    await expect(store.open(join(root, 'gone'))).rejects.toThrow(`no run folder at ${join(root, 'gone')}`);
    writeFileSync(join(root, 'plain'), '');
    await expect(store.open('plain')).rejects.toThrow(`${join(root, 'plain')} is a file, not a run folder`);
  });

  it('refuses paths that leave the run folder', async () => {
    const folder = await new FsRunStore(root).create('r');
    await expect(folder.writeText('../escape.txt', 'x')).rejects.toThrow(`path '../escape.txt' is outside the run folder ${join(root, 'r')}`);
    await expect(folder.readText('/etc/hostname')).rejects.toThrow(/is outside the run folder/);
    expect(readdirSync(root)).toEqual(['r']);
  });

  it('names the file when reading one that does not exist', async () => {
    const folder = await new FsRunStore(root).create('r');
    await expect(folder.readText('run.json')).rejects.toThrow(join(root, 'r', 'run.json'));
  });
});
