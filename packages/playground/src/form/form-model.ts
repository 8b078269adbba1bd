import { z } from '@precond/core';

/** A JSON Schema node as zod's `z.toJSONSchema` writes it (draft 2020-12). */
export type JsonSchema = { readonly [key: string]: unknown };

/** What every field carries besides its kind. */
interface FieldBase {
  /** The schema's `description` (zod's `.describe(...)`), shown under the input. */
  readonly description?: string;
}

/** A form field, one per option, derived from the option's schema. */
export type FieldModel =
  | (FieldBase & {
      readonly kind: 'number';
      readonly integer: boolean;
      readonly minimum?: number;
      readonly maximum?: number;
      readonly exclusiveMinimum?: number;
      readonly exclusiveMaximum?: number;
    })
  | (FieldBase & { readonly kind: 'boolean' })
  | (FieldBase & { readonly kind: 'text' })
  /** One of a few literals (a zod enum or a union of literals): a select. */
  | (FieldBase & { readonly kind: 'enum'; readonly options: readonly Literal[] })
  /** A single literal (the `type` tag of a schedule): shown, not edited. */
  | (FieldBase & { readonly kind: 'const'; readonly value: Literal })
  /** An array or tuple of numbers: a text input of comma-separated numbers. */
  | (FieldBase & { readonly kind: 'numbers'; readonly integer: boolean; readonly minItems?: number; readonly maxItems?: number })
  | (FieldBase & { readonly kind: 'object'; readonly fields: readonly ObjectField[] })
  /** A union (a number or a schedule; `every` or `logSpaced`): a select of alternatives, each with its own field. */
  | (FieldBase & { readonly kind: 'choice'; readonly alternatives: readonly Alternative[] })
  /** Any other JSON value (arrays of objects, ...): a JSON text area. */
  | (FieldBase & { readonly kind: 'json' })
  /** A value JSON Schema cannot describe (a plugin object given as an option): shown, not edited. */
  | (FieldBase & { readonly kind: 'fixed' });

export type Literal = string | number | boolean | null;

export interface ObjectField {
  readonly key: string;
  /** False when the option may be left out (it has a default, or is optional). */
  readonly required: boolean;
  readonly field: FieldModel;
}

export interface Alternative {
  /** How the select names it: `number`, the schedule's `type` (`cosine`), the one key of a `When` (`every`). */
  readonly label: string;
  readonly field: FieldModel;
}

/** The JSON Schema of a zod schema as the form reads it: input side (defaults make options optional), plugin objects as `{}`. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/**
 * The form field for a JSON Schema node. Numbers, integers, booleans, strings, enums and
 * literals, arrays and tuples of numbers, objects (nested), and unions (`anyOf`/`oneOf`) map to
 * their own inputs; anything else representable in JSON is edited as JSON; `{}` (what zod writes
 * for a value it cannot describe) is fixed.
 *
 * @example
 *   fieldFor(jsonSchemaOf(adamOptions));   // { kind: 'object', fields: [{ key: 'lr', field: { kind: 'choice', ... } }, ...] }
 */
export function fieldFor(node: JsonSchema): FieldModel {
  const base: FieldBase = typeof node.description === 'string' ? { description: node.description } : {};
  const alternatives = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives)) return choiceField(alternatives, base);
  // `type: ['number', 'null']` (zod's nullable) is a union of one node per type.
  if (Array.isArray(node.type)) return choiceField((node.type as string[]).map((type) => ({ ...node, type, description: undefined })), base);
  if ('const' in node) return { ...base, kind: 'const', value: node.const as Literal };
  if (Array.isArray(node.enum)) return { ...base, kind: 'enum', options: node.enum as Literal[] };
  switch (node.type) {
    case 'number':
    case 'integer':
      return { ...base, ...numberBounds(node), kind: 'number', integer: node.type === 'integer' };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'string':
      return { ...base, kind: 'text' };
    case 'null':
      return { ...base, kind: 'const', value: null };
    case 'array':
      return arrayField(node, base);
    case 'object':
      return objectField(node, base);
    default:
      return Object.keys(node).filter((k) => k !== 'description' && k !== 'default' && k !== '$schema').length === 0
        ? { ...base, kind: 'fixed' }
        : { ...base, kind: 'json' };
  }
}

function numberBounds(node: JsonSchema): Partial<Record<'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum', number>> {
  const out: Partial<Record<'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum', number>> = {};
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const v = node[key];
    // zod writes the safe-integer range for every int(); it says nothing a user needs.
    if (typeof v === 'number' && Math.abs(v) !== Number.MAX_SAFE_INTEGER) out[key] = v;
  }
  return out;
}

function isNumberNode(node: unknown): node is JsonSchema {
  const type = (node as JsonSchema | undefined)?.type;
  return type === 'number' || type === 'integer';
}

function arrayField(node: JsonSchema, base: FieldBase): FieldModel {
  const prefix = node.prefixItems as JsonSchema[] | undefined;
  const bounds = {
    ...(typeof node.minItems === 'number' ? { minItems: node.minItems } : {}),
    ...(typeof node.maxItems === 'number' ? { maxItems: node.maxItems } : {}),
  };
  if (Array.isArray(prefix)) {
    // A tuple of numbers (a domain [a, b)) is a list of exactly that many numbers.
    if (prefix.every(isNumberNode) && (node.items === false || node.items === undefined)) {
      return { ...base, kind: 'numbers', integer: prefix.every((p) => p.type === 'integer'), minItems: prefix.length, maxItems: prefix.length };
    }
    return { ...base, kind: 'json' };
  }
  if (isNumberNode(node.items)) return { ...base, kind: 'numbers', integer: node.items.type === 'integer', ...bounds };
  return { ...base, kind: 'json' };
}

function objectField(node: JsonSchema, base: FieldBase): FieldModel {
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((node.required ?? []) as string[]);
  return {
    ...base,
    kind: 'object',
    fields: Object.entries(properties).map(([key, child]) => ({ key, required: required.has(key), field: fieldFor(child) })),
  };
}

function choiceField(nodes: readonly JsonSchema[], base: FieldBase): FieldModel {
  // A union of literals only (z.union([z.literal('a'), z.literal('b')])) is an enum.
  if (nodes.length > 0 && nodes.every((n) => 'const' in n)) return { ...base, kind: 'enum', options: nodes.map((n) => n.const as Literal) };
  const alternatives: Alternative[] = [];
  for (const node of nodes) {
    // zod writes a discriminated union inside a union as a nested oneOf: flatten it.
    const nested = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(nested) && Object.keys(node).every((k) => k === 'anyOf' || k === 'oneOf' || k === 'description')) {
      const inner = choiceField(nested, {});
      if (inner.kind === 'choice') alternatives.push(...inner.alternatives);
      else alternatives.push({ label: alternativeLabel(node, alternatives.length), field: inner });
      continue;
    }
    alternatives.push({ label: alternativeLabel(node, alternatives.length), field: fieldFor(node) });
  }
  return { ...base, kind: 'choice', alternatives };
}

function alternativeLabel(node: JsonSchema, index: number): string {
  if (node.const === null || node.type === 'null') return 'none';
  if ('const' in node) return String(node.const);
  if (node.type === 'object') {
    const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
    const tag = Object.entries(properties).find(([, p]) => 'const' in p);
    if (tag) return String(tag[1].const);
    const keys = (node.required ?? Object.keys(properties)) as string[];
    if (keys.length === 1) return keys[0]!;
    if (keys.length > 1) return keys.join(' + ');
  }
  if (node.type === 'number' || node.type === 'integer') return 'number';
  if (node.type === 'array') return 'list';
  if (typeof node.type === 'string') return node.type;
  return `option ${index + 1}`;
}

/**
 * Which alternative of a choice `value` belongs to: the first it fits (a number, a schedule with
 * that `type`, an object with exactly that key, ...); 0 when none does.
 */
export function alternativeFor(choice: Extract<FieldModel, { kind: 'choice' }>, value: unknown): number {
  const i = choice.alternatives.findIndex((a) => fits(a.field, value));
  return i < 0 ? 0 : i;
}

/** Whether `value` has the shape `field` edits (not whether it passes the schema's checks). */
export function fits(field: FieldModel, value: unknown): boolean {
  switch (field.kind) {
    case 'number':
      return typeof value === 'number' && (!field.integer || Number.isInteger(value));
    case 'boolean':
      return typeof value === 'boolean';
    case 'text':
      return typeof value === 'string';
    case 'enum':
      return field.options.includes(value as Literal);
    case 'const':
      return value === field.value;
    case 'numbers':
      return Array.isArray(value) && value.every((v) => typeof v === 'number');
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      const record = value as Record<string, unknown>;
      const keys = new Set(field.fields.map((f) => f.key));
      return (
        Object.keys(record).every((k) => keys.has(k)) &&
        field.fields.every((f) => (f.key in record ? fits(f.field, record[f.key]) : !f.required))
      );
    }
    case 'choice':
      return field.alternatives.some((a) => fits(a.field, value));
    case 'json':
    case 'fixed':
      return true;
  }
}

/** A starting value of the shape `field` edits, for an alternative the user switches to. */
export function emptyValue(field: FieldModel): unknown {
  switch (field.kind) {
    case 'number':
      return field.exclusiveMinimum !== undefined ? field.exclusiveMinimum + 1 : (field.minimum ?? 0);
    case 'boolean':
      return false;
    case 'text':
      return '';
    case 'enum':
      return field.options[0] ?? null;
    case 'const':
      return field.value;
    case 'numbers':
      return Array.from({ length: field.minItems ?? 1 }, () => 0);
    case 'object':
      return Object.fromEntries(field.fields.filter((f) => f.required).map((f) => [f.key, emptyValue(f.field)]));
    case 'choice':
      return emptyValue(field.alternatives[0]!.field);
    case 'json':
    case 'fixed':
      return null;
  }
}
