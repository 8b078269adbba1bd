import { OptionsError } from '../errors/errors.js';
import { isPluginInstance, type PluginInstance } from '../plugin/define-plugin.js';
import { parsePluginOptions, optionsToJson } from '../plugin/options.js';
import { runSettingsSchema, getVariant, type ExperimentSpec, type RunSettings } from './experiment.js';

/** `--set` overrides: dotted path → value (already parsed from JSON where it was JSON). */
export type Overrides = Readonly<Record<string, unknown>>;

const SETTING_KEYS = Object.keys(runSettingsSchema.shape);
const PLUGIN_SLOTS = ['task', 'model', 'optimizer', 'preconditioner'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Set `path` in a copy of `target`; nested plugin objects are entered through their `config`. */
function setPath(target: unknown, path: readonly string[], value: unknown, fullPath: string): unknown {
  if (path.length === 0) return value;
  if (isPluginInstance(target)) {
    return { ...target, config: setPath(target.config ?? {}, path, value, fullPath) };
  }
  if (target !== undefined && !isRecord(target)) {
    throw new OptionsError(fullPath, `--set ${fullPath}: '${path[0]}' cannot be set because its parent holds ${JSON.stringify(target)}, not an object of options`);
  }
  const [head, ...rest] = path as [string, ...string[]];
  const base = (target ?? {}) as Record<string, unknown>;
  return { ...base, [head]: setPath(base[head], rest, value, fullPath) };
}

/** Split overrides by the slot they address, rejecting paths that do not exist. */
export function groupOverrides(overrides: Overrides, probeIds: readonly string[]): Map<string, Array<[string[], unknown, string]>> {
  const groups = new Map<string, Array<[string[], unknown, string]>>();
  for (const [full, value] of Object.entries(overrides)) {
    const parts = full.split('.').filter((p) => p.length > 0);
    const root = parts[0] ?? '';
    let slot: string;
    let rest: string[];
    if (SETTING_KEYS.includes(root)) {
      slot = 'settings';
      rest = parts;
    } else if ((PLUGIN_SLOTS as readonly string[]).includes(root)) {
      slot = root;
      rest = parts.slice(1);
    } else if (root === 'probes') {
      const id = parts[1] ?? '';
      if (!probeIds.includes(id)) {
        throw new OptionsError(full, `--set ${full}: no probe '${id}' in this variant; its probes are: ${probeIds.join(', ') || '(none)'}`);
      }
      slot = `probes.${id}`;
      rest = parts.slice(2);
    } else {
      const valid = [...SETTING_KEYS, ...PLUGIN_SLOTS, 'probes.<id>'];
      throw new OptionsError(full, `--set ${full}: there is no '${root}' to set; a path starts with one of: ${valid.join(', ')}`);
    }
    if (slot !== 'settings' && rest.length === 0) {
      throw new OptionsError(full, `--set ${full}: name an option of the ${slot}, e.g. ${slot}.lr=0.1`);
    }
    const list = groups.get(slot) ?? [];
    list.push([rest, value, full]);
    groups.set(slot, list);
  }
  return groups;
}

/** A plugin with its overrides applied and its options validated. */
export interface ResolvedPlugin {
  readonly slot: string;
  readonly plugin: PluginInstance;
  readonly options: unknown;
}

/** Apply the overrides of `slot` to `plugin`'s config and validate the result. */
export function resolvePlugin(
  slot: string,
  plugin: PluginInstance,
  groups: Map<string, Array<[string[], unknown, string]>>,
): ResolvedPlugin {
  let config: unknown = plugin.config ?? {};
  for (const [path, value, full] of groups.get(slot) ?? []) config = setPath(config, path, value, full);
  const withConfig: PluginInstance = { ...plugin, config };
  return { slot, plugin: withConfig, options: parsePluginOptions(withConfig, config, slot) };
}

/** The run settings of a variant with overrides applied and validated. */
export function resolveSettings(
  spec: ExperimentSpec,
  variant: string,
  groups: Map<string, Array<[string[], unknown, string]>>,
): RunSettings {
  let raw: unknown = { ...spec.settings, ...(getVariant(spec, variant).settings ?? {}) };
  for (const [path, value, full] of groups.get('settings') ?? []) raw = setPath(raw, path, value, full);
  const parsed = runSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      throw new OptionsError(path, `unknown setting ${(issue as { keys: string[] }).keys.map((k) => `'${k}'`).join(', ')}; settings are: ${SETTING_KEYS.join(', ')}`);
    }
    throw new OptionsError(path, `setting '${path}': ${issue.message}`);
  }
  return parsed.data;
}

/** JSON for run.json: `{ plugin, package, version, options }` with every default filled in. */
export function resolvedPluginJson(r: ResolvedPlugin): Record<string, unknown> {
  return { plugin: r.plugin.meta.id, package: r.plugin.meta.name, version: r.plugin.meta.version, options: optionsToJson(r.options) };
}
