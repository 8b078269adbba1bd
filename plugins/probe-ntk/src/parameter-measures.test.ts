import { describe, expect, it } from 'vitest';
import { parameterDistance, weightNorm } from './parameter-measures.js';

describe('parameter measures', () => {
  it('weightNorm is the 2-norm of all parameters together', () => {
    // √(3² + 4² + 12²) = 13.
    expect(weightNorm([Float32Array.of(3, 4), Float32Array.of(12)])).toBe(13);
  });

  it('parameterDistance is ‖θ − θ₀‖ / ‖θ₀‖', () => {
    // θ₀ = (3, 4 | 0), θ = (3, 1 | 4): ‖θ − θ₀‖ = √(9 + 16) = 5, ‖θ₀‖ = 5.
    expect(parameterDistance([Float32Array.of(3, 1), Float32Array.of(4)], [Float32Array.of(3, 4), Float32Array.of(0)])).toBe(1);
    expect(parameterDistance([Float32Array.of(1, 2)], [Float32Array.of(1, 2)])).toBe(0);
  });

  it('falls back to the absolute distance when θ₀ = 0', () => {
    expect(parameterDistance([Float32Array.of(3, 4)], [Float32Array.of(0, 0)])).toBe(5);
  });

  it('rejects mismatched parameter lists', () => {
    expect(() => parameterDistance([Float32Array.of(1)], [])).toThrow('1 parameters against 0 initial ones');
    expect(() => parameterDistance([Float32Array.of(1)], [Float32Array.of(1, 2)])).toThrow('parameter 0 has 1 entries, its initial value 2');
  });
});
