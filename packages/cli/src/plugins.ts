import { PluginRegistry, type PluginFactory } from '@precond/core';
import { mlp, transformer } from '@precond/nn';
import { firstOrderPlugins } from '@precond/optimizer-first-order';
import { gaussNewtonPlugins } from '@precond/optimizer-gauss-newton';
import { kfac } from '@precond/preconditioner-kfac';
import { shampoo } from '@precond/preconditioner-shampoo';
import { ntk } from '@precond/probe-ntk';
import { fourierTarget } from '@precond/task-fourier-target';
import { modularAddition } from '@precond/task-modular-addition';
import { CliError } from './errors.js';
import { importModule } from './load-module.js';

/**
 * The plugins the CLI knows by id without `--plugin`: the explicit table ARCHITECTURE.md asks for
 * (ids map to the packages the CLI depends on).
 */
export const BUILT_IN_PLUGINS: readonly PluginFactory[] = [
  ...firstOrderPlugins,
  ...gaussNewtonPlugins,
  mlp,
  transformer,
  fourierTarget,
  modularAddition,
  kfac,
  shampoo,
  ntk,
] as readonly PluginFactory[];

function isPluginFactory(value: unknown): value is PluginFactory {
  const f = value as PluginFactory | undefined;
  return (
    typeof f === 'function' &&
    typeof f.meta === 'object' &&
    f.meta !== null &&
    typeof f.meta.id === 'string' &&
    typeof f.meta.kind === 'string' &&
    typeof f.meta.name === 'string'
  );
}

/** The plugin factories a `--plugin` module default-exports (one factory, or an array of them). */
export async function loadPluginModule(spec: string, cwd: string): Promise<PluginFactory[]> {
  const what = `--plugin ${spec}`;
  const mod = await importModule(spec, cwd, what);
  const exported = mod.default;
  const list = Array.isArray(exported) ? (exported as unknown[]) : [exported];
  if (exported === undefined || list.length === 0) {
    throw new CliError('bad-plugin', `${what}: the module has no default export; it must default-export a plugin factory (definePlugin({...})) or an array of them`);
  }
  list.forEach((f, i) => {
    if (!isPluginFactory(f)) {
      const where = Array.isArray(exported) ? `default export [${i}]` : 'default export';
      throw new CliError('bad-plugin', `${what}: ${where} is not a plugin factory (a function with meta { id, kind, name, version }, as definePlugin returns); got ${typeof f}`);
    }
  });
  return list as PluginFactory[];
}

/**
 * The registry of plugins addressable by id: the built-in table, then each `--plugin` module in
 * order. An id claimed twice fails with core's DuplicatePluginError naming both origins.
 */
export async function buildRegistry(pluginModules: readonly string[], cwd: string): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  for (const factory of BUILT_IN_PLUGINS) registry.add(factory, `${factory.meta.name} (built in)`);
  for (const spec of pluginModules) {
    for (const factory of await loadPluginModule(spec, cwd)) registry.add(factory, `--plugin ${spec} (${factory.meta.name})`);
  }
  return registry;
}
