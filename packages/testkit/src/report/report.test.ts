import { describe, expect, it } from 'vitest';
import { failedChecks, formatReport, reportPassed, runCheck, pass } from './report.js';

describe('runCheck', () => {
  it('turns anything thrown into a failed finding', async () => {
    expect(await runCheck('x', () => pass('x', 'fine'))).toEqual({ check: 'x', passed: true, message: 'fine' });
    const thrown = await runCheck('x', () => {
      throw new RangeError('bad size');
    });
    expect(thrown).toMatchObject({ check: 'x', passed: false, message: 'the check could not complete: RangeError: bad size' });
    const rejected = await runCheck('y', () => Promise.reject({ code: 3 }));
    expect(rejected.message).toBe('the check could not complete: a non-Error value {"code":3}');
  });
});

describe('formatReport', () => {
  it('lists each check with a mark, and the helpers find the failures', () => {
    const report = {
      plugin: 'sgd (@example/sgd@1.0.0)',
      results: [
        { check: 'metadata', passed: true, message: 'ok' },
        { check: 'dispose', passed: false, message: '3 tensors live' },
      ],
    };
    expect(formatReport(report)).toBe('conformance of sgd (@example/sgd@1.0.0)\n✓ metadata: ok\n✗ dispose: 3 tensors live');
    expect(failedChecks(report).map((r) => r.check)).toEqual(['dispose']);
    expect(reportPassed(report)).toBe(false);
  });
});
