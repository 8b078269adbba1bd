import { optionsToJson } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { kfac, kfacOptions } from './index.js';

describe('kfac options', () => {
  it('fill every default (README, "Options")', () => {
    expect(kfacOptions.parse({})).toEqual({
      estimation: 'ggn',
      damping: 1e-3,
      decay: 0.95,
      factorUpdateEvery: 1,
      inverseUpdateEvery: 10,
      burnIn: 0,
      inverse: 'cholesky',
      fallback: 'identity',
      adaptiveDamping: false,
    });
  });

  it("fill the gain-ratio rule's defaults: M&G's T₁ = 5 and ω₁ = (19/20)^5", () => {
    const o = kfacOptions.parse({ adaptiveDamping: {} });
    expect(o.adaptiveDamping).toEqual({ every: 5, increase: (20 / 19) ** 5, decrease: (19 / 20) ** 5, min: 1e-8, max: 1e4 });
    // JSON for run.json, every value a number.
    expect(JSON.parse(JSON.stringify(optionsToJson(o)))).toEqual(optionsToJson(o));
  });

  it('reject unknown options and bad values, naming the option', () => {
    const issues = (input: unknown) => kfacOptions.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ dampin: 1 })?.[0]).toMatch(/dampin/);
    expect(issues({ damping: -1 })).toEqual(['damping: must be >= 0']);
    expect(issues({ decay: 1 })).toEqual(['decay: must be in [0, 1)']);
    expect(issues({ inverseUpdateEvery: 0 })).toEqual(['inverseUpdateEvery: must be a positive integer']);
    expect(issues({ estimation: 'hessian' })?.[0]).toMatch(/^estimation: /);
    expect(issues({ adaptiveDamping: { every: 5, min: 1, max: 0.5 } })).toContain('adaptiveDamping.min: must be <= max');
  });

  it('are the plugin schema, with the package identity', async () => {
    expect(kfac.options).toBe(kfacOptions);
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as { name: string; version: string };
    expect(kfac.meta).toEqual(expect.objectContaining({ name: pkg.name, version: pkg.version, kind: 'preconditioner', id: 'kfac' }));
  });
});
