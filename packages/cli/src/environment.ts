import path from 'node:path';
import type { RunEnvironment } from '@precond/core';
import { DEFAULT_RECORDED_PACKAGES, nodeEnvironment, selectBackend } from '@precond/runtime-node';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';
import type { BackendRequest } from './flags.js';
import { CLI_PACKAGE, CLI_VERSION } from './version.js';

/**
 * Choose the tfjs backend (once per invocation: it switches the global engine) and collect what
 * the runs record about where they ran: backend and version, package versions, git commit, and
 * the experiment file so `precond resume` can load it again.
 */
export async function prepareEnvironment(request: BackendRequest, experimentSource: string, ctx: CliContext): Promise<RunEnvironment> {
  const experimentDir = path.dirname(experimentSource);
  let backend;
  try {
    backend = await selectBackend(request, { resolveFrom: ctx.cwd });
  } catch (error) {
    throw new CliError('backend', `--backend ${request}: ${(error as Error).message}`, { cause: error });
  }
  const skipped = backend.candidates.filter((c) => c.name !== backend.name && c.available === false);
  const note = request === 'auto' && skipped.length > 0 ? ` (auto; not available: ${skipped.map((c) => c.name).join(', ')})` : '';
  ctx.stderr.write(`backend: ${backend.name} ${backend.version}${note}\n`);
  // Versions are looked up from the experiment's folder: that is the project whose packages it imports.
  const env = await nodeEnvironment({ cwd: experimentDir, packages: [...DEFAULT_RECORDED_PACKAGES] });
  return {
    backend: { name: backend.name, version: backend.version },
    packages: { [CLI_PACKAGE]: CLI_VERSION, ...env.packages },
    gitCommit: env.gitCommit,
    experimentSource,
  };
}
