import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { lastToken } from './last-token.js';

describe('lastToken', () => {
  it('keeps the last token vector of each sample, and slices tangents alike', () => {
    const layer = lastToken({ name: 'last_token', sequenceLength: 3, dim: 2 });
    expect(layer).toMatchObject({ kind: 'last-token', params: [] });
    const x = tf.tensor2d([
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 10, 11, 12],
    ]);
    const y = layer.forward([], x);
    expect(y.arraySync()).toEqual([
      [5, 6],
      [11, 12],
    ]);
    const dx = tf.neg(x);
    const { output, tangent } = layer.curvature!.jvp([], [], x, dx);
    expect(output.arraySync()).toEqual(y.arraySync());
    expect(tangent!.arraySync()).toEqual([
      [-5, -6],
      [-11, -12],
    ]);
    const still = layer.curvature!.jvp([], [], x, null);
    expect(still.tangent).toBeNull();
    tf.dispose([x, y, dx, output, tangent!, still.output]);
  });

  it('names the layer and the shape in its errors', () => {
    const layer = lastToken({ name: 'last', sequenceLength: 3, dim: 2 });
    const x = tf.zeros([2, 4]);
    expect(() => layer.forward([], x)).toThrow("last-token layer 'last' expects inputs shaped [n, 6] (3 × 2), got [2, 4]");
    expect(() => lastToken({ name: 'last', sequenceLength: 3, dim: 0 })).toThrow("last-token layer 'last': dim must be a positive integer, got 0");
    x.dispose();
  });
});
