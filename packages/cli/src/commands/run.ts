import { availableParallelism } from 'node:os';
import path from 'node:path';
import { getVariant, runVariant, type ExperimentSpec, type Overrides, type RunOutcome, type RunStatus } from '@precond/core';
import { loadRun, type LoadedRun } from '@precond/report';
import { FsRunStore } from '@precond/runtime-node';
import { displayPath, indentLines, type CliContext } from '../context.js';
import { prepareEnvironment, recordedEnvironment } from '../environment.js';
import { CliError } from '../errors.js';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK } from '../exit-codes.js';
import { loadExperiment } from '../experiment/load-experiment.js';
import { parseCount, parseSeeds, parseSet, type BackendRequest } from '../flags.js';
import { listenForInterrupt } from '../interrupt.js';
import { writeCombinedReport, writeRunReport, writeSummary } from '../outputs.js';
import { WorkerPool, type PlannedRun } from '../parallel/worker-pool.js';
import { buildRegistry } from '../plugins.js';
import { progressBoard, runProgress, stopBoard } from '../progress/progress.js';

/** Flags of `precond run`, as commander hands them over. */
export interface RunFlags {
  readonly variant: string;
  readonly seeds?: string;
  readonly steps?: string;
  readonly set?: readonly string[];
  readonly backend: BackendRequest;
  readonly out: string;
  readonly checkpointEvery?: string;
  readonly report: boolean;
  readonly plugin?: readonly string[];
  /** Runs at a time, each in its own worker process (default: CPU cores, at most the run count). */
  readonly jobs?: string;
}

/** `--jobs N`: a positive integer; without it, one job per CPU core. Never more jobs than runs. */
export function jobsFor(flag: string | undefined, runs: number, cores: number = availableParallelism()): number {
  const wanted = flag === undefined ? cores : parseCount('--jobs', flag);
  if (wanted < 1) throw new CliError('usage', `--jobs: expected a positive integer (1 runs everything in this process), got '${flag}'`);
  return Math.max(1, Math.min(wanted, runs));
}

/** `--set` pairs, then `--steps` and `--checkpoint-every`, which are shorthands for two of them. */
export function collectOverrides(flags: Pick<RunFlags, 'set' | 'steps' | 'checkpointEvery'>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const text of flags.set ?? []) {
    const [key, value] = parseSet(text);
    overrides[key] = value;
  }
  if (flags.steps !== undefined) overrides.steps = parseCount('--steps', flags.steps);
  if (flags.checkpointEvery !== undefined) overrides.checkpointEvery = parseCount('--checkpoint-every', flags.checkpointEvery);
  return overrides;
}

/** `all`, one name, or names separated by commas; unknown names fail with core's list of variants. */
export function pickVariants(spec: ExperimentSpec, choice: string): string[] {
  if (choice === 'all') return Object.keys(spec.variants);
  const names = choice.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new CliError('usage', `--variant: expected a variant name or 'all', got '${choice}'`);
  for (const name of names) getVariant(spec, name);
  return [...new Set(names)];
}

function isSeedList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => Number.isInteger(s) && s >= 0);
}

/** Seeds of one variant: `--seeds`, else `--set seeds=[...]`, else the variant's, else the experiment's settings. */
export function seedsFor(spec: ExperimentSpec, variant: string, seedsFlag: number[] | undefined, overrides: Overrides): number[] {
  if (seedsFlag) return seedsFlag;
  if (isSeedList(overrides.seeds)) return overrides.seeds;
  const fromVariant = spec.variants[variant]?.settings?.seeds;
  if (isSeedList(fromVariant)) return fromVariant;
  return isSeedList(spec.settings.seeds) ? spec.settings.seeds : [0];
}

/** The command that continues an interrupted run, with the flags it needs to find its plugins. */
export function resumeHint(ctx: CliContext, location: string, plugins: readonly string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return ['precond resume', quote(displayPath(ctx, location)), ...plugins.map((p) => `--plugin ${quote(p)}`)].join(' ');
}

/**
 * Report a finished run: its summary.json always, the failure (message and folder) or how to
 * resume an interruption. Returns the loaded run for the reports, or null if the folder is unreadable.
 */
export async function afterRun(
  ctx: CliContext,
  store: FsRunStore,
  label: string,
  outcome: RunOutcome,
  plugins: readonly string[],
): Promise<LoadedRun | null> {
  const where = displayPath(ctx, outcome.location);
  announceOutcome(ctx, (text) => ctx.stderr.write(text), label, outcome, plugins);
  try {
    return await writeSummary(await store.open(outcome.location));
  } catch (error) {
    ctx.stderr.write(`precond: could not write ${where}/summary.json: ${(error as Error).message}\n`);
    return null;
  }
}

/** Print how a run ended when it did not complete: its error and folder, or how to resume it. */
export function announceOutcome(
  ctx: CliContext,
  print: (text: string) => void,
  label: string,
  outcome: { readonly status: RunStatus; readonly location: string | null; readonly step: number; readonly error?: Error | undefined },
  plugins: readonly string[],
): void {
  const where = outcome.location === null ? null : displayPath(ctx, outcome.location);
  if (outcome.status === 'failed') {
    const folder = where === null ? '  (no run folder was created)' : `  run folder: ${where}`;
    print(`precond: run ${label} failed: ${indentLines(outcome.error?.message ?? 'unknown error')}\n${folder}\n`);
  } else if (outcome.status === 'interrupted' && outcome.location !== null) {
    print(`precond: run ${label} interrupted at step ${outcome.step}; checkpoint saved in ${where}\n  resume it with: ${resumeHint(ctx, outcome.location, plugins)}\n`);
  }
}

/** Write report.html into each run folder and one combined report; false if any could not be written. */
export async function writeReports(
  ctx: CliContext,
  store: FsRunStore,
  runs: readonly LoadedRun[],
  combined: string | null,
  options: { readonly perRun?: boolean } = {},
): Promise<boolean> {
  let ok = true;
  for (const run of options.perRun === false ? [] : runs) {
    try {
      await writeRunReport(await store.open(run.location), run);
    } catch (error) {
      ok = false;
      ctx.stderr.write(`precond: could not write the report of ${displayPath(ctx, run.location)}: ${(error as Error).message}\n`);
    }
  }
  if (combined && runs.length > 0) {
    try {
      await writeCombinedReport(combined, runs);
      ctx.stderr.write(`report: ${displayPath(ctx, combined)}\n`);
    } catch (error) {
      ok = false;
      ctx.stderr.write(`precond: could not write ${displayPath(ctx, combined)}: ${(error as Error).message}\n`);
    }
  }
  return ok;
}

/**
 * `precond run <experiment> [...]`: every chosen variant × seed, each in its own run folder under
 * `--out`: one after another in this process with `--jobs 1`, otherwise up to `--jobs` at a time in
 * worker processes. Returns the exit code: 0 when every run completed, 1 when one failed (the
 * others still run), 130 when interrupted.
 */
export async function runCommand(target: string, flags: RunFlags, ctx: CliContext): Promise<number> {
  // Flags are checked before anything slow (loading plugins, starting a backend) happens.
  const overrides = collectOverrides(flags);
  const seedsFlag = flags.seeds === undefined ? undefined : parseSeeds(flags.seeds);
  if (flags.jobs !== undefined) jobsFor(flags.jobs, 1);
  const plugins = flags.plugin ?? [];
  const registry = await buildRegistry(plugins, ctx.cwd);
  const { spec, source } = await loadExperiment(target, ctx.cwd, registry);
  const plan = pickVariants(spec, flags.variant).flatMap((variant) =>
    seedsFor(spec, variant, seedsFlag, overrides).map((seed) => ({ variant, seed })),
  );
  const jobs = jobsFor(flags.jobs, plan.length);
  if (jobs > 1) return runInWorkers(ctx, { spec, source, plan, overrides, plugins, flags, jobs });
  const environment = await prepareEnvironment(flags.backend, source, ctx);
  const root = path.resolve(ctx.cwd, flags.out);
  const store = new FsRunStore(root);

  const runs: LoadedRun[] = [];
  const locations: string[] = [];
  let exitCode = EXIT_OK;
  const interrupt = listenForInterrupt(ctx.stderr);
  try {
    for (const [i, { variant, seed }] of plan.entries()) {
      if (interrupt.signal.aborted) {
        ctx.stderr.write(`precond: interrupted between runs; ${plan.length - i} of ${plan.length} not started\n`);
        exitCode = EXIT_INTERRUPTED;
        break;
      }
      const label = `${variant} s${seed}`;
      const outcome = await runVariant({
        experiment: spec,
        variant,
        seed,
        overrides,
        store,
        environment,
        signal: interrupt.signal,
        onEvent: runProgress(ctx.stderr, { label, tty: ctx.stderr.isTTY === true, showLocation: (l) => displayPath(ctx, l) }),
      });
      locations.push(outcome.location);
      const run = await afterRun(ctx, store, label, outcome, plugins);
      if (run) runs.push(run);
      if (outcome.status === 'failed' || !run) exitCode = Math.max(exitCode, EXIT_ERROR);
      if (outcome.status === 'interrupted') {
        exitCode = EXIT_INTERRUPTED;
        break;
      }
    }
  } finally {
    interrupt.dispose();
  }
  // An interrupted invocation stops quickly: the user asked to stop, reports can be made later.
  if (exitCode !== EXIT_INTERRUPTED && flags.report) {
    const ok = await writeReports(ctx, store, runs, path.join(root, spec.name, 'report.html'));
    if (!ok) exitCode = Math.max(exitCode, EXIT_ERROR);
  }
  for (const location of locations) ctx.stdout.write(`${displayPath(ctx, location)}\n`);
  return exitCode;
}

/**
 * `precond run` with `--jobs N` > 1: the plan runs in N worker processes (parallel/worker.ts), each
 * run into its own folder as in one process; progress is one bar per running run on a terminal
 * (plain lines tagged `[variant sSEED]` otherwise); the combined report is written here at the end.
 */
async function runInWorkers(
  ctx: CliContext,
  job: {
    readonly spec: ExperimentSpec;
    readonly source: string;
    readonly plan: readonly PlannedRun[];
    readonly overrides: Record<string, unknown>;
    readonly plugins: readonly string[];
    readonly flags: RunFlags;
    readonly jobs: number;
  },
): Promise<number> {
  const { spec, source, plan, overrides, plugins, flags, jobs } = job;
  const root = path.resolve(ctx.cwd, flags.out);
  const store = new FsRunStore(root);
  const tty = ctx.stderr.isTTY === true;
  const board = tty ? progressBoard(ctx.stderr) : undefined;
  const print = (text: string) => (board ? board.log(text) : ctx.stderr.write(text));
  const labels = plan.map(({ variant, seed }) => `${variant} s${seed}`);
  const progress = plan.map((_, i) =>
    runProgress(ctx.stderr, { label: labels[i]!, tty, showLocation: (l) => displayPath(ctx, l), ...(board ? { board } : {}) }),
  );
  const loaded: Array<LoadedRun | undefined> = plan.map(() => undefined);
  let exitCode = EXIT_OK;
  let pool: WorkerPool | undefined;
  // A second Ctrl-C ends the workers too, not only this process.
  const interrupt = listenForInterrupt(ctx.stderr, (code) => {
    pool?.kill();
    process.exit(code);
  });
  let interrupted = false;
  let boardStopped = false;
  try {
    pool = new WorkerPool({
      jobs,
      plan,
      source,
      cwd: ctx.cwd,
      plugins,
      backend: flags.backend,
      overrides,
      out: root,
      report: flags.report,
      environment: recordedEnvironment(source),
      signal: interrupt.signal,
      onReady: (notice) => print(`${notice} (${jobs} jobs)\n`),
      onEvent: (index) => progress[index]!,
      onDone: async (index, result) => {
        if (result.status === 'interrupted') interrupted = true;
        announceOutcome(ctx, print, labels[index]!, result, plugins);
        if (result.outputError !== undefined) {
          exitCode = Math.max(exitCode, EXIT_ERROR);
          print(`precond: run ${labels[index]}: could not write its summary or report: ${result.outputError}\n`);
        }
        if (result.status === 'failed') exitCode = Math.max(exitCode, EXIT_ERROR);
        if (result.location === null) return;
        try {
          loaded[index] = await loadRun(await store.open(result.location));
        } catch (error) {
          exitCode = Math.max(exitCode, EXIT_ERROR);
          print(`precond: could not read ${displayPath(ctx, result.location)}: ${(error as Error).message}\n`);
        }
      },
      log: print,
    });
    const outcome = await pool.run();
    const { notStarted } = outcome;
    const locations = outcome.results.map((r) => r?.location ?? null).filter((l): l is string => l !== null);
    if (interrupt.signal.aborted) {
      interrupted = true;
      if (notStarted > 0) print(`precond: interrupted; ${notStarted} of ${plan.length} runs not started\n`);
    }
    if (board) {
      stopBoard(board);
      boardStopped = true;
    }
    if (interrupted) exitCode = EXIT_INTERRUPTED;
    // Each worker wrote its runs' own reports; the combined one needs them all.
    if (exitCode !== EXIT_INTERRUPTED && flags.report) {
      const runs = loaded.filter((r): r is LoadedRun => r !== undefined);
      if (!(await writeReports(ctx, store, runs, path.join(root, spec.name, 'report.html'), { perRun: false }))) exitCode = Math.max(exitCode, EXIT_ERROR);
    }
    for (const location of locations) ctx.stdout.write(`${displayPath(ctx, location)}\n`);
    return exitCode;
  } finally {
    if (board && !boardStopped) stopBoard(board);
    interrupt.dispose();
  }
}
