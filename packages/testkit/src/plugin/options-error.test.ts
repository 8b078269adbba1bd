import { definePlugin, OptionsError, z } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { optionsErrorOf } from './options-error.js';

const stepper = definePlugin({
  meta: { name: '@precond/example', version: '1.0.0', kind: 'optimizer', id: 'stepper' },
  options: z.object({ lr: z.number().positive('must be > 0').default(0.1) }).strict(),
  register() {},
});

describe('optionsErrorOf', () => {
  it('returns the OptionsError of a bad option, naming the slot and the field', () => {
    const error = optionsErrorOf(stepper({ lr: -1 }), 'optimizer');
    expect(error).toBeInstanceOf(OptionsError);
    expect(error.message).toContain('optimizer.lr');
    expect(error.message).toContain('must be > 0');
  });

  it('fails when the options are accepted, so a bad-option test cannot pass on nothing', () => {
    expect(() => optionsErrorOf(stepper({ lr: 0.5 }), 'optimizer')).toThrow('optimizer options {"lr":0.5} were accepted');
  });
});
