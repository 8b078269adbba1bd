import { OptionsError, PrecondError } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { CliError, formatError, isPrecondError } from './errors.js';

describe('formatError', () => {
  it('prints a PrecondError or CliError as one line, continuation lines indented', () => {
    expect(formatError(new OptionsError('optimizer.lr', "option 'optimizer.lr': too big\nsecond issue"), {})).toBe(
      "precond: option 'optimizer.lr': too big\n  second issue\n",
    );
    expect(formatError(new CliError('usage', '--steps: expected a non-negative integer, got x'), {})).toBe('precond: --steps: expected a non-negative integer, got x\n');
  });

  it('names the class of an unexpected error and says how to see its stack', () => {
    expect(formatError(new TypeError('x is undefined'), {})).toBe('precond: TypeError: x is undefined\n  (set PRECOND_DEBUG=1 to see the stack trace)\n');
    expect(formatError(new Error('disk full'), {})).toBe('precond: disk full\n  (set PRECOND_DEBUG=1 to see the stack trace)\n');
  });

  it('adds the stack, and the stack of the cause, with PRECOND_DEBUG=1', () => {
    const cause = new SyntaxError('Unexpected token');
    const text = formatError(new CliError('load', 'experiment: cannot load x.ts: Unexpected token', { cause }), { PRECOND_DEBUG: '1' });
    expect(text.startsWith('precond: experiment: cannot load x.ts: Unexpected token\nCliError: experiment: cannot load')).toBe(true);
    expect(text).toContain('caused by: SyntaxError: Unexpected token\n    at ');
  });
});

describe('isPrecondError', () => {
  it("recognises core's errors, and those of another copy of core by class name", () => {
    expect(isPrecondError(new OptionsError('a', 'b'))).toBe(true);
    expect(isPrecondError(new PrecondError('c', 'd'))).toBe(true);
    // What an experiment's own copy of @precond/core would throw.
    class PrecondErrorCopy extends Error {}
    Object.defineProperty(PrecondErrorCopy, 'name', { value: 'PrecondError' });
    class UnknownNameErrorCopy extends PrecondErrorCopy {}
    expect(isPrecondError(new UnknownNameErrorCopy('x'))).toBe(true);
    expect(isPrecondError(new Error('plain'))).toBe(false);
    expect(isPrecondError(Object.assign(new Error('fs'), { code: 'ENOENT' }))).toBe(false);
    expect(isPrecondError('text')).toBe(false);
  });
});
