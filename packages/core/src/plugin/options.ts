import { z } from 'zod';
import { article, OptionsError } from '../errors/errors.js';
import type { PluginInstance } from './define-plugin.js';

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v}'`;
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** The option names an object schema accepts (for "its options are ..." hints). */
export function optionNames(schema: z.ZodType): string[] {
  const s = schema as unknown as { shape?: Record<string, unknown>; _zod?: { def?: { innerType?: z.ZodType } } };
  if (s.shape) return Object.keys(s.shape);
  const inner = s._zod?.def?.innerType;
  return inner ? optionNames(inner) : [];
}

/**
 * Validate `raw` against a plugin's schema. Throws an OptionsError naming the plugin, the option
 * path (prefixed by `slot`), the value given and what is allowed.
 */
export function parsePluginOptions<S extends z.ZodType>(plugin: PluginInstance<S>, raw: unknown, slot: string): z.output<S> {
  const result = plugin.options.safeParse(raw ?? {});
  if (result.success) return result.data;
  const who = `plugin '${plugin.meta.id}' (${plugin.meta.name})`;
  const lines = result.error.issues.map((issue) => {
    const path = [slot, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      const parentSchemaKeys = optionNames(plugin.options);
      const keys = (issue as { keys: string[] }).keys.map((k) => [path, k].join('.'));
      return `unknown option ${keys.map((k) => `'${k}'`).join(', ')} for ${who}; its options are: ${parentSchemaKeys.join(', ') || '(none)'}`;
    }
    const given = valueAt(raw, issue.path);
    return `option '${path}' of ${who}: ${issue.message} (given ${describeValue(given)})`;
  });
  const first = result.error.issues[0]!;
  throw new OptionsError([slot, ...first.path.map(String)].join('.'), lines.join('\n'));
}

/**
 * Turn a resolved options object into plain JSON for run.json (nested plugins become
 * `{ plugin, options }`), so every default is on record.
 */
export function optionsToJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    return value;
  }
  if (Array.isArray(value)) return value.map(optionsToJson);
  const v = value as Record<string, unknown>;
  if (typeof v.register === 'function' && v.meta && typeof v.meta === 'object') {
    const p = v as unknown as PluginInstance;
    return { plugin: p.meta.id, package: p.meta.name, options: optionsToJson(p.options.safeParse(p.config ?? {}).data ?? p.config) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = optionsToJson(x);
  return out;
}

/** A zod schema for an option whose value is another plugin instance of `kind` (hybrid optimizers). */
export function pluginOption(kind: PluginInstance['meta']['kind']) {
  return z.custom<PluginInstance>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as PluginInstance).register === 'function' &&
      (v as PluginInstance).meta?.kind === kind,
    { message: `expected ${article(kind)} plugin object (e.g. adam({ lr: 1e-3 }))` },
  );
}
