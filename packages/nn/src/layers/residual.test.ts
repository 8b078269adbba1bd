import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { jvpByDoubleVjp } from '../curvature/rules.js';
import { denseLayer } from './dense.js';
import type { Layer } from './layer.js';
import { residualLayer } from './residual.js';
import { scaleLayer } from './scale.js';

const first = denseLayer({ name: 'first', inputSize: 2, outputSize: 3, activation: 'tanh' });
const second = denseLayer({ name: 'second', inputSize: 3, outputSize: 2, bias: false });

describe('residualLayer', () => {
  it('names the branch parameters <sublayer>.<param>, in branch order', () => {
    const layer = residualLayer({ name: 'block', layers: [first, scaleLayer({ name: 'half', factor: 0.5 }), second] });
    expect(layer).toMatchObject({ name: 'block', kind: 'residual' });
    expect(layer.params.map((p) => [p.name, p.shape])).toEqual([
      ['first.kernel', [2, 3]],
      ['first.bias', [3]],
      ['second.kernel', [3, 2]],
    ]);
  });

  it('computes x + F(x), and dx + dF in forward mode', () => {
    const layer = residualLayer({ name: 'block', layers: [first, second] });
    const values = [tf.tensor2d([1, 0, -1, 0.5, 2, 0], [2, 3]), tf.tensor1d([0, 0.5, -0.5]), tf.tensor2d([1, -1, 0, 2, 1, 1], [3, 2])];
    const x = tf.tensor2d([
      [0.5, -1],
      [2, 1],
    ]);
    // Sample 0 by hand: s = [0.5, −1] W₁ + b₁ = [0.5 − 0.5 + 0, 0 − 2 + 0.5, −0.5 − 0 − 0.5] =
    // [0, −1.5, −1]; F = tanh(s) W₂ = [t₀ + t₂, −t₀ + 2t₁ + t₂] with t = tanh(s); y = x + F.
    const t = [0, -1.5, -1].map(Math.tanh);
    const y = layer.forward(values, x);
    const row = (y.arraySync() as number[][])[0]!;
    expect(row[0]).toBeCloseTo(0.5 + t[0]! + t[2]!, 6);
    expect(row[1]).toBeCloseTo(-1 - t[0]! + 2 * t[1]! + t[2]!, 6);

    const tangents = values.map((v) => tf.onesLike(v));
    const dx = tf.tensor2d([
      [1, 0],
      [0, -1],
    ]);
    const rule = layer.curvature!.jvp(values, tangents, x, dx);
    const fallback = jvpByDoubleVjp(layer, values, tangents, x, dx);
    const a = Array.from(rule.tangent!.dataSync());
    Array.from(fallback.tangent!.dataSync()).forEach((v, j) => expect(a[j]).toBeCloseTo(v, 5));
    expect(Array.from(rule.output.dataSync())).toEqual(Array.from(y.dataSync()));
    // A parameter-free branch with a still input: nothing moves, the tangent is null.
    const scale = residualLayer({ name: 'twice', layers: [scaleLayer({ name: 'one', factor: 1 })] });
    const still = scale.curvature!.jvp([], [], x, null);
    expect(still.tangent).toBeNull();
    expect(still.output.arraySync()).toEqual([
      [1, -2],
      [4, 2],
    ]);
    tf.dispose([...values, x, y, ...tangents, dx, rule.output, rule.tangent!, fallback.output, fallback.tangent!, still.output]);
  });

  it('rejects an empty branch, repeated sub-layer names and a branch that changes the shape', () => {
    expect(() => residualLayer({ name: 'r', layers: [] })).toThrow("residual layer 'r' needs at least one layer in its branch, got none");
    expect(() => residualLayer({ name: 'r', layers: [first, first] })).toThrow("residual layer 'r': sub-layer name 'first' is used twice");
    const bad = residualLayer({ name: 'r', layers: [first as Layer] });
    const values = [tf.zeros([2, 3]), tf.zeros([3])];
    const x = tf.zeros([1, 2]);
    expect(() => bad.forward(values, x)).toThrow("residual layer 'r': its branch maps [1, 2] to [1, 3]; a residual branch must keep the shape");
    expect(() => bad.forward(values.slice(1), x)).toThrow("residual layer 'r' takes 2 parameter tensors (first.kernel, first.bias), got 1");
    tf.dispose([...values, x]);
  });
});
