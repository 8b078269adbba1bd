import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { fans, initializer, type InitializerName } from './initializer.js';

const SHAPE = [300, 200] as const;
const N = SHAPE[0] * SHAPE[1];
const SCALE = 2;

function moments(values: Float32Array) {
  let sum = 0;
  let sumSq = 0;
  let maxAbs = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  return { mean: sum / values.length, secondMoment: sumSq / values.length, maxAbs };
}

const fractionWithin = (values: Float32Array, bound: number) => values.filter((v) => Math.abs(v) <= bound).length / values.length;

// Variances with fanIn = 300, fanOut = 200 and scale s = 2 (the formulas of the Glorot and He papers,
// times s²): Glorot 2/(in+out)·s² = 2/500·4 = 0.016; He 2/in·s² = 2/300·4 ≈ 0.026667; normal s² = 4.
const CASES: { name: InitializerName; variance: number; family: 'uniform' | 'normal' }[] = [
  { name: 'glorot-uniform', variance: (2 / 500) * 4, family: 'uniform' },
  { name: 'glorot-normal', variance: (2 / 500) * 4, family: 'normal' },
  { name: 'he-uniform', variance: (2 / 300) * 4, family: 'uniform' },
  { name: 'he-normal', variance: (2 / 300) * 4, family: 'normal' },
  { name: 'normal', variance: 4, family: 'normal' },
];

describe('initializers', () => {
  it('computes fans for kernels [in, out], vectors and receptive fields', () => {
    expect(fans([3, 5])).toEqual({ fanIn: 3, fanOut: 5 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    // receptive field 2·3 = 6: fanIn 4·6 = 24, fanOut 5·6 = 30
    expect(fans([2, 3, 4, 5])).toEqual({ fanIn: 24, fanOut: 30 });
  });

  it.each(CASES)('$name ×2 has mean 0, its variance and its distribution shape (60,000 draws, 5 standard errors)', ({ name, variance, family }) => {
    const values = initializer(name, SCALE)([...SHAPE], new Rng(17));
    expect(values).toHaveLength(N);
    const sigma = Math.sqrt(variance);
    const { mean, secondMoment, maxAbs } = moments(values);
    // Standard error of the mean is σ/√n.
    expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(N));
    // Var(w²) is 2σ⁴ for a normal; for U(-L, L), E w⁴ - σ⁴ = L⁴/5 - L⁴/9 = 0.8σ⁴ (L² = 3σ²).
    // The mean of w² over n draws therefore has standard error σ²·√(2/n) or σ²·√(0.8/n)
    // (1.8% and 1.15% of σ² at 5 standard errors).
    const kurtosisTerm = family === 'normal' ? 2 : 0.8;
    expect(Math.abs(secondMoment - variance)).toBeLessThan(5 * variance * Math.sqrt(kurtosisTerm / N));
    // P(|w| ≤ σ) is 1/√3 ≈ 0.5774 for a uniform and erf(1/√2) ≈ 0.6827 for a normal; the binomial
    // standard error √(p(1-p)/n) is under 0.0021, so 5 of them (0.0105) tell the two families apart.
    const within = fractionWithin(values, sigma);
    expect(Math.abs(within - (family === 'uniform' ? 1 / Math.sqrt(3) : 0.682689492))).toBeLessThan(0.0105);
    if (family === 'uniform') expect(maxAbs).toBeLessThanOrEqual(Math.fround(Math.sqrt(3) * sigma));
  });

  it('draws from the given Rng in row-major order, scaled by `scale`', () => {
    const drawn = initializer('normal', 3)([2, 3], new Rng(5));
    const reference = new Rng(5);
    expect(drawn).toEqual(Float32Array.from({ length: 6 }, () => 3 * reference.normal()));
    expect(initializer('glorot-uniform')([4, 4], new Rng(8))).toEqual(initializer('glorot-uniform')([4, 4], new Rng(8)));
  });

  it('zeros gives zeros and draws nothing', () => {
    const rng = new Rng(3);
    const state = rng.getState();
    expect(initializer('zeros', 5)([2, 3], rng)).toEqual(new Float32Array(6));
    expect(rng.getState()).toEqual(state);
  });

  it('rejects a scale that is not a finite positive number and unknown names', () => {
    expect(() => initializer('normal', 0)).toThrow(/scale must be a finite number > 0, got 0/);
    expect(() => initializer('normal', Number.NaN)).toThrow(/got NaN/);
    expect(() => initializer('lecun' as never)).toThrow(/unknown initializer 'lecun'; valid initializers: glorot-uniform, glorot-normal, he-normal, he-uniform, normal, zeros/);
  });
});
