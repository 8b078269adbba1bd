import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { jvpByDoubleVjp } from '../curvature/rules.js';
import { initializer } from '../initializer.js';
import { referenceAttention, type AttentionValues } from '../test-support/reference-transformer.js';
import { causalSelfAttention } from './causal-self-attention.js';

// The tiny case: T = 3 tokens of width d = 4, 2 heads of d_h = 2, two samples.
const T = 3;
const D = 4;
const HEADS = 2;
const N = 2;

const normals = (rng: Rng, size: number, scale: number) => Array.from({ length: size }, () => scale * rng.normal());

/** Kernels and biases in the layer's parameter order (query, query_bias, key, …), as plain numbers. */
function drawParameters(seed: number, bias: boolean): number[][] {
  const rng = new Rng(seed);
  return ['query', 'key', 'value', 'output'].flatMap(() => [normals(rng, D * D, 0.7), ...(bias ? [normals(rng, D, 0.3)] : [])]);
}

function asAttentionValues(values: readonly number[][], bias: boolean): AttentionValues {
  const at = (i: number) => values[bias ? 2 * i : i]!;
  const biasAt = (i: number) => values[2 * i + 1]!;
  return bias
    ? { query: at(0), key: at(1), value: at(2), output: at(3), queryBias: biasAt(0), keyBias: biasAt(1), valueBias: biasAt(2), outputBias: biasAt(3) }
    : { query: at(0), key: at(1), value: at(2), output: at(3) };
}

const tensorsOf = (values: readonly number[][]) => values.map((v) => (v.length === D * D ? tf.tensor2d(v, [D, D]) : tf.tensor1d(v)));
/** Sample i of a flat `[n, T·d]` array as T token vectors. */
const tokens = (flat: readonly number[], i: number) => Array.from({ length: T }, (_, t) => flat.slice(i * T * D + t * D, i * T * D + (t + 1) * D));

describe('causalSelfAttention', () => {
  it('declares the four [d, d] projections, each followed by its bias', () => {
    const layer = causalSelfAttention({ name: 'attention', sequenceLength: T, dim: D, heads: HEADS });
    expect(layer).toMatchObject({ kind: 'causal-self-attention', sequenceLength: 3, dim: 4, heads: 2, hasBias: true });
    expect(layer.params.map((p) => [p.name, p.shape])).toEqual([
      ['query', [4, 4]],
      ['query_bias', [4]],
      ['key', [4, 4]],
      ['key_bias', [4]],
      ['value', [4, 4]],
      ['value_bias', [4]],
      ['output', [4, 4]],
      ['output_bias', [4]],
    ]);
    expect(layer.params[0]!.init([4, 4], new Rng(1))).toEqual(initializer('glorot-uniform')([4, 4], new Rng(1)));
    expect(layer.params[1]!.init([4], new Rng(1))).toEqual(new Float32Array(4));
    const noBias = causalSelfAttention({ name: 'a', sequenceLength: T, dim: D, heads: HEADS, bias: false });
    expect(noBias.params.map((p) => p.name)).toEqual(['query', 'key', 'value', 'output']);
  });

  for (const bias of [true, false]) {
    it(`equals a float64 reference of causal multi-head attention (T = 3, d = 4, 2 heads, bias ${bias})`, () => {
      const layer = causalSelfAttention({ name: 'attention', sequenceLength: T, dim: D, heads: HEADS, bias });
      const values = drawParameters(bias ? 1 : 2, bias);
      const x = normals(new Rng(3), N * T * D, 1);
      const params = tensorsOf(values);
      const input = tf.tensor2d(x, [N, T * D]);
      const y = layer.forward(params, input);
      expect(y.shape).toEqual([N, T * D]);
      const got = Array.from(y.dataSync());
      let largest = 0;
      let weightsSeen = 0;
      for (let i = 0; i < N; i++) {
        const weights: number[][][] = [];
        const expected = referenceAttention(tokens(x, i), asAttentionValues(values, bias), HEADS, weights).flat();
        // float32 through three products of ≤ 4 terms and a softmax over ≤ 3 scores, on values of
        // order 1-5: a few float32 ulps of the largest value, well below 1e-5.
        expected.forEach((e, j) => expect(Math.abs(got[i * T * D + j]! - e), `sample ${i}, column ${j}`).toBeLessThan(1e-5));
        largest = Math.max(largest, ...expected.map(Math.abs));
        // The test is not vacuous: token 2 mixes three tokens with weights well away from 0 and 1.
        weightsSeen = Math.max(weightsSeen, ...weights.map((w) => Math.min(...w[2]!)));
      }
      expect(largest).toBeGreaterThan(1);
      expect(weightsSeen).toBeGreaterThan(0.01);
      tf.dispose([...params, input, y]);
    });
  }

  it('is causal: changing token 2 leaves tokens 0 and 1 bit-identical and moves token 2', () => {
    const layer = causalSelfAttention({ name: 'attention', sequenceLength: T, dim: D, heads: HEADS });
    const params = tensorsOf(drawParameters(4, true));
    const x = normals(new Rng(5), N * T * D, 1);
    const moved = x.map((v, j) => (j % (T * D) >= 2 * D ? v + 3 : v));
    const [a, b] = [x, moved].map((values): number[] => {
      const input = tf.tensor2d(values, [N, T * D]);
      const y = layer.forward(params, input);
      const out = Array.from(y.dataSync());
      tf.dispose([input, y]);
      return out;
    });
    for (let i = 0; i < N; i++) {
      const first = (v: number[] | undefined) => v!.slice(i * T * D, i * T * D + 2 * D);
      const last = (v: number[] | undefined) => v!.slice(i * T * D + 2 * D, (i + 1) * T * D);
      expect(first(b)).toEqual(first(a));
      expect(last(b)).not.toEqual(last(a));
    }
    tf.dispose(params);
  });

  it('has a forward-mode rule equal to finite differences of the reference and to the double-VJP fallback', () => {
    const layer = causalSelfAttention({ name: 'attention', sequenceLength: T, dim: D, heads: HEADS });
    const values = drawParameters(6, true);
    const rng = new Rng(7);
    const x = normals(rng, N * T * D, 1);
    const dValues = values.map((v) => normals(rng, v.length, 1));
    const dx = normals(rng, N * T * D, 1);
    const [params, tangents] = [tensorsOf(values), tensorsOf(dValues)];
    const [input, inputTangent] = [tf.tensor2d(x, [N, T * D]), tf.tensor2d(dx, [N, T * D])];
    const rule = layer.curvature!.jvp(params, tangents, input, inputTangent);
    const fallback = jvpByDoubleVjp(layer, params, tangents, input, inputTangent);
    // Central differences of the float64 reference along (dθ, dx), h = 1e-5: truncation h²/6·|f'''|
    // and rounding 1e-16/h, both far below the float32 error of the rule (~1e-6 of the values).
    const h = 1e-5;
    const at = (s: number) =>
      Array.from({ length: N }, (_, i) =>
        referenceAttention(
          tokens(
            x.map((v, j) => v + s * dx[j]!),
            i,
          ),
          asAttentionValues(
            values.map((v, p) => v.map((e, j) => e + s * dValues[p]![j]!)),
            true,
          ),
          HEADS,
        ).flat(),
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
    // Without an input tangent (the data do not move) only the parameters' share remains.
    const paramsOnly = layer.curvature!.jvp(params, tangents, input, null);
    const paramsOnlyFallback = jvpByDoubleVjp(layer, params, tangents, input, null);
    const a = Array.from(paramsOnly.tangent!.dataSync());
    const b = Array.from(paramsOnlyFallback.tangent!.dataSync());
    a.forEach((v, j) => expect(Math.abs(v - b[j]!)).toBeLessThan(1e-5 * scale));
    expect(Array.from(rule.output.dataSync())).toEqual(Array.from(layer.forward(params, input).dataSync()));
    tf.dispose([...params, ...tangents, input, inputTangent, rule.output, rule.tangent!, fallback.output, fallback.tangent!]);
    tf.dispose([paramsOnly.output, paramsOnly.tangent!, paramsOnlyFallback.output, paramsOnlyFallback.tangent!]);
  });

  it('frees its intermediates', () => {
    const layer = causalSelfAttention({ name: 'attention', sequenceLength: T, dim: D, heads: HEADS });
    const params = tensorsOf(drawParameters(8, true));
    const input = tf.tensor2d(normals(new Rng(9), N * T * D, 1), [N, T * D]);
    const before = tf.memory().numTensors;
    const y = layer.forward(params, input);
    const { output, tangent } = layer.curvature!.jvp(params, params, input, input);
    // Exactly the three results are new.
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([y, output, tangent!, ...params, input]);
  });

  it('names the layer, the field and the value in its errors', () => {
    expect(() => causalSelfAttention({ name: 'a', sequenceLength: 3, dim: 6, heads: 4 })).toThrow("attention layer 'a': heads (4) must divide dim (6)");
    expect(() => causalSelfAttention({ name: 'a', sequenceLength: 0, dim: 4, heads: 2 })).toThrow("attention layer 'a': sequenceLength must be a positive integer, got 0");
    const layer = causalSelfAttention({ name: 'a', sequenceLength: T, dim: D, heads: HEADS });
    const params = tensorsOf(drawParameters(1, true));
    const wide = tf.zeros([2, 13]);
    expect(() => layer.forward(params, wide)).toThrow("attention layer 'a' expects inputs shaped [n, 12] (3 tokens × 4), got [2, 13]");
    expect(() => layer.forward(params.slice(1), wide)).toThrow(/takes 8 parameter tensors \(query, query_bias, .*\), got 7/);
    tf.dispose([...params, wide]);
  });
});
