import {
  createRunContainer,
  getVariant,
  parsePluginOptions,
  resolve,
  resolveSettings,
  runSettingsSchema,
  TASK,
  type ExperimentSpec,
  type PluginInstance,
  type z,
} from '@precond/core';
import { fieldFor, jsonSchemaOf, type FieldModel } from './form-model.js';
import { overridesFor } from './form-values.js';

/** The options of one part of a run (settings, task, model, optimizer, ...) as a form. */
export interface SlotForm {
  /** Where overrides go: `settings`, `task`, `model`, `optimizer`, `preconditioner` or `probes.<id>`. */
  readonly slot: string;
  /** The heading of its fieldset: `optimizer: adam (@precond/optimizer-first-order)`. */
  readonly title: string;
  readonly schema: z.ZodType;
  readonly field: Extract<FieldModel, { kind: 'object' }>;
  /** The resolved options (every default filled in): what the form starts from and overrides are measured against. */
  readonly initial: Readonly<Record<string, unknown>>;
}

// The seed is chosen beside the form, one run at a time; `seeds` lists a CLI invocation's seeds.
const HIDDEN_SETTINGS = new Set(['seeds']);

/**
 * The forms of a variant: its run settings, then the task, model, preconditioner (if any),
 * optimizer and probes, each with its options resolved as a run would resolve them.
 */
export function variantForms(spec: ExperimentSpec, variantName: string): SlotForm[] {
  const variant = getVariant(spec, variantName);
  const settingsField = objectFieldOf(runSettingsSchema);
  const forms: SlotForm[] = [
    {
      slot: 'settings',
      title: 'settings',
      schema: runSettingsSchema,
      field: { ...settingsField, fields: settingsField.fields.filter((f) => !HIDDEN_SETTINGS.has(f.key)) },
      initial: resolveSettings(spec, variantName, new Map()),
    },
  ];
  const task = variant.task ?? spec.task;
  forms.push(pluginForm('task', task));
  forms.push(pluginForm('model', variant.model ?? spec.model ?? defaultModelOf(task)));
  if (variant.preconditioner) forms.push(pluginForm('preconditioner', variant.preconditioner));
  forms.push(pluginForm('optimizer', variant.optimizer));
  for (const probe of variant.probes ?? spec.probes ?? []) forms.push(pluginForm(`probes.${probe.meta.id}`, probe));
  return forms;
}

function pluginForm(slot: string, plugin: PluginInstance): SlotForm {
  return {
    slot,
    title: `${slot}: ${plugin.meta.id} (${plugin.meta.name})`,
    schema: plugin.options,
    field: objectFieldOf(plugin.options),
    initial: parsePluginOptions(plugin, plugin.config, slot) as Record<string, unknown>,
  };
}

function objectFieldOf(schema: z.ZodType): Extract<FieldModel, { kind: 'object' }> {
  const field = fieldFor(jsonSchemaOf(schema));
  if (field.kind !== 'object') throw new Error(`an options schema must be an object, got a schema for a ${field.kind}`);
  return field;
}

/** The model a task proposes when the experiment names none (the runner asks the task the same way). */
function defaultModelOf(task: PluginInstance): PluginInstance {
  const container = createRunContainer();
  try {
    task.register(container, parsePluginOptions(task, task.config, 'task') as never, { slot: 'task' });
    return resolve(container, TASK).defaultModel();
  } finally {
    container.clearInstances();
  }
}

/** The overrides of every slot: what the user changed, as `precond run --set` would take it. */
export function collectOverrides(forms: readonly SlotForm[], values: ReadonlyMap<string, Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const form of forms) Object.assign(out, overridesFor(form.slot, form.initial, values.get(form.slot) ?? form.initial));
  return out;
}
