import { describe, expect, it } from 'vitest';
import { paperLearningRate } from './learning-rate.js';

describe('paperLearningRate', () => {
  it("is η₀/α², the paper's GD rates 100/α² for α ∈ {0.5, 1, 1.5, 2}", () => {
    // 100/0.25 = 400, 100/1 = 100, 100/2.25 = 44.44…, 100/4 = 25.
    expect(paperLearningRate(100, 0.5)).toBe(400);
    expect(paperLearningRate(100, 1)).toBe(100);
    expect(paperLearningRate(100, 1.5)).toBeCloseTo(400 / 9, 12);
    expect(paperLearningRate(100, 2)).toBe(25);
    expect(paperLearningRate(3, 1)).toBe(3);
  });

  it('rejects rates and α that are not finite and positive, naming the argument', () => {
    expect(() => paperLearningRate(0, 1)).toThrow(/eta0 must be a finite number > 0, got 0/);
    expect(() => paperLearningRate(100, -1)).toThrow(/alpha must be a finite number > 0, got -1/);
    expect(() => paperLearningRate(100, Number.NaN)).toThrow(/alpha.*got NaN/);
  });
});
