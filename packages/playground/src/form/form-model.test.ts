import { runSettingsSchema, z } from '@precond/core';
import { mlpOptions } from '@precond/nn';
import { adamOptions } from '@precond/optimizer-first-order';
import { fourierTargetOptions } from '@precond/task-fourier-target';
import { describe, expect, it } from 'vitest';
import { alternativeFor, emptyValue, fieldFor, fits, jsonSchemaOf, type FieldModel } from './form-model.js';

const modelOf = (schema: z.ZodType) => fieldFor(jsonSchemaOf(schema));
const fieldsOf = (field: FieldModel) => {
  if (field.kind !== 'object') throw new Error(`expected an object field, got ${field.kind}`);
  return Object.fromEntries(field.fields.map((f) => [f.key, f]));
};
const choice = (field: FieldModel | undefined) => {
  if (field?.kind !== 'choice') throw new Error(`expected a choice field, got ${field?.kind}`);
  return field;
};

describe('fieldFor: a zod schema to a form model', () => {
  it('maps each kind of option to its input', () => {
    const schema = z
      .object({
        rate: z.number().positive().max(2).describe('a step size'),
        count: z.number().int().min(1).default(3),
        flag: z.boolean().default(false),
        name: z.string(),
        shape: z.enum(['a', 'b']),
        mode: z.union([z.literal('x'), z.literal('y')]),
        widths: z.array(z.number().int().positive()).min(1).max(4),
        range: z.tuple([z.number(), z.number()]),
        maybe: z.number().nullable(),
        nested: z.object({ inner: z.number() }).strict(),
        table: z.array(z.object({ k: z.string() })),
        plugin: z.custom<{ register: () => void }>(() => true),
      })
      .strict();
    const f = fieldsOf(modelOf(schema));
    expect(f.rate).toEqual({ key: 'rate', required: true, field: { kind: 'number', integer: false, exclusiveMinimum: 0, maximum: 2, description: 'a step size' } });
    // A default makes an option optional on the input side.
    expect(f.count).toEqual({ key: 'count', required: false, field: { kind: 'number', integer: true, minimum: 1 } });
    expect(f.flag!.field).toEqual({ kind: 'boolean' });
    expect(f.name!.field).toEqual({ kind: 'text' });
    expect(f.shape!.field).toEqual({ kind: 'enum', options: ['a', 'b'] });
    expect(f.mode!.field).toEqual({ kind: 'enum', options: ['x', 'y'] });
    expect(f.widths!.field).toEqual({ kind: 'numbers', integer: true, minItems: 1, maxItems: 4 });
    // A tuple of numbers is a list of exactly that many.
    expect(f.range!.field).toEqual({ kind: 'numbers', integer: false, minItems: 2, maxItems: 2 });
    expect(f.maybe!.field).toEqual({
      kind: 'choice',
      alternatives: [
        { label: 'number', field: { kind: 'number', integer: false } },
        { label: 'none', field: { kind: 'const', value: null } },
      ],
    });
    expect(f.nested!.field).toEqual({ kind: 'object', fields: [{ key: 'inner', required: true, field: { kind: 'number', integer: false } }] });
    expect(f.table!.field).toEqual({ kind: 'json' });
    // z.custom has no JSON Schema: the value is shown, not edited.
    expect(f.plugin!.field).toEqual({ kind: 'fixed' });
  });

  it("adam: lr is a number or one of core's four schedules, each named by its type", () => {
    const f = fieldsOf(modelOf(adamOptions));
    const lr = choice(f.lr!.field);
    expect(lr.alternatives.map((a) => a.label)).toEqual(['number', 'constant', 'step', 'cosine', 'log-linear']);
    expect(fieldsOf(lr.alternatives[3]!.field).type!.field).toEqual({ kind: 'const', value: 'cosine' });
    expect(f.beta1!.field).toEqual({ kind: 'number', integer: false, minimum: 0, exclusiveMaximum: 1 });
    expect(f.eps!.field).toEqual({ kind: 'number', integer: false, exclusiveMinimum: 0 });
  });

  it("run settings: log is one of core's When forms, named by its key; batchSize is 'full' or a number", () => {
    const f = fieldsOf(modelOf(runSettingsSchema));
    expect(Object.keys(f)).toEqual(['steps', 'seeds', 'log', 'eval', 'checkpointEvery', 'batchSize']);
    expect(f.steps).toEqual({ key: 'steps', required: true, field: { kind: 'number', integer: true, minimum: 0 } });
    expect(choice(f.log!.field).alternatives.map((a) => a.label)).toEqual(['every', 'logSpaced', 'steps']);
    expect(choice(f.log!.field).alternatives[1]!.field).toEqual({
      kind: 'object',
      fields: [{ key: 'logSpaced', required: true, field: { kind: 'number', integer: true, exclusiveMinimum: 0, description: 'points per decade' } }],
    });
    expect(f.eval!.required).toBe(false);
    expect(choice(f.batchSize!.field).alternatives.map((a) => a.label)).toEqual(['full', 'number']);
  });

  it('fourier-target and mlp: lists of numbers, a domain of two, enums and descriptions', () => {
    const task = fieldsOf(modelOf(fourierTargetOptions));
    expect(task.frequencies!.field).toEqual({ kind: 'numbers', integer: false, minItems: 1 });
    expect(task.domain!.field).toEqual({ kind: 'numbers', integer: false, minItems: 2, maxItems: 2 });
    expect(task.points!.field).toEqual({ kind: 'number', integer: true, minimum: 2 });
    const model = fieldsOf(modelOf(mlpOptions));
    expect(model.activation!.field).toEqual({
      kind: 'enum',
      options: ['identity', 'tanh', 'relu', 'sin', 'quadratic'],
      description: 'activation of the hidden layers',
    });
    expect(model.hidden!.field).toMatchObject({ kind: 'numbers', integer: true });
  });
});

describe('alternativeFor, fits and emptyValue', () => {
  const lr = choice(fieldsOf(modelOf(adamOptions)).lr!.field);
  const log = choice(fieldsOf(modelOf(runSettingsSchema)).log!.field);

  it('find the alternative a value belongs to', () => {
    expect(alternativeFor(lr, 1e-3)).toBe(0);
    expect(alternativeFor(lr, { type: 'cosine', value: 0.1, steps: 100 })).toBe(3);
    expect(alternativeFor(lr, { type: 'log-linear', from: 1e-2, to: 1e-4, steps: 500 })).toBe(4);
    expect(alternativeFor(log, { every: 25 })).toBe(0);
    expect(alternativeFor(log, { logSpaced: 10 })).toBe(1);
    expect(alternativeFor(log, { steps: [1, 2] })).toBe(2);
    // Nothing fits: the first alternative.
    expect(alternativeFor(log, 'weekly')).toBe(0);
  });

  it('fits checks shape, not range: unknown keys and missing required ones do not fit', () => {
    const every = log.alternatives[0]!.field;
    expect(fits(every, { every: -5 })).toBe(true);
    expect(fits(every, { every: 5, extra: 1 })).toBe(false);
    expect(fits(every, {})).toBe(false);
    expect(fits({ kind: 'number', integer: true }, 2.5)).toBe(false);
    expect(fits({ kind: 'numbers', integer: false }, [1, 'a'])).toBe(false);
  });

  it('emptyValue starts a switched-to alternative inside its bounds where the schema says so', () => {
    expect(emptyValue(lr.alternatives[3]!.field)).toEqual({ type: 'cosine', value: 0, steps: 1 });
    expect(emptyValue(log.alternatives[2]!.field)).toEqual({ steps: [0] });
    expect(emptyValue({ kind: 'enum', options: ['tanh', 'relu'] })).toBe('tanh');
  });
});
