import { defineExperiment, type ExperimentSpec, type PluginInstance, type PluginKind, type PluginRegistry, type VariantSpec } from '@precond/core';
import { CliError, isPrecondError } from '../errors.js';

/**
 * An experiment written as JSON: the shape of `defineExperiment`'s argument, with every plugin
 * given by id and options instead of as an object:
 *
 * ```json
 * { "name": "tiny", "task": { "plugin": "fourier-target", "options": { "points": 16 } },
 *   "model": { "plugin": "mlp", "options": { "hidden": [8] } },
 *   "settings": { "steps": 200, "seeds": [0, 1] },
 *   "variants": { "sgd": { "optimizer": { "plugin": "sgd", "options": { "lr": 0.05 } } } } }
 * ```
 *
 * Inside options, an object of the form `{ "plugin": id, "options": {...} }` is itself resolved to
 * a plugin (a hybrid optimizer's inner optimizers); that is also how run.json records them.
 */
export interface JsonPluginRef {
  readonly plugin: string;
  readonly options?: Record<string, unknown>;
}

const EXPERIMENT_KEYS = ['$schema', 'name', 'description', 'task', 'model', 'probes', 'settings', 'variants'];
const VARIANT_KEYS = ['description', 'optimizer', 'preconditioner', 'task', 'model', 'probes', 'settings'];
/** Keys a plugin reference may carry; `package` and `version` are what run.json adds, and are ignored. */
const REF_KEYS = ['plugin', 'options', 'package', 'version'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPluginRef(v: unknown): v is JsonPluginRef {
  return isRecord(v) && typeof v.plugin === 'string' && Object.keys(v).every((k) => REF_KEYS.includes(k));
}

class JsonReader {
  constructor(
    private readonly file: string,
    private readonly registry: PluginRegistry,
  ) {}

  fail(where: string, message: string): never {
    throw new CliError('bad-experiment', `${this.file}: ${where}: ${message}`);
  }

  checkKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail(where || 'top level', `unknown key '${key}'; allowed keys are: ${allowed.filter((k) => k !== '$schema').join(', ')}`);
    }
  }

  plugin(value: unknown, kind: PluginKind | undefined, where: string): PluginInstance {
    if (!isRecord(value) || typeof value.plugin !== 'string') {
      this.fail(where, `expected { "plugin": "<id>", "options": { ... } }, got ${JSON.stringify(value)}`);
    }
    this.checkKeys(value, REF_KEYS, where);
    let factory;
    try {
      factory = this.registry.get(value.plugin, kind);
    } catch (error) {
      // Keep core's error (its class, code and list of known ids) and say where in the file it was.
      if (isPrecondError(error)) error.message = `${this.file}: ${where}: ${error.message}`;
      throw error;
    }
    const options = value.options ?? {};
    if (!isRecord(options)) this.fail(`${where}.options`, `expected an object of options, got ${JSON.stringify(options)}`);
    return factory(this.options(options, `${where}.options`) as never);
  }

  /** Options with nested `{ plugin, options }` objects turned into plugin objects. */
  options(value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.options(v, `${where}[${i}]`));
    if (!isRecord(value)) return value;
    if (isPluginRef(value)) return this.plugin(value, undefined, where);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.options(v, `${where}.${k}`)]));
  }

  probes(value: unknown, where: string): PluginInstance[] {
    if (!Array.isArray(value)) this.fail(where, `expected an array of { "plugin": "<id>", "options": { ... } }, got ${JSON.stringify(value)}`);
    return value.map((p, i) => this.plugin(p, 'probe', `${where}[${i}]`));
  }

  variant(value: unknown, where: string): VariantSpec {
    if (!isRecord(value)) this.fail(where, `expected an object with at least "optimizer", got ${JSON.stringify(value)}`);
    this.checkKeys(value, VARIANT_KEYS, where);
    if (value.optimizer === undefined) this.fail(where, 'every variant needs an "optimizer"');
    if (value.settings !== undefined && !isRecord(value.settings)) this.fail(`${where}.settings`, `expected an object, got ${JSON.stringify(value.settings)}`);
    if (value.description !== undefined && typeof value.description !== 'string') this.fail(`${where}.description`, 'expected a string');
    return {
      ...(typeof value.description === 'string' ? { description: value.description } : {}),
      optimizer: this.plugin(value.optimizer, 'optimizer', `${where}.optimizer`),
      ...(value.preconditioner !== undefined ? { preconditioner: this.plugin(value.preconditioner, 'preconditioner', `${where}.preconditioner`) } : {}),
      ...(value.task !== undefined ? { task: this.plugin(value.task, 'task', `${where}.task`) } : {}),
      ...(value.model !== undefined ? { model: this.plugin(value.model, 'model', `${where}.model`) } : {}),
      ...(value.probes !== undefined ? { probes: this.probes(value.probes, `${where}.probes`) } : {}),
      ...(value.settings !== undefined ? { settings: value.settings as VariantSpec['settings'] } : {}),
    };
  }

  experiment(value: unknown): ExperimentSpec {
    if (!isRecord(value)) this.fail('top level', `expected an object with name, task, settings and variants, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    this.checkKeys(value, EXPERIMENT_KEYS, '');
    for (const key of ['name', 'task', 'settings', 'variants']) {
      if (value[key] === undefined) this.fail('top level', `missing "${key}"`);
    }
    if (typeof value.name !== 'string') this.fail('name', `expected a string, got ${JSON.stringify(value.name)}`);
    if (value.description !== undefined && typeof value.description !== 'string') this.fail('description', 'expected a string');
    if (!isRecord(value.settings)) this.fail('settings', `expected an object such as { "steps": 500 }, got ${JSON.stringify(value.settings)}`);
    if (!isRecord(value.variants)) this.fail('variants', `expected an object of named variants, got ${JSON.stringify(value.variants)}`);
    const variants: Record<string, VariantSpec> = {};
    for (const [name, v] of Object.entries(value.variants)) variants[name] = this.variant(v, `variants.${name}`);
    const spec: ExperimentSpec = {
      name: value.name,
      ...(typeof value.description === 'string' ? { description: value.description } : {}),
      task: this.plugin(value.task, 'task', 'task'),
      ...(value.model !== undefined ? { model: this.plugin(value.model, 'model', 'model') } : {}),
      ...(value.probes !== undefined ? { probes: this.probes(value.probes, 'probes') } : {}),
      settings: value.settings as unknown as ExperimentSpec['settings'],
      variants,
    };
    return defineExperiment(spec);
  }
}

/** Parse the text of a JSON experiment file and resolve its plugin ids through `registry`. */
export function experimentFromJson(text: string, file: string, registry: PluginRegistry): ExperimentSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError('bad-experiment', `${file}: not valid JSON: ${(error as Error).message}`);
  }
  return new JsonReader(file, registry).experiment(value);
}
