import path from 'node:path';
import { getVariant, runVariant, type ExperimentSpec, type Overrides, type RunOutcome } from '@precond/core';
import type { LoadedRun } from '@precond/report';
import { FsRunStore } from '@precond/runtime-node';
import { displayPath, indentLines, type CliContext } from '../context.js';
import { prepareEnvironment } from '../environment.js';
import { CliError } from '../errors.js';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK } from '../exit-codes.js';
import { loadExperiment } from '../experiment/load-experiment.js';
import { parseCount, parseSeeds, parseSet, type BackendRequest } from '../flags.js';
import { listenForInterrupt } from '../interrupt.js';
import { writeCombinedReport, writeRunReport, writeSummary } from '../outputs.js';
import { buildRegistry } from '../plugins.js';
import { runProgress } from '../progress/progress.js';

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
  if (outcome.status === 'failed') {
    ctx.stderr.write(`precond: run ${label} failed: ${indentLines(outcome.error?.message ?? 'unknown error')}\n  run folder: ${where}\n`);
  } else if (outcome.status === 'interrupted') {
    ctx.stderr.write(`precond: run ${label} interrupted at step ${outcome.step}; checkpoint saved in ${where}\n  resume it with: ${resumeHint(ctx, outcome.location, plugins)}\n`);
  }
  try {
    return await writeSummary(await store.open(outcome.location));
  } catch (error) {
    ctx.stderr.write(`precond: could not write ${where}/summary.json: ${(error as Error).message}\n`);
    return null;
  }
}

/** Write report.html into each run folder and one combined report; false if any could not be written. */
export async function writeReports(ctx: CliContext, store: FsRunStore, runs: readonly LoadedRun[], combined: string | null): Promise<boolean> {
  let ok = true;
  for (const run of runs) {
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
 * `precond run <experiment> [...]`: every chosen variant × seed, one after another, each in its
 * own run folder under `--out`. Returns the exit code: 0 when every run completed, 1 when one
 * failed (the others still run), 130 when interrupted.
 */
export async function runCommand(target: string, flags: RunFlags, ctx: CliContext): Promise<number> {
  // Flags are checked before anything slow (loading plugins, starting a backend) happens.
  const overrides = collectOverrides(flags);
  const seedsFlag = flags.seeds === undefined ? undefined : parseSeeds(flags.seeds);
  const plugins = flags.plugin ?? [];
  const registry = await buildRegistry(plugins, ctx.cwd);
  const { spec, source } = await loadExperiment(target, ctx.cwd, registry);
  const plan = pickVariants(spec, flags.variant).flatMap((variant) =>
    seedsFor(spec, variant, seedsFlag, overrides).map((seed) => ({ variant, seed })),
  );
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
