import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { jvpByDoubleVjp } from '../curvature/rules.js';
import { layerNormVector } from '../test-support/reference-transformer.js';
import { isAffineLayer } from './layer.js';
import { layerNorm } from './layer-norm.js';

const GAMMA = [1, 2, 0.5, -1];
const BETA = [0, 1, 0, 0.5];

describe('layerNorm', () => {
  it('declares gamma (ones) and beta (zeros), both [dim]', () => {
    const layer = layerNorm({ name: 'norm', dim: 4, sequenceLength: 2 });
    expect(layer).toMatchObject({ kind: 'layer-norm', dim: 4, sequenceLength: 2, epsilon: 1e-5 });
    expect(layer.params.map((p) => [p.name, p.shape])).toEqual([
      ['gamma', [4]],
      ['beta', [4]],
    ]);
    expect(Array.from(layer.params[0]!.init([4], new Rng(0)))).toEqual([1, 1, 1, 1]);
    expect(Array.from(layer.params[1]!.init([4], new Rng(0)))).toEqual([0, 0, 0, 0]);
    expect(isAffineLayer(layer)).toBe(false);
  });

  it('normalises each token on its own, as worked out by hand', () => {
    const layer = layerNorm({ name: 'norm', dim: 4, sequenceLength: 2 });
    const params = [tf.tensor1d(GAMMA), tf.tensor1d(BETA)];
    // Token 0, x = [1, 2, 3, 5]: mean 2.75, deviations [−1.75, −0.75, 0.25, 2.25], biased variance
    // (3.0625 + 0.5625 + 0.0625 + 5.0625)/4 = 2.1875. Token 1, x = [0, 0, 0, 4]: mean 1,
    // deviations [−1, −1, −1, 3], variance 12/4 = 3. y = γ ⊙ deviation/√(var + 1e-5) + β.
    const x = tf.tensor2d([[1, 2, 3, 5, 0, 0, 0, 4]]);
    const s0 = Math.sqrt(2.1875 + 1e-5);
    const s1 = Math.sqrt(3 + 1e-5);
    const expected = [
      -1.75 / s0,
      (2 * -0.75) / s0 + 1,
      (0.5 * 0.25) / s0,
      -2.25 / s0 + 0.5,
      -1 / s1,
      (2 * -1) / s1 + 1,
      (0.5 * -1) / s1,
      -3 / s1 + 0.5,
    ];
    // = [−1.18321, −0.01418, 0.08452, −1.02127, −0.57735, −0.15470, −0.28867, −1.23205]
    const y = layer.forward(params, x);
    const got = Array.from(y.dataSync());
    // float32: a few ulps of values below 2.
    expected.forEach((e, j) => expect(got[j]).toBeCloseTo(e, 6));
    tf.dispose([...params, x, y]);
  });

  it('has a forward-mode rule equal to finite differences of the float64 formula and to the double-VJP fallback', () => {
    const layer = layerNorm({ name: 'norm', dim: 4, sequenceLength: 3 });
    const rng = new Rng(1);
    const draw = (n: number) => Array.from({ length: n }, () => rng.normal());
    const [gamma, beta, dGamma, dBeta] = [draw(4), draw(4), draw(4), draw(4)];
    const x = draw(2 * 12);
    const dx = draw(2 * 12);
    const params = [tf.tensor1d(gamma), tf.tensor1d(beta)];
    const tangents = [tf.tensor1d(dGamma), tf.tensor1d(dBeta)];
    const input = tf.tensor2d(x, [2, 12]);
    const inputTangent = tf.tensor2d(dx, [2, 12]);
    const rule = layer.curvature!.jvp(params, tangents, input, inputTangent);
    const fallback = jvpByDoubleVjp(layer, params, tangents, input, inputTangent);
    // Central differences in float64 of y along (dγ, dβ, dx), token by token, h = 1e-5.
    const h = 1e-5;
    const at = (s: number) =>
      Array.from({ length: 6 }, (_, r) =>
        layerNormVector(
          x.slice(r * 4, r * 4 + 4).map((v, j) => v + s * dx[r * 4 + j]!),
          gamma.map((g, j) => g + s * dGamma[j]!),
          beta.map((b, j) => b + s * dBeta[j]!),
          1e-5,
        ),
      ).flat();
    const plus = at(h);
    const minus = at(-h);
    const expected = plus.map((p, j) => (p - minus[j]!) / (2 * h));
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(1);
    const ruleValues = Array.from(rule.tangent!.dataSync());
    const fallbackValues = Array.from(fallback.tangent!.dataSync());
    expected.forEach((e, j) => {
      expect(Math.abs(ruleValues[j]! - e), `rule, entry ${j}`).toBeLessThan(1e-5 * scale);
      expect(Math.abs(fallbackValues[j]! - e), `fallback, entry ${j}`).toBeLessThan(1e-5 * scale);
    });
    tf.dispose([...params, ...tangents, input, inputTangent, rule.output, rule.tangent!, fallback.output, fallback.tangent!]);
  });

  it('names the layer, the field and the value in its errors', () => {
    expect(() => layerNorm({ name: 'n', dim: 0 })).toThrow("layer norm 'n': dim must be a positive integer, got 0");
    expect(() => layerNorm({ name: 'n', dim: 4, epsilon: 0 })).toThrow("layer norm 'n': epsilon must be a finite number > 0, got 0");
    const layer = layerNorm({ name: 'n', dim: 4, sequenceLength: 2 });
    const params = [tf.ones([4]), tf.zeros([4])];
    const x = tf.zeros([3, 4]);
    expect(() => layer.forward(params, x)).toThrow("layer norm 'n' expects inputs shaped [n, 8] (2 × 4), got [3, 4]");
    tf.dispose([...params, x]);
  });
});
