import { z } from 'zod';
import { article, OptionsError, UnknownNameError } from '../errors/errors.js';
import { isPluginInstance, type PluginInstance, type PluginKind } from '../plugin/define-plugin.js';
import { whenSchema } from '../schedules/when.js';

/** Run settings an experiment fixes and a user may override (`--steps`, `--set log.every=50`). */
export const runSettingsSchema = z
  .object({
    /** Optimisation steps per run. */
    steps: z.number().int().nonnegative(),
    /** Seeds to run (each variant × seed is one run). */
    seeds: z.array(z.number().int().nonnegative().max(0xffffffff)).min(1).default([0]),
    /** When to log the training loss and the optimizer's diagnostics. */
    log: whenSchema.default({ every: 10 }),
    /** When to compute the task's metrics (test loss, FFT modes, ...); defaults to `log`. */
    eval: whenSchema.optional(),
    /** Write a checkpoint every N steps (0: only at step 0, at the end and on interruption). */
    checkpointEvery: z.number().int().nonnegative().default(0),
    /** `full` for full-batch training, or a minibatch size (epochs reshuffled from the run's RNG). */
    batchSize: z.union([z.literal('full'), z.number().int().positive()]).default('full'),
  })
  .strict();
export type RunSettings = z.output<typeof runSettingsSchema>;
export type RunSettingsInput = z.input<typeof runSettingsSchema>;

/** One variant: the optimizer and whatever else differs from the experiment's defaults. */
export interface VariantSpec {
  readonly description?: string;
  readonly optimizer: PluginInstance;
  readonly preconditioner?: PluginInstance;
  readonly task?: PluginInstance;
  readonly model?: PluginInstance;
  /** Replaces the experiment's probes when given. */
  readonly probes?: readonly PluginInstance[];
  readonly settings?: Partial<RunSettingsInput>;
}

/** An experiment: a task, optional model and probes, settings and named variants. */
export interface ExperimentSpec {
  readonly name: string;
  readonly description?: string;
  readonly task: PluginInstance;
  readonly model?: PluginInstance;
  readonly probes?: readonly PluginInstance[];
  readonly settings: RunSettingsInput;
  readonly variants: Readonly<Record<string, VariantSpec>>;
}

const NAME = /^[a-z0-9][a-z0-9.-]*$/;

function checkPlugin(value: unknown, kind: PluginKind, where: string): void {
  if (!isPluginInstance(value)) {
    throw new OptionsError(where, `${where}: expected ${article(kind)} plugin object (call the plugin's factory, e.g. adam({ lr: 1e-3 })), got ${typeof value}`);
  }
  if (value.meta.kind !== kind) {
    throw new OptionsError(where, `${where}: plugin '${value.meta.id}' (${value.meta.name}) is ${article(value.meta.kind)} plugin; ${article(kind)} plugin is needed here`);
  }
}

/** Check an experiment's shape (plugins of the right kinds, valid names) and return it typed. */
export function defineExperiment<const E extends ExperimentSpec>(spec: E): E {
  if (!NAME.test(spec.name ?? '')) {
    throw new OptionsError('name', `experiment name must be lower-case letters, digits, '.' and '-', got '${spec.name}'`);
  }
  checkPlugin(spec.task, 'task', `${spec.name}.task`);
  if (spec.model) checkPlugin(spec.model, 'model', `${spec.name}.model`);
  (spec.probes ?? []).forEach((p, i) => checkPlugin(p, 'probe', `${spec.name}.probes[${i}]`));
  const names = Object.keys(spec.variants ?? {});
  if (names.length === 0) throw new OptionsError('variants', `experiment '${spec.name}' has no variants`);
  for (const [name, v] of Object.entries(spec.variants)) {
    if (!NAME.test(name)) throw new OptionsError(`variants.${name}`, `variant name must be lower-case letters, digits, '.' and '-', got '${name}'`);
    const where = `${spec.name}.variants.${name}`;
    checkPlugin(v.optimizer, 'optimizer', `${where}.optimizer`);
    if (v.preconditioner) checkPlugin(v.preconditioner, 'preconditioner', `${where}.preconditioner`);
    if (v.task) checkPlugin(v.task, 'task', `${where}.task`);
    if (v.model) checkPlugin(v.model, 'model', `${where}.model`);
    (v.probes ?? []).forEach((p, i) => checkPlugin(p, 'probe', `${where}.probes[${i}]`));
  }
  const parsed = runSettingsSchema.safeParse(spec.settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OptionsError(`settings.${issue.path.join('.')}`, `experiment '${spec.name}' setting '${issue.path.join('.')}': ${issue.message}`);
  }
  return spec;
}

/** The variant called `name`, with a message listing the variants when there is none. */
export function getVariant(spec: ExperimentSpec, name: string): VariantSpec {
  const v = spec.variants[name];
  if (!v) throw new UnknownNameError('variant', name, Object.keys(spec.variants), ` in experiment '${spec.name}'`);
  return v;
}
