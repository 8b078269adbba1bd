import { describe, expect, it } from 'vitest';
import { adaptDamping, dampingValue } from './damping.js';
import { adaptiveDampingSchema } from './options.js';

const rule = adaptiveDampingSchema.parse({ type: 'adaptive', initial: 1, increase: 10, decrease: 0.5, min: 0.01, max: 100, accept: 0.1 });

describe('adaptDamping (the gain-ratio rule)', () => {
  it.each([
    // [ρ, loss decreased, accepted, next μ from μ = 1]
    [0.9, true, true, 0.5], // very good: shrink
    [0.5, true, true, 1], // good: keep
    [0.2, true, true, 10], // poor but accepted: grow
    [0.05, true, false, 10], // ρ ≤ accept: rejected, grow
    [0.9, false, false, 10], // the loss rose: rejected whatever ρ says
    [Number.NEGATIVE_INFINITY, false, false, 10], // no predicted decrease
  ])('ρ = %s, loss decreased %s → accepted %s, μ = %s', (rho, decreased, accepted, mu) => {
    expect(adaptDamping(rule, 1, rho, decreased)).toEqual({ accepted, mu });
  });

  it('keeps μ within [min, max]', () => {
    expect(adaptDamping(rule, 0.015, 0.9, true).mu).toBe(0.01);
    expect(adaptDamping(rule, 50, 0.9, false).mu).toBe(100);
  });
});

describe('dampingValue', () => {
  it('reads a schedule at the update count, and the adaptive rule from its current value', () => {
    expect(dampingValue(0.1, 7, null)).toBe(0.1);
    // log-linear 1e-2 → 1e-4 over 500: at 250 the geometric mean 1e-3.
    expect(dampingValue({ type: 'log-linear', from: 1e-2, to: 1e-4, steps: 500 }, 250, null)).toBeCloseTo(1e-3, 15);
    expect(dampingValue(rule, 3, 0.25)).toBe(0.25);
    expect(() => dampingValue(rule, 0, null)).toThrow(/not initialised/);
  });
});
