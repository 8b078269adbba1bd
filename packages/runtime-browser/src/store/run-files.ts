import type { RunFolder, RunStore } from '@precond/core';
import type { TarEntry } from './tar.js';

/**
 * Every file of a run folder (run.json, metrics.jsonl, checkpoints/step-N/*, ...), with paths
 * relative to the folder, in sorted order. Works on any core `RunFolder`: memory, disk, OPFS.
 */
export async function runFolderFiles(folder: RunFolder): Promise<TarEntry[]> {
  const files: TarEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of await folder.list(dir)) {
      const path = dir ? `${dir}/${name}` : name;
      let children: string[];
      try {
        children = await folder.list(path);
      } catch {
        // A store that cannot list a file (readdir on a file) says so by throwing.
        children = [];
      }
      if (children.length > 0) await walk(path);
      else if (await isFile(folder, path)) files.push({ path, data: await folder.readBytes(path) });
    }
  };
  await walk('');
  return files;
}

async function isFile(folder: RunFolder, path: string): Promise<boolean> {
  try {
    await folder.readBytes(path);
    return true;
  } catch {
    return false; // an empty folder
  }
}

/** The last part of a run folder's location: the name its files go under in an export. */
export function runFolderName(location: string): string {
  const parts = location.split(/[\\/]/).filter((p) => p.length > 0);
  const name = parts[parts.length - 1];
  if (!name) throw new Error(`a run folder location names a folder, got '${location}'`);
  return name;
}

/**
 * The files to export for a run folder, under one top folder named after it
 * (`adam-s0-20260101-120000-000/run.json`, ...), so that unpacking them gives a folder that
 * `precond report <folder>` reads. `extra` files (a rendered report.html, say) go in beside them.
 */
export async function exportRunFiles(folder: RunFolder, extra: readonly TarEntry[] = []): Promise<TarEntry[]> {
  const root = runFolderName(folder.location);
  const files = [...(await runFolderFiles(folder)), ...extra];
  return files.map((f) => ({ path: `${root}/${f.path}`, data: f.data }));
}

/** A run folder found among imported files: where its run.json was, and its files relative to that. */
export interface ImportedRun {
  /** The folder that holds run.json, as a `/`-separated path inside what was imported ('' for the top). */
  readonly root: string;
  readonly files: readonly TarEntry[];
}

/**
 * Group imported files (from a tar archive or a picked folder) by run folder: every folder that
 * holds a run.json is one run, and owns the files below it. Throws when there is no run.json,
 * naming what was there, so a wrong archive gets a message rather than an empty view.
 */
export function groupRunFiles(files: readonly TarEntry[]): ImportedRun[] {
  const clean = files.map((f) => ({ path: f.path.replace(/\\/g, '/').replace(/^\.?\//, ''), data: f.data }));
  const roots = clean
    .filter((f) => f.path === 'run.json' || f.path.endsWith('/run.json'))
    .map((f) => f.path.slice(0, -'run.json'.length).replace(/\/$/, ''))
    .sort((a, b) => b.length - a.length);
  if (roots.length === 0) {
    const some = clean.slice(0, 5).map((f) => f.path).join(', ');
    throw new Error(`no run.json among the ${clean.length} imported file(s)${some ? ` (${some}${clean.length > 5 ? ', ...' : ''})` : ''}; import a run folder or a .tar of one`);
  }
  const runs = new Map<string, TarEntry[]>(roots.map((r) => [r, []]));
  for (const f of clean) {
    // The deepest run folder that contains the file owns it (roots are sorted longest first).
    const root = roots.find((r) => r === '' || f.path.startsWith(`${r}/`));
    if (root === undefined) continue;
    runs.get(root)!.push({ path: root === '' ? f.path : f.path.slice(root.length + 1), data: f.data });
  }
  return [...runs.entries()].map(([root, group]) => ({ root, files: group })).sort((a, b) => a.root.localeCompare(b.root));
}

/** Write a run's files into a new folder `location` of `store` (a MemoryRunStore, say), ready for `loadRun`. */
export async function writeRunFiles(store: RunStore, location: string, files: readonly TarEntry[]): Promise<RunFolder> {
  const folder = await store.create(location);
  for (const f of files) await folder.writeBytes(f.path, f.data);
  return folder;
}

/** The parts of the File System Access API that `saveFilesToDirectory` uses (Chromium's `showDirectoryPicker`). */
export interface WritableDirectory {
  getDirectoryHandle(name: string, options: { create: boolean }): Promise<WritableDirectory>;
  getFileHandle(name: string, options: { create: boolean }): Promise<{
    createWritable(): Promise<{ write(data: Uint8Array): Promise<void>; close(): Promise<void> }>;
  }>;
}

/**
 * Write files into a folder the user picked (File System Access API), creating sub-folders:
 * the way to save a run as a plain folder where the browser offers it.
 *
 * @example
 *   const dir = await window.showDirectoryPicker({ mode: 'readwrite' });
 *   await saveFilesToDirectory(dir, await exportRunFiles(folder));
 */
export async function saveFilesToDirectory(directory: WritableDirectory, files: readonly TarEntry[]): Promise<void> {
  for (const f of files) {
    const parts = f.path.split('/').filter((p) => p.length > 0);
    const name = parts.pop();
    if (!name) throw new Error(`cannot save '${f.path}': it names no file`);
    let dir = directory;
    for (const part of parts) dir = await dir.getDirectoryHandle(part, { create: true });
    const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
    await writable.write(f.data);
    await writable.close();
  }
}
