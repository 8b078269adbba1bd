import path from 'node:path';
import type { RunEnvironment } from '@precond/core';
import { DEFAULT_RECORDED_PACKAGES, nodeEnvironment, selectBackend } from '@precond/runtime-node';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';
import type { BackendRequest } from './flags.js';
import { CLI_PACKAGE, CLI_VERSION } from './version.js';

/** The backend a process runs on, and the line that tells the user which one it is. */
export interface ChosenBackend {
  readonly backend: RunEnvironment['backend'];
  /** `backend: wasm 4.22.0` (with the candidates `auto` skipped). */
  readonly notice: string;
}

/**
 * Select the tfjs backend of this process (it switches the global engine, so once per process).
 * A backend that cannot be used is a CliError naming `--backend`.
 */
export async function chooseBackend(request: BackendRequest, cwd: string): Promise<ChosenBackend> {
  let backend;
  try {
    backend = await selectBackend(request, { resolveFrom: cwd });
  } catch (error) {
    throw new CliError('backend', `--backend ${request}: ${(error as Error).message}`, { cause: error });
  }
  const skipped = backend.candidates.filter((c) => c.name !== backend.name && c.available === false);
  const note = request === 'auto' && skipped.length > 0 ? ` (auto; not available: ${skipped.map((c) => c.name).join(', ')})` : '';
  return { backend: { name: backend.name, version: backend.version }, notice: `backend: ${backend.name} ${backend.version}${note}` };
}

/**
 * What every run of an invocation records apart from its backend: package versions, the git
 * commit, and the experiment file so `precond resume` can load it again.
 */
export async function recordedEnvironment(experimentSource: string): Promise<Omit<RunEnvironment, 'backend'>> {
  // Versions are looked up from the experiment's folder: that is the project whose packages it imports.
  const env = await nodeEnvironment({ cwd: path.dirname(experimentSource), packages: [...DEFAULT_RECORDED_PACKAGES] });
  return {
    packages: { [CLI_PACKAGE]: CLI_VERSION, ...env.packages },
    gitCommit: env.gitCommit,
    experimentSource,
  };
}

/**
 * Choose the tfjs backend (once per invocation: it switches the global engine), print it, and
 * collect what the runs record about where they ran.
 */
export async function prepareEnvironment(request: BackendRequest, experimentSource: string, ctx: CliContext): Promise<RunEnvironment> {
  const { backend, notice } = await chooseBackend(request, ctx.cwd);
  ctx.stderr.write(`${notice}\n`);
  return { backend, ...(await recordedEnvironment(experimentSource)) };
}
