import { runSettingsSchema } from '@precond/core';
import { adamOptions } from '@precond/optimizer-first-order';
import { describe, expect, it } from 'vitest';
import { formatNumbers, overridesFor, parseJson, parseNumber, parseNumbers, schemaIssues } from './form-values.js';

describe('parseNumber and parseNumbers', () => {
  it('read numbers as typed, exponents included', () => {
    expect(parseNumber(' 1e-3 ', { integer: false })).toEqual({ ok: true, value: 0.001 });
    expect(parseNumber('-2', { integer: true })).toEqual({ ok: true, value: -2 });
    expect(parseNumber('0.5', { integer: true })).toEqual({ ok: false, message: "'0.5' is not a whole number" });
    expect(parseNumber('abc', { integer: false })).toEqual({ ok: false, message: "'abc' is not a number" });
    expect(parseNumber('', { integer: false })).toEqual({ ok: false, message: "'' is not a number" });
    expect(parseNumber('Infinity', { integer: false })).toEqual({ ok: false, message: "'Infinity' is not a number" });
  });

  it('read lists separated by commas or spaces, and check how many there are', () => {
    expect(parseNumbers('3, 5,7  9', { integer: true })).toEqual({ ok: true, value: [3, 5, 7, 9] });
    expect(parseNumbers('80 x', { integer: true })).toEqual({ ok: false, message: "'x' is not a number" });
    expect(parseNumbers('-1', { integer: false, minItems: 2, maxItems: 2 })).toEqual({ ok: false, message: 'needs exactly 2 numbers, got 1' });
    expect(parseNumbers('', { integer: false, minItems: 1 })).toEqual({ ok: false, message: 'needs at least 1 number, got 0' });
    expect(parseNumbers('1 2 3', { integer: false, maxItems: 2 })).toEqual({ ok: false, message: 'needs at most 2 numbers, got 3' });
    expect(formatNumbers([-1, 1, 0.25])).toBe('-1, 1, 0.25');
  });

  it('parseJson says what is wrong with the text', () => {
    expect(parseJson('[{"k":1}]')).toEqual({ ok: true, value: [{ k: 1 }] });
    const bad = parseJson('{k:1}');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/^not valid JSON: /);
  });
});

describe('schemaIssues', () => {
  it('names the option path and the message of every problem', () => {
    expect(schemaIssues(adamOptions, { lr: 0.1, beta1: 0.9 })).toEqual([]);
    expect(schemaIssues(adamOptions, { lr: -1, beta1: 1.5 })).toEqual([
      { path: 'lr', message: 'must be > 0, got -1' },
      { path: 'beta1', message: 'must be in [0, 1)' },
    ]);
    expect(schemaIssues(adamOptions, { lr: { type: 'cosine', value: 0.1, steps: 0 } })).toEqual([{ path: 'lr.steps', message: expect.stringMatching(/>0|> 0|positive/i) }]);
    expect(schemaIssues(runSettingsSchema, { steps: 10, speed: 2 })).toEqual([{ path: '', message: 'unknown option(s) speed' }]);
  });
});

describe('overridesFor', () => {
  it('keeps only the options that changed, as --set paths', () => {
    const initial = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    expect(overridesFor('optimizer', initial, { ...initial })).toEqual({});
    expect(overridesFor('optimizer', initial, { ...initial, lr: { type: 'cosine', value: 0.01, steps: 100 }, beta2: 0.98 })).toEqual({
      'optimizer.lr': { type: 'cosine', value: 0.01, steps: 100 },
      'optimizer.beta2': 0.98,
    });
  });

  it('keys settings by the setting alone, compares nested values by content, and ignores cleared options', () => {
    const initial = { steps: 3000, log: { every: 25 }, checkpointEvery: 0 };
    expect(overridesFor('settings', initial, { steps: 100, log: { every: 25 }, checkpointEvery: undefined })).toEqual({ steps: 100 });
    expect(overridesFor('probes.ntk', { every: 25 }, { every: 10 })).toEqual({ 'probes.ntk.every': 10 });
  });
});
