import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RunFolder, RunStore } from '@precond/core';

/** Temporary files of an atomic write: `.<name>.<random>.tmp` beside the target. */
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Run folders on disk, under `root`. Appends are flushed to disk before they resolve, so a crash
 * keeps every metrics row written so far; whole-file writes go to a temporary file that is then
 * renamed over the target, so a crash leaves the old file or the new one, never half of one.
 *
 * @example
 * const store = new FsRunStore('runs');
 * const folder = await store.create('fourier/gd-s0-20250101T000000');
 * await folder.appendText('metrics.jsonl', '{"step":0,"loss":1}\n');
 */
export class FsRunStore implements RunStore {
  /** The absolute path run folders are created under. */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Makes `root/location` (and its parents); fails if it exists and is not an empty folder. */
  async create(location: string): Promise<RunFolder> {
    const path = resolve(this.root, location);
    const existing = await stat(path).catch(() => null);
    if (existing && !existing.isDirectory()) throw new Error(`cannot create run folder ${path}: a file is in the way`);
    if (existing && (await readdir(path)).length > 0) throw new Error(`run folder ${path} already exists and is not empty`);
    await mkdir(path, { recursive: true });
    return new FsRunFolder(path);
  }

  /**
   * Opens an existing run folder. `location` is absolute, or relative to `root`; a relative one
   * that is not under `root` is also tried against the working directory, so a path the user typed
   * (`runs/fourier/gd-s0-...`) works as well as one the store made.
   */
  async open(location: string): Promise<RunFolder> {
    const tried = isAbsolute(location) ? [resolve(location)] : [...new Set([resolve(this.root, location), resolve(location)])];
    for (const path of tried) {
      const found = await stat(path).catch(() => null);
      if (found?.isDirectory()) return new FsRunFolder(path);
      if (found) throw new Error(`${path} is a file, not a run folder`);
    }
    throw new Error(`no run folder at ${tried.join(' (nor at ')}${tried.length > 1 ? ')' : ''}`);
  }
}

/** One run folder on disk; paths inside it use `/` and may not leave it. */
class FsRunFolder implements RunFolder {
  constructor(readonly location: string) {}

  async writeText(path: string, text: string): Promise<void> {
    await this.replace(path, new TextEncoder().encode(text));
  }

  async writeBytes(path: string, data: Uint8Array): Promise<void> {
    await this.replace(path, data);
  }

  async appendText(path: string, text: string): Promise<void> {
    const file = this.resolve(path);
    await mkdir(dirname(file), { recursive: true });
    const handle = await open(file, 'a');
    try {
      await handle.writeFile(text, 'utf8');
      // Reaching the disk, not just the page cache, is what lets a crash of the machine keep it.
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async readText(path: string): Promise<string> {
    return readFile(this.resolve(path), 'utf8');
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const buffer = await readFile(this.resolve(path));
    // A plain Uint8Array: Buffer's slice() shares memory where Uint8Array's copies.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  async exists(path: string): Promise<boolean> {
    return (await stat(this.resolve(path)).catch(() => null)) !== null;
  }

  async list(dir: string): Promise<string[]> {
    try {
      const names = await readdir(this.resolve(dir));
      // A temporary file is only there mid-write (or after a crash mid-write): not part of the record.
      return names.filter((n) => !TEMP_FILE.test(n)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** Writes to a temporary file beside the target, flushes it, and renames it over the target. */
  private async replace(path: string, data: Uint8Array): Promise<void> {
    const file = this.resolve(path);
    const dir = dirname(file);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw e;
    }
  }

  /** The absolute path of `path` inside this folder; refuses paths that would leave it. */
  private resolve(path: string): string {
    const file = resolve(this.location, path);
    const inside = relative(this.location, file);
    if (isAbsolute(path) || inside === '..' || inside.startsWith(`..${sep}`)) {
      throw new Error(`path '${path}' is outside the run folder ${this.location}`);
    }
    return file;
  }
}
