import type { z } from 'zod';
import type { DependencyContainer } from '../di/container.js';

/** The kinds of plugin a run is composed of. */
export const PLUGIN_KINDS = ['task', 'model', 'optimizer', 'preconditioner', 'probe'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

/** Identity of a plugin: the package it ships in, its version, its kind and its short id. */
export interface PluginMeta {
  /** Package name, e.g. `@precond/optimizer-first-order`. */
  readonly name: string;
  readonly version: string;
  readonly kind: PluginKind;
  /** Short id used on the command line and in run records, e.g. `adam`. */
  readonly id: string;
  /** One line for `precond list`. */
  readonly description?: string;
}

/** What `register` is told about where it is registered. */
export interface RegisterContext {
  /** The slot the plugin fills, e.g. `optimizer` or `probes.ntk`. */
  readonly slot: string;
}

/**
 * A plugin as an experiment holds it: a plain object with its metadata, its option schema, the
 * options the user gave (not yet validated) and `register`, which the runner calls once per run
 * with the validated options (defaults filled in).
 */
export interface PluginInstance<S extends z.ZodType = z.ZodType> {
  readonly meta: PluginMeta;
  readonly options: S;
  /** Options as given by the user; validated against `options` by the runner. */
  readonly config: unknown;
  register(container: DependencyContainer, options: z.output<S>, ctx: RegisterContext): void;
}

/** A plugin package's default export: options in, plugin object out; also carries meta and schema. */
export interface PluginFactory<S extends z.ZodType = z.ZodType> {
  (config?: z.input<S>): PluginInstance<S>;
  readonly meta: PluginMeta;
  readonly options: S;
}

export interface PluginDefinition<S extends z.ZodType> {
  meta: PluginMeta;
  options: S;
  register(container: DependencyContainer, options: z.output<S>, ctx: RegisterContext): void;
}

/**
 * Define a plugin. The result is the factory a plugin package default-exports:
 * `export default definePlugin({ meta, options: z.object({...}).strict(), register })`.
 */
export function definePlugin<S extends z.ZodType>(def: PluginDefinition<S>): PluginFactory<S> {
  if (!def.meta?.id || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(def.meta.id)) {
    throw new Error(`plugin id must be lower-case kebab-case, got '${def.meta?.id}' (package ${def.meta?.name})`);
  }
  const factory = ((config?: z.input<S>) => ({
    meta: def.meta,
    options: def.options,
    config: config ?? {},
    register: def.register,
  })) as PluginFactory<S>;
  Object.defineProperty(factory, 'meta', { value: def.meta, enumerable: true });
  Object.defineProperty(factory, 'options', { value: def.options, enumerable: true });
  return factory;
}

/** Whether `value` looks like a plugin object (used to give clear errors on bad experiment files). */
export function isPluginInstance(value: unknown): value is PluginInstance {
  const v = value as PluginInstance | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.meta === 'object' &&
    typeof v.meta?.id === 'string' &&
    typeof v.register === 'function' &&
    typeof (v.options as { safeParse?: unknown })?.safeParse === 'function'
  );
}
