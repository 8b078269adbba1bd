import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PLUGIN_KINDS, type PluginRegistry } from '@precond/core';
import { displayPath, type CliContext } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { EXPERIMENT_FILES, loadExperiment } from '../experiment/load-experiment.js';
import { buildRegistry } from '../plugins.js';

/** Flags of `precond list`. */
export interface ListFlags {
  readonly plugin?: readonly string[];
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** Every registered plugin, grouped by kind in the order a run composes them, then by id. */
export function pluginTable(registry: PluginRegistry): string {
  const factories = registry
    .list()
    .sort((a, b) => PLUGIN_KINDS.indexOf(a.meta.kind) - PLUGIN_KINDS.indexOf(b.meta.kind) || a.meta.id.localeCompare(b.meta.id));
  return table(
    ['ID', 'KIND', 'PACKAGE', 'VERSION', 'DESCRIPTION'],
    factories.map((f) => [f.meta.id, f.meta.kind, f.meta.name, f.meta.version, f.meta.description ?? '']),
  );
}

/** The nearest folder, from `cwd` upwards, that holds an `experiments/` folder. */
export function findExperimentsFolder(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'experiments');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new CliError('not-found', `no experiments/ folder in ${cwd} or any folder above it`);
}

async function listExperiments(ctx: CliContext, registry: PluginRegistry): Promise<number> {
  const root = findExperimentsFolder(ctx.cwd);
  // Files are shown from the folder holding experiments/ (the workspace root), as `precond run` there takes them.
  const shown = (file: string) => path.relative(path.dirname(root), file);
  const rows: string[][] = [];
  let exitCode = 0;
  const folders = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const name of folders) {
    const dir = path.join(root, name);
    const file = EXPERIMENT_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
    if (!file) continue;
    try {
      const { spec } = await loadExperiment(file, ctx.cwd, registry);
      rows.push([spec.name, Object.keys(spec.variants).join(', '), shown(file), spec.description ?? '']);
    } catch (error) {
      exitCode = 1;
      rows.push([name, '-', shown(file), 'cannot be loaded (see above)']);
      const text = formatError(error, ctx.env);
      // Say which experiment failed, unless the message already names its file.
      ctx.stderr.write(text.includes(file) ? text : text.replace(/^precond: /, `precond: ${shown(file)}: `));
    }
  }
  if (rows.length === 0) ctx.stderr.write(`no experiments in ${displayPath(ctx, root)} (looked for */${EXPERIMENT_FILES.join(', */')})\n`);
  else ctx.stdout.write(table(['EXPERIMENT', 'VARIANTS', 'FILE', 'DESCRIPTION'], rows));
  return exitCode;
}

/** `precond list [plugins|experiments]`. */
export async function listCommand(what: string, flags: ListFlags, ctx: CliContext): Promise<number> {
  if (what !== 'plugins' && what !== 'experiments') {
    throw new CliError('usage', `list: unknown subject '${what}'; choose plugins or experiments`);
  }
  const registry = await buildRegistry(flags.plugin ?? [], ctx.cwd);
  if (what === 'plugins') {
    ctx.stdout.write(pluginTable(registry));
    return 0;
  }
  return listExperiments(ctx, registry);
}
