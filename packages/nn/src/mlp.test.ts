import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { isAffineLayer } from './layers/layer.js';
import { buildMlp } from './mlp.js';
import type { SequentialModel } from './sequential-model.js';

/** Assign `values[i]` (nested arrays) to the i-th parameter of `model`. */
function setParams(model: SequentialModel, values: readonly (number[] | number[][])[]): void {
  model.params.forEach((p, i) => {
    const t = tf.tensor(values[i]!, p.variable.shape);
    p.variable.assign(t);
    t.dispose();
  });
}

function outputs(model: SequentialModel, x: number[][]): number[][] {
  const f = tf.tidy(() => model.apply(tf.tensor2d(x)));
  const values = f.arraySync();
  f.dispose();
  return values;
}

describe('buildMlp', () => {
  it('computes a relu network with an output activation and scale as worked out by hand', () => {
    const build = (outputActivation: 'identity' | 'relu') =>
      buildMlp({ inputSize: 2, outputSize: 1, hidden: [2], activation: 'relu', outputActivation, outputScale: 0.5 }, new Rng(0));
    const params = [
      [
        [1, -1],
        [2, 0.5],
      ],
      [0.5, -1],
      [[2], [-4]],
      [-0.5],
    ];
    const x = [
      [1, 2],
      [-1, 0.5],
    ];
    // Hidden: row 1 relu([1 + 4 + 0.5, -1 + 1 - 1]) = relu([5.5, -1]) = [5.5, 0];
    //         row 2 relu([-1 + 1 + 0.5, 1 + 0.25 - 1]) = [0.5, 0.25].
    // Output before the activation: 5.5·2 + 0·(-4) - 0.5 = 10.5 and 0.5·2 + 0.25·(-4) - 0.5 = -0.5.
    // Identity output then ×0.5: [5.25, -0.25]. Relu output then ×0.5: [5.25, 0].
    // (short binary fractions throughout: float32 is exact, so equality is the right test)
    const linearOut = build('identity');
    const reluOut = build('relu');
    setParams(linearOut, params);
    setParams(reluOut, params);
    expect(outputs(linearOut, x)).toEqual([[5.25], [-0.25]]);
    expect(outputs(reluOut, x)).toEqual([[5.25], [0]]);
    linearOut.dispose();
    reluOut.dispose();
  });

  it('computes a tanh network as worked out by hand', () => {
    const model = buildMlp({ inputSize: 1, outputSize: 1, hidden: [1], activation: 'tanh', outputScale: 3 }, new Rng(0));
    setParams(model, [[[0.5]], [0], [[2]], [-1]]);
    // f(2) = 3·(2·tanh(0.5·2 + 0) - 1) = 3·(2·0.7615941559557649 - 1) = 1.569564935734589.
    // float32 rounds each of the five ops to a relative 6e-8, so 5 decimals (5e-6) is ample.
    const [[f]] = outputs(model, [[2]]) as [[number]];
    expect(f).toBeCloseTo(3 * (2 * Math.tanh(1) - 1), 5);
    expect(f).toBeCloseTo(1.569564935734589, 5);
    model.dispose();
  });

  it('computes the E3 network α²/(2p·N)·W2 (W1 x)² as worked out by hand', () => {
    // p = 2 (inputs one-hot(a) ⊕ one-hot(b), 2p = 4), N = 3 hidden units, α = 2: scale 4/(2·2·3) = 1/3.
    const model = buildMlp(
      { inputSize: 4, outputSize: 2, hidden: [3], activation: 'quadratic', bias: false, init: 'normal', outputScale: 4 / (2 * 2 * 3) },
      new Rng(0),
    );
    expect(model.params.map((p) => p.name)).toEqual(['dense_0/kernel', 'dense_1/kernel']);
    setParams(model, [
      [
        [1, 0, 2],
        [0, 1, 0],
        [-1, 1, 0],
        [2, 0, 1],
      ],
      [
        [1, -1],
        [5, 5],
        [0.5, 2],
      ],
    ]);
    // (a, b) = (0, 1): x = [1, 0, 0, 1]; x W1 = row 0 + row 3 = [3, 0, 3]; squared [9, 0, 9];
    //   W2: [9·1 + 0·5 + 9·0.5, 9·(-1) + 0·5 + 9·2] = [13.5, 9]; ×1/3 = [4.5, 3].
    // (a, b) = (1, 1): x = [0, 1, 0, 1]; x W1 = row 1 + row 3 = [2, 1, 1]; squared [4, 1, 1];
    //   W2: [4 + 5 + 0.5, -4 + 5 + 2] = [9.5, 3]; ×1/3 = [3.1666…, 1].
    // 1/3 is not a float32, so compare to 6 decimals (relative rounding 6e-8 on values below 5).
    const f = outputs(model, [
      [1, 0, 0, 1],
      [0, 1, 0, 1],
    ]);
    [
      [4.5, 3],
      [9.5 / 3, 1],
    ].forEach((row, i) => row.forEach((v, j) => expect(f[i]![j]).toBeCloseTo(v, 6)));
    model.dispose();
  });

  it('names, shapes and orders parameters layer by layer, kernel then bias', () => {
    const model = buildMlp({ inputSize: 3, outputSize: 2, hidden: [4, 5], activation: 'tanh' }, new Rng(0));
    expect(model.params.map((p) => [p.name, p.variable.shape])).toEqual([
      ['dense_0/kernel', [3, 4]],
      ['dense_0/bias', [4]],
      ['dense_1/kernel', [4, 5]],
      ['dense_1/bias', [5]],
      ['dense_2/kernel', [5, 2]],
      ['dense_2/bias', [2]],
    ]);
    // 3·4 + 4 + 4·5 + 5 + 5·2 + 2 = 53
    expect(model.parameterCount()).toBe(53);
    expect(model.layers.map((l) => l.name)).toEqual(['dense_0', 'dense_1', 'dense_2']);
    model.dispose();

    const noBias = buildMlp({ inputSize: 3, outputSize: 2, hidden: [4, 5], activation: 'tanh', bias: false, outputScale: 2 }, new Rng(0));
    expect(noBias.params.map((p) => p.name)).toEqual(['dense_0/kernel', 'dense_1/kernel', 'dense_2/kernel']);
    expect(noBias.parameterCount()).toBe(12 + 20 + 10);
    // The output scale is a parameter-free layer after the last dense one.
    expect(noBias.layers.map((l) => [l.name, l.kind])).toEqual([
      ['dense_0', 'dense'],
      ['dense_1', 'dense'],
      ['dense_2', 'dense'],
      ['output_scale', 'scale'],
    ]);
    noBias.dispose();

    const linear = buildMlp({ inputSize: 3, outputSize: 2, hidden: [], activation: 'tanh' }, new Rng(0));
    expect(linear.params.map((p) => [p.name, p.variable.shape])).toEqual([
      ['dense_0/kernel', [3, 2]],
      ['dense_0/bias', [2]],
    ]);
    linear.dispose();
  });

  it('draws kernels from the Rng in parameter order, times initScale, with zero biases', () => {
    const model = buildMlp({ inputSize: 3, outputSize: 2, hidden: [4], activation: 'sin', init: 'normal', initScale: 3 }, new Rng(9));
    // N(0, 3²) kernels: dense_0/kernel takes the first 12 normals of Rng(9), dense_1/kernel the next 8;
    // zero biases draw nothing.
    const reference = new Rng(9);
    const expected = [
      Float32Array.from({ length: 12 }, () => 3 * reference.normal()),
      new Float32Array(4),
      Float32Array.from({ length: 8 }, () => 3 * reference.normal()),
      new Float32Array(2),
    ];
    model.params.forEach((p, i) => expect(p.variable.dataSync()).toEqual(expected[i]));
    model.dispose();
  });

  it('is deterministic: the same seed gives identical weights, another seed different ones', () => {
    const options = { inputSize: 2, outputSize: 3, hidden: [8, 8], activation: 'tanh' as const, init: 'glorot-uniform' as const };
    const weights = (seed: number) => {
      const model = buildMlp(options, new Rng(seed));
      const values = model.params.map((p) => Array.from(p.variable.dataSync()));
      model.dispose();
      return values;
    };
    expect(weights(4)).toEqual(weights(4));
    expect(weights(4)[0]).not.toEqual(weights(5)[0]);
  });

  it('gives each layer its activation: hidden ones `activation`, the last `outputActivation`', () => {
    const model = buildMlp({ inputSize: 1, outputSize: 1, hidden: [2, 2], activation: 'sin', outputActivation: 'tanh' }, new Rng(0));
    expect(model.layers.map((l) => (isAffineLayer(l) ? l.activation.name : l.kind))).toEqual(['sin', 'sin', 'tanh']);
    model.dispose();
  });

  it('rejects bad widths and output scales, naming the field and the value', () => {
    const base = { inputSize: 1, outputSize: 1, activation: 'tanh' as const };
    expect(() => buildMlp({ ...base, hidden: [4, 0] }, new Rng(0))).toThrow('mlp hidden[1] must be a positive integer width, got 0');
    expect(() => buildMlp({ ...base, hidden: [4], outputScale: -1 }, new Rng(0))).toThrow('mlp outputScale must be a finite number > 0, got -1');
    expect(() => buildMlp({ ...base, hidden: [4], initScale: 0 }, new Rng(0))).toThrow(/scale must be a finite number > 0, got 0/);
  });
});
