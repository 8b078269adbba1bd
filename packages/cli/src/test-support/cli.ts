import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/cli. */
export const CLI_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** The built command, as `precond` runs it. */
export const BIN = path.join(CLI_ROOT, 'dist', 'bin.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `precond` process whose output is collected as it comes. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<CliResult>;
}

/** Start `node dist/bin.js ...args` in `cwd`, with stderr not a TTY (plain progress lines). */
export function startCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Run `precond ...args` to the end. */
export function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, cwd, env).done;
}

/**
 * A fresh folder under packages/cli/.tmp (git-ignored). TypeScript fixtures must live here rather
 * than in the system temp folder: their `@precond/...` imports resolve through this package's
 * node_modules.
 */
export function makeTempDir(prefix: string): string {
  const base = path.join(CLI_ROOT, '.tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, `${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A small JSON experiment (16 points, a 1-8-1 MLP, 20 steps of sgd) with parts replaced by `patch`. */
export function tinyExperiment(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    task: { plugin: 'fourier-target', options: { points: 16, testPoints: 16, modes: 5 } },
    model: { plugin: 'mlp', options: { hidden: [8] } },
    settings: { steps: 20, seeds: [0], log: { every: 2 } },
    variants: { sgd: { optimizer: { plugin: 'sgd', options: { lr: 0.05 } } } },
    ...patch,
  };
}

export function writeJson(file: string, value: unknown): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

/** The run folders of `experiment` under a run store root, oldest first (names end in the start time). */
export function runFolders(root: string, experiment: string): string[] {
  const dir = path.join(root, experiment);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    // The last 19 characters are the UTC start time, YYYYMMDD-HHMMSS-mmm.
    .sort((a, b) => a.slice(-19).localeCompare(b.slice(-19)) || a.localeCompare(b));
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** metrics.jsonl parsed line by line (every line must be JSON: the test fails otherwise). */
export function readRows(folder: string): Array<Record<string, unknown>> {
  return readFileSync(path.join(folder, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Rows without `time_s`, the one wall-clock field: what must match between equal runs. */
export function withoutTime(rows: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  return rows.map(({ time_s: _time, ...rest }) => rest);
}

/** Resolve once `predicate` holds, polling every 20 ms, or reject after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
