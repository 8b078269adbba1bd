import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defineExperiment, type ExperimentSpec, type PluginRegistry } from '@precond/core';
import { CliError } from '../errors.js';
import { importModule } from '../load-module.js';
import { experimentFromJson } from './json-experiment.js';

/** File names an experiment folder may hold, in the order they are looked for. */
export const EXPERIMENT_FILES = ['experiment.ts', 'experiment.mts', 'experiment.js', 'experiment.mjs', 'experiment.json'] as const;
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.json'];

/** An experiment and the absolute path of the file it came from (recorded for `precond resume`). */
export interface LoadedExperiment {
  readonly spec: ExperimentSpec;
  readonly source: string;
}

/**
 * The experiment file `target` names: the file itself, or the first of EXPERIMENT_FILES inside
 * the folder. Fails with a message naming the path and what was looked for.
 */
export function locateExperiment(target: string, cwd: string): string {
  const full = path.resolve(cwd, target);
  if (!existsSync(full)) {
    throw new CliError(
      'not-found',
      `no experiment at ${full}: no such file or folder (give a folder holding ${EXPERIMENT_FILES.join(', ')}, or one of those files)`,
    );
  }
  if (statSync(full).isDirectory()) {
    for (const name of EXPERIMENT_FILES) {
      const file = path.join(full, name);
      if (existsSync(file)) return file;
    }
    throw new CliError('not-found', `no experiment in folder ${full}: looked for ${EXPERIMENT_FILES.join(', ')}`);
  }
  if (!EXTENSIONS.includes(path.extname(full))) {
    throw new CliError('not-found', `${full} is not an experiment file: expected a ${EXTENSIONS.join(', ')} file or a folder holding one`);
  }
  return full;
}

/**
 * Load the experiment at `target` (folder or file). A `.ts`/`.js` module default-exports what
 * `defineExperiment` returns; a `.json` file names plugins by id, resolved through `registry`.
 */
export async function loadExperiment(target: string, cwd: string, registry: PluginRegistry): Promise<LoadedExperiment> {
  const source = locateExperiment(target, cwd);
  if (source.endsWith('.json')) {
    return { spec: experimentFromJson(await readFile(source, 'utf8'), source, registry), source };
  }
  const mod = await importModule(source, cwd, 'experiment');
  const spec = mod.default;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new CliError(
      'bad-experiment',
      `${source}: the default export must be an experiment: \`export default defineExperiment({ name, task, settings, variants })\`; got ${spec === undefined ? 'no default export' : typeof spec}`,
    );
  }
  // defineExperiment is idempotent: checking again catches files that skip it.
  return { spec: defineExperiment(spec as ExperimentSpec), source };
}
