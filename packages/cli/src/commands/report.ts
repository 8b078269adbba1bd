import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadRun, type LoadedRun } from '@precond/report';
import { FsRunStore } from '@precond/runtime-node';
import { displayPath, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { writeCombinedReport } from '../outputs.js';

/** Flags of `precond report`. */
export interface ReportFlags {
  readonly out?: string;
  readonly title?: string;
}

const isRunFolder = (dir: string) => existsSync(path.join(dir, 'run.json'));

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    .sort();
}

/**
 * The run folders `dir` stands for: itself when it holds run.json, else the run folders inside it
 * (an experiment folder such as runs/spectral-bias), else those one level further down (a run
 * store root such as runs/).
 */
export function runFoldersIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError('not-found', `no such folder: ${dir}`);
  if (isRunFolder(dir)) return [dir];
  const children = subfolders(dir);
  const runs = children.filter(isRunFolder);
  if (runs.length > 0) return runs;
  const nested = children.flatMap((c) => subfolders(c).filter(isRunFolder));
  if (nested.length > 0) return nested;
  throw new CliError('not-a-run', `${dir} is not a run folder (no run.json) and holds no run folders`);
}

/**
 * Where the report goes without `--out`: inside the folder when exactly one folder is given (a run
 * folder or an experiment folder), so it sits beside what it describes; otherwise report.html in
 * the current directory.
 */
export function defaultReportPath(ctx: CliContext, dirs: readonly string[]): string {
  return dirs.length === 1 ? path.join(path.resolve(ctx.cwd, dirs[0]!), 'report.html') : path.join(ctx.cwd, 'report.html');
}

/** `precond report <run-dir ...>`: one HTML report over every run the arguments stand for. */
export async function reportCommand(dirs: readonly string[], flags: ReportFlags, ctx: CliContext): Promise<number> {
  const folders = [...new Set(dirs.flatMap((d) => runFoldersIn(path.resolve(ctx.cwd, d))))];
  const store = new FsRunStore(ctx.cwd);
  const runs: LoadedRun[] = [];
  for (const folder of folders) runs.push(await loadRun(await store.open(folder)));
  const out = flags.out ? path.resolve(ctx.cwd, flags.out) : defaultReportPath(ctx, dirs);
  await writeCombinedReport(out, runs, flags.title);
  ctx.stderr.write(`report over ${runs.length} run${runs.length === 1 ? '' : 's'}\n`);
  ctx.stdout.write(`${displayPath(ctx, out)}\n`);
  return 0;
}
