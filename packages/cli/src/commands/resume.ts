import { existsSync } from 'node:fs';
import path from 'node:path';
import { readRunRecord, resumeRun } from '@precond/core';
import { FsRunStore } from '@precond/runtime-node';
import { displayPath, type CliContext } from '../context.js';
import { prepareEnvironment } from '../environment.js';
import { CliError } from '../errors.js';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK } from '../exit-codes.js';
import { loadExperiment } from '../experiment/load-experiment.js';
import { BACKEND_REQUESTS, isBackendRequest, type BackendRequest } from '../flags.js';
import { listenForInterrupt } from '../interrupt.js';
import { buildRegistry } from '../plugins.js';
import { runProgress } from '../progress/progress.js';
import { afterRun, writeReports } from './run.js';

/** Flags of `precond resume`. */
export interface ResumeFlags {
  /** Backend to continue on; default: the one recorded in run.json (bit-exact results need the same one). */
  readonly backend?: BackendRequest;
  readonly report: boolean;
  readonly plugin?: readonly string[];
}

/**
 * `precond resume <run-dir>`: load the experiment the run was started from (run.json's
 * `experiment_source`), select the backend it ran on, and continue from its last checkpoint.
 */
export async function resumeCommand(dir: string, flags: ResumeFlags, ctx: CliContext): Promise<number> {
  const full = path.resolve(ctx.cwd, dir);
  if (!existsSync(full)) throw new CliError('not-found', `no run folder at ${full}`);
  const store = new FsRunStore(path.dirname(full));
  const folder = await store.open(full);
  const record = await readRunRecord(folder);
  // Checked here as well as in core, so that nothing slow (loading plugins, starting a backend) happens first.
  if (record.status === 'completed') {
    throw new CliError('completed', `${folder.location} is already completed (step ${record.step}); nothing to resume`);
  }
  const source = record.experiment_source;
  if (!source) {
    throw new CliError('no-source', `${displayPath(ctx, full)}/run.json records no experiment_source, so its experiment cannot be loaded again to resume it`);
  }
  if (!existsSync(source)) {
    throw new CliError('not-found', `the experiment this run was started from, ${source}, no longer exists; resume needs it as it was`);
  }
  const request = flags.backend ?? record.backend.name;
  if (!isBackendRequest(request)) {
    throw new CliError('usage', `run.json records backend '${request}', which --backend does not know; choose one of ${BACKEND_REQUESTS.join(', ')} with --backend`);
  }
  const plugins = flags.plugin ?? [];
  const registry = await buildRegistry(plugins, ctx.cwd);
  const { spec } = await loadExperiment(source, ctx.cwd, registry);
  const environment = await prepareEnvironment(request, source, ctx);

  const label = `${record.variant} s${record.seed}`;
  const interrupt = listenForInterrupt(ctx.stderr);
  let outcome;
  try {
    outcome = await resumeRun({
      experiment: spec,
      store,
      location: folder.location,
      environment,
      signal: interrupt.signal,
      onEvent: runProgress(ctx.stderr, { label, tty: ctx.stderr.isTTY === true, showLocation: (l) => displayPath(ctx, l) }),
    });
  } finally {
    interrupt.dispose();
  }
  const run = await afterRun(ctx, store, label, outcome, plugins);
  let exitCode = outcome.status === 'completed' && run ? EXIT_OK : outcome.status === 'interrupted' ? EXIT_INTERRUPTED : EXIT_ERROR;
  if (exitCode !== EXIT_INTERRUPTED && flags.report && run) {
    if (!(await writeReports(ctx, store, [run], null))) exitCode = Math.max(exitCode, EXIT_ERROR);
  }
  ctx.stdout.write(`${displayPath(ctx, outcome.location)}\n`);
  return exitCode;
}
