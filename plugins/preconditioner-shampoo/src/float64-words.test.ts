import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { float64ToWords, wordsToFloat64 } from './float64-words.js';

/** The 64 bits of a double, as two 32-bit words. */
const bits = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));

describe('float64 words', () => {
  it('round-trips every kind of float64 bit for bit', () => {
    // A NaN with a payload (not the canonical NaN), −0, the smallest subnormal, the largest finite
    // number, ±∞, a number that float32 cannot hold (1/3), and 1 + 2⁻⁵², one ulp above 1.
    const values = new Float64Array([0, -0, Number.MIN_VALUE, Number.MAX_VALUE, Infinity, -Infinity, 1 / 3, 1 + 2 ** -52, -123.456e-300]);
    const withNaN = new Float64Array(values.length + 1);
    withNaN.set(values);
    new Uint32Array(withNaN.buffer).set([0x12345678, 0x7ff80abc], values.length * 2);
    const words = float64ToWords(withNaN);
    expect(words.dtype).toBe('int32');
    expect(words.shape).toEqual([withNaN.length, 4]);
    const back = wordsToFloat64(words, 'test');
    expect(bits(back)).toEqual(bits(withNaN));
    words.dispose();
  });

  it('holds only 16-bit words, exact in float32 textures', () => {
    const words = float64ToWords(new Float64Array([Math.PI, -Math.E]));
    const values = Array.from(words.dataSync());
    expect(Math.max(...values)).toBeLessThanOrEqual(0xffff);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    words.dispose();
  });

  it('rejects a tensor that is not float64 words, saying what it expected', () => {
    const t = tf.zeros([2, 3], 'int32');
    expect(() => wordsToFloat64(t, 'state.blocks[0].left')).toThrow(/state\.blocks\[0\]\.left: expected an int32 tensor of shape \[n, 4\]/);
    const bad = tf.tensor2d([[70000, 0, 0, 0]], [1, 4], 'int32');
    expect(() => wordsToFloat64(bad, 'w')).toThrow(/word 0 is 70000/);
    tf.dispose([t, bad]);
  });
});
