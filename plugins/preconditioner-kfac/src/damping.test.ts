import { describe, expect, it } from 'vitest';
import { factoredDamping, meanDiagonal, meanOf } from './damping.js';

describe('factoredDamping (Martens & Grosse 2015, §6.3)', () => {
  it('π = √((tr A/dim A)/(tr G/dim G)), shifts π√λ and √λ/π: by hand', () => {
    // A = diag(2, 4): tr/dim = 3. G = [[1]]: tr/dim = 1. λ = 0.01, √λ = 0.1.
    // π = √3 = 1.7320508, π√λ = 0.17320508, √λ/π = 0.057735027.
    const d = factoredDamping(meanDiagonal(Float64Array.of(2, 0, 0, 4), 2), meanOf(Float64Array.of(1)), 0.01);
    expect(d.kind).toBe('regular');
    expect(d.pi).toBeCloseTo(1.7320508, 7);
    expect(d.shiftA).toBeCloseTo(0.17320508, 8);
    expect(d.shiftG).toBeCloseTo(0.057735027, 8);
    // The shifts multiply to λ: the damped product's `λ I` term is exactly the requested one.
    expect(d.shiftA * d.shiftG).toBeCloseTo(0.01, 15);
  });

  it('splits λ evenly (π = 1) when the factors have the same mean diagonal', () => {
    const d = factoredDamping(0.5, 0.5, 0.04);
    expect(d).toEqual({ kind: 'regular', pi: 1, shiftA: 0.2, shiftG: 0.2 });
  });

  it('a zero factor gives the zero case: both factors become √λ I, since A ⊗ 0 + λI = (√λ I) ⊗ (√λ I)', () => {
    expect(factoredDamping(0, 2, 0.09)).toEqual({ kind: 'zero', pi: 1, shiftA: 0.3, shiftG: 0.3 });
    expect(factoredDamping(3, 0, 0.09)).toEqual({ kind: 'zero', pi: 1, shiftA: 0.3, shiftG: 0.3 });
  });
});
