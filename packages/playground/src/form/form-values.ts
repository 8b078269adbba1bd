import type { z } from '@precond/core';
import type { FieldModel } from './form-model.js';

/** What reading one input gave: a value, or a message saying what is wrong with the text. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

type NumberField = Extract<FieldModel, { kind: 'number' }>;
type NumbersField = Extract<FieldModel, { kind: 'numbers' }>;

/** A number as typed (`0.3`, `1e-3`, `-2`); whole numbers only for integer options. The range is the schema's to check. */
export function parseNumber(text: string, field: Pick<NumberField, 'integer'>): Parsed<number> {
  const t = text.trim();
  const value = Number(t);
  if (t === '' || !Number.isFinite(value)) return { ok: false, message: `'${text}' is not a number` };
  if (field.integer && !Number.isInteger(value)) return { ok: false, message: `'${text}' is not a whole number` };
  return { ok: true, value };
}

/** Numbers separated by commas or spaces (`3, 5, 7`), as many as the option allows. */
export function parseNumbers(text: string, field: Pick<NumbersField, 'integer' | 'minItems' | 'maxItems'>): Parsed<number[]> {
  const tokens = text.split(/[\s,]+/).filter((t) => t.length > 0);
  const values: number[] = [];
  for (const token of tokens) {
    const one = parseNumber(token, field);
    if (!one.ok) return one;
    values.push(one.value);
  }
  const { minItems: min, maxItems: max } = field;
  const count = (n: number) => `${n} number${n === 1 ? '' : 's'}`;
  if (min !== undefined && max !== undefined && min === max && values.length !== min) {
    return { ok: false, message: `needs exactly ${count(min)}, got ${values.length}` };
  }
  if (min !== undefined && values.length < min) return { ok: false, message: `needs at least ${count(min)}, got ${values.length}` };
  if (max !== undefined && values.length > max) return { ok: false, message: `needs at most ${count(max)}, got ${values.length}` };
  return { ok: true, value: values };
}

/** How a list of numbers is shown in its text input. */
export function formatNumbers(values: readonly number[]): string {
  return values.map(String).join(', ');
}

/** A JSON value typed into a text area. */
export function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: `not valid JSON: ${(e as Error).message}` };
  }
}

/** One problem the schema found, at a dotted path inside the slot (`lr.steps`). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** Check a slot's values against its zod schema; each issue names the option path it belongs to. */
export function schemaIssues(schema: z.ZodType, value: unknown): FieldIssue[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const keys = (issue as { keys?: string[] }).keys;
    const path = issue.path.map(String).join('.');
    return { path, message: issue.code === 'unrecognized_keys' && keys ? `unknown option(s) ${keys.join(', ')}` : issue.message };
  });
}

/**
 * The `--set`-style overrides that turn `initial` (a slot's resolved options) into `current`
 * (what the form holds): one per top-level option whose value changed, keyed `<slot>.<option>`
 * (settings are keyed by the setting alone, as core's `groupOverrides` expects). Unchanged options
 * are left out, so run.json's `overrides` lists exactly what the user changed. An option cleared
 * to nothing is left as the experiment sets it.
 *
 * @example
 *   overridesFor('optimizer', { lr: 1e-3, beta1: 0.9 }, { lr: 1e-2, beta1: 0.9 });   // { 'optimizer.lr': 0.01 }
 */
export function overridesFor(slot: string, initial: Readonly<Record<string, unknown>>, current: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(current)) {
    if (value === undefined) continue;
    if (JSON.stringify(value) === JSON.stringify(initial[key])) continue;
    out[slot === 'settings' ? key : `${slot}.${key}`] = value;
  }
  return out;
}
