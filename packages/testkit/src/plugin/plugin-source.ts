import {
  createRunContainer,
  parsePluginOptions,
  provide,
  Rng,
  RNG,
  RUN_INFO,
  type DependencyContainer,
  type PluginFactory,
  type PluginInstance,
  type z,
} from '@precond/core';

/**
 * What a suite accepts: the factory a plugin package default-exports (`adam`), or a plugin object
 * already made from it (`adam({ lr: 0.1 })`).
 */
export type PluginSource<S extends z.ZodType = z.ZodType> = PluginFactory<S> | PluginInstance<S>;

/** The plugin object a run would hold, with `config` as the user options (or the source's own). */
export function instantiate<S extends z.ZodType>(source: PluginSource<S>, config?: unknown): PluginInstance<S> {
  if (typeof source === 'function') return source(config as z.input<S>);
  return config === undefined ? source : { ...source, config };
}

/** `<id> (<package>@<version>)`, readable even for a plugin whose metadata is broken. */
export function pluginLabel(source: PluginSource | undefined): string {
  const meta = (source as { meta?: { id?: unknown; name?: unknown; version?: unknown } } | undefined)?.meta;
  if (!meta || typeof meta !== 'object') return '(plugin without meta)';
  return `${String(meta.id)} (${String(meta.name)}@${String(meta.version)})`;
}

/** Validate a plugin's options as the runner does and call its `register` with them. */
export function registerPlugin(container: DependencyContainer, plugin: PluginInstance, slot: string): void {
  const options = parsePluginOptions(plugin, plugin.config, slot);
  plugin.register(container, options as never, { slot });
}

/**
 * A fresh run container holding what the runner provides before any plugin registers: RUN_INFO
 * and the run's root RNG. Returns the root RNG too, because tasks and models draw from its forks.
 */
export function conformanceContainer(seed: number, steps: number, variant: string): { container: DependencyContainer; rng: Rng } {
  const container = createRunContainer();
  const rng = new Rng(seed);
  provide(container, RUN_INFO, { useValue: { experiment: 'conformance', variant, seed, steps } });
  provide(container, RNG, { useValue: rng });
  return { container, rng };
}
