import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { jvpByDoubleVjp } from '../curvature/rules.js';
import { denseLayer } from './dense.js';
import { isAffineLayer } from './layer.js';
import { tokenwiseLayer } from './tokenwise.js';

describe('tokenwiseLayer', () => {
  const dense = denseLayer({ name: 'hidden', inputSize: 2, outputSize: 3, activation: 'relu' });
  const kernel = tf.tensor2d([
    [1, -1, 2],
    [0, 1, -3],
  ]);
  const bias = tf.tensor1d([0.5, 0, 1]);

  it('applies the layer to every token with shared parameters, under its name', () => {
    const layer = tokenwiseLayer({ layer: dense, sequenceLength: 2 });
    expect(layer).toMatchObject({ name: 'hidden', kind: 'tokenwise', sequenceLength: 2, inner: dense });
    expect(layer.params).toBe(dense.params);
    // Its statistics would be per token: it does not pose as an affine layer.
    expect(isAffineLayer(layer)).toBe(false);
    // Sample 0: tokens [1, 2] and [−1, 1]. relu([1, 2] W + b) = relu([1.5, 1, −3]) = [1.5, 1, 0];
    // relu([−1, 1] W + b) = relu([−0.5, 2, −4]) = [0, 2, 0]. Sample 1: tokens [0, 0] and [2, 0]:
    // relu(b) = [0.5, 0, 1]; relu([2.5, −2, 5]) = [2.5, 0, 5].
    const x = tf.tensor2d([
      [1, 2, -1, 1],
      [0, 0, 2, 0],
    ]);
    const y = layer.forward([kernel, bias], x);
    expect(y.arraySync()).toEqual([
      [1.5, 1, 0, 0, 2, 0],
      [0.5, 0, 1, 2.5, 0, 5],
    ]);
    tf.dispose([x, y]);
  });

  it("runs the inner layer's forward mode on the same rows (equal to the double-VJP fallback)", () => {
    const layer = tokenwiseLayer({ layer: denseLayer({ name: 'h', inputSize: 2, outputSize: 3, activation: 'tanh' }), sequenceLength: 2 });
    const x = tf.tensor2d([
      [1, 2, -1, 1],
      [0, 0.5, 2, 0],
    ]);
    const dx = tf.tensor2d([
      [0.5, -1, 2, 0],
      [1, 1, -1, 0.5],
    ]);
    const tangents = [tf.onesLike(kernel), tf.tensor1d([1, -2, 0.5])];
    const rule = layer.curvature!.jvp([kernel, bias], tangents, x, dx);
    const fallback = jvpByDoubleVjp(layer, [kernel, bias], tangents, x, dx);
    expect(rule.tangent!.shape).toEqual([2, 6]);
    const a = Array.from(rule.tangent!.dataSync());
    const b = Array.from(fallback.tangent!.dataSync());
    a.forEach((v, j) => expect(v).toBeCloseTo(b[j]!, 5));
    // Token 1 of sample 0 by hand: s = [−1, 1] W + b = [−0.5, 2, −4]; ds = dx W + x dW + db with
    // dx = [2, 0], dW = 1: [2, −2, 4] + [0, 0, 0] + [1, −2, 0.5] = [3, −4, 4.5]; dy = (1 − tanh²(s)) ⊙ ds.
    const s = [-0.5, 2, -4];
    const ds = [3, -4, 4.5];
    s.forEach((v, q) => expect(a[3 + q]).toBeCloseTo((1 - Math.tanh(v) ** 2) * ds[q]!, 5));
    tf.dispose([x, dx, ...tangents, rule.output, rule.tangent!, fallback.output, fallback.tangent!]);
  });

  it('names the layer and the shape in its errors', () => {
    const layer = tokenwiseLayer({ layer: dense, sequenceLength: 2 });
    const x = tf.zeros([2, 5]);
    expect(() => layer.forward([kernel, bias], x)).toThrow("tokenwise layer 'hidden' expects inputs shaped [n, 2·width], got [2, 5]");
    expect(() => tokenwiseLayer({ layer: dense, sequenceLength: 1.5 })).toThrow("tokenwise layer 'hidden': sequenceLength must be a positive integer, got 1.5");
    x.dispose();
  });
});
