import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { initializer } from '../initializer.js';
import { denseLayer } from './dense.js';
import { isAffineLayer } from './layer.js';
import { scaleLayer } from './scale.js';

const read = (t: tf.Tensor) => {
  const values = t.arraySync();
  t.dispose();
  return values;
};

describe('denseLayer', () => {
  it('declares kernel [in, out] then bias [out], or the kernel alone without a bias', () => {
    const layer = denseLayer({ name: 'dense_0', inputSize: 3, outputSize: 5, activation: 'tanh' });
    expect(layer.params.map((p) => [p.name, p.shape])).toEqual([
      ['kernel', [3, 5]],
      ['bias', [5]],
    ]);
    expect(layer).toMatchObject({ kind: 'dense', inputSize: 3, outputSize: 5, hasBias: true });
    expect(layer.activation.name).toBe('tanh');
    const noBias = denseLayer({ name: 'dense_1', inputSize: 3, outputSize: 5, bias: false });
    expect(noBias.params.map((p) => p.name)).toEqual(['kernel']);
    expect(noBias.hasBias).toBe(false);
    expect(noBias.activation.name).toBe('identity');
  });

  it('uses its initialisers: glorot-uniform kernels and zero biases unless told otherwise', () => {
    const layer = denseLayer({ name: 'd', inputSize: 4, outputSize: 2 });
    const [kernel, bias] = layer.params;
    expect(kernel!.init(kernel!.shape, new Rng(1))).toEqual(initializer('glorot-uniform')([4, 2], new Rng(1)));
    expect(bias!.init(bias!.shape, new Rng(1))).toEqual(new Float32Array(2));
    const custom = denseLayer({ name: 'd', inputSize: 4, outputSize: 2, kernelInit: 'normal', biasInit: initializer('normal', 0.1) });
    expect(custom.params[1]!.init([2], new Rng(2))).toEqual(initializer('normal', 0.1)([2], new Rng(2)));
  });

  it('computes relu(x W + b) as worked out by hand', () => {
    const layer = denseLayer({ name: 'dense_0', inputSize: 2, outputSize: 2, activation: 'relu' });
    const x = tf.tensor2d([
      [1, 2],
      [-1, 0.5],
    ]);
    const kernel = tf.tensor2d([
      [1, -1],
      [2, 0.5],
    ]);
    const bias = tf.tensor1d([0.5, -1]);
    // Row 1: s = [1·1 + 2·2 + 0.5, 1·(-1) + 2·0.5 - 1] = [5.5, -1]      → relu → [5.5, 0]
    // Row 2: s = [-1·1 + 0.5·2 + 0.5, -1·(-1) + 0.5·0.5 - 1] = [0.5, 0.25] → relu → [0.5, 0.25]
    // (every number is a short binary fraction, so float32 holds them exactly)
    expect(read(layer.preActivation([kernel, bias], x))).toEqual([
      [5.5, -1],
      [0.5, 0.25],
    ]);
    expect(read(layer.forward([kernel, bias], x))).toEqual([
      [5.5, 0],
      [0.5, 0.25],
    ]);
    // Without the bias: s = [1 + 4, -1 + 1] = [5, 0] and [-1 + 1, 1 + 0.25] = [0, 1.25].
    const noBias = denseLayer({ name: 'dense_0', inputSize: 2, outputSize: 2, bias: false });
    expect(read(noBias.forward([kernel], x))).toEqual([
      [5, 0],
      [0, 1.25],
    ]);
    tf.dispose([x, kernel, bias]);
  });

  it('names the layer, the field and the value in its errors', () => {
    expect(() => denseLayer({ name: 'a/b', inputSize: 1, outputSize: 1 })).toThrow(/dense layer name .*no '\/'.*got 'a\/b'/);
    expect(() => denseLayer({ name: 'd', inputSize: 0, outputSize: 1 })).toThrow("dense layer 'd': inputSize must be a positive integer, got 0");
    expect(() => denseLayer({ name: 'd', inputSize: 2, outputSize: 1.5 })).toThrow("dense layer 'd': outputSize must be a positive integer, got 1.5");
    const layer = denseLayer({ name: 'd', inputSize: 2, outputSize: 1 });
    const kernel = tf.zeros([2, 1]);
    const bias = tf.zeros([1]);
    const x = tf.zeros([4, 3]);
    const y = tf.zeros([4, 2]);
    expect(() => layer.forward([kernel, bias], x)).toThrow("dense layer 'd' expects inputs shaped [n, 2], got [4, 3]");
    expect(() => layer.forward([kernel], y)).toThrow(/takes 2 parameter tensors \(kernel, bias\), got 1/);
    tf.dispose([kernel, bias, x, y]);
  });

  it('is an affine layer; the scale layer is not', () => {
    expect(isAffineLayer(denseLayer({ name: 'd', inputSize: 1, outputSize: 1 }))).toBe(true);
    expect(isAffineLayer(scaleLayer({ name: 's', factor: 2 }))).toBe(false);
  });
});

describe('scaleLayer', () => {
  it('multiplies by its factor and has no parameters', () => {
    const layer = scaleLayer({ name: 'output_scale', factor: 0.25 });
    expect(layer.params).toEqual([]);
    const x = tf.tensor2d([[4, -8]]);
    expect(read(layer.forward([], x))).toEqual([[1, -2]]); // 0.25·4 = 1, 0.25·(-8) = -2
    x.dispose();
    expect(() => scaleLayer({ name: 's', factor: Number.POSITIVE_INFINITY })).toThrow("scale layer 's': factor must be a finite number, got Infinity");
  });
});
