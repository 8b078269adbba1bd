import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { nnCurvatureProvider } from './curvature/context.js';
import { jacobianVectorProduct } from './curvature/jacobian.js';
import type { Layer } from './layers/layer.js';
import { sequentialModel, type SequentialModel } from './sequential-model.js';
import { referenceCrossEntropy, referenceReadoutInputs, referenceTransformer, type NamedValues, type ReferenceConfig } from './test-support/reference-transformer.js';
import { buildTransformer, type TransformerNorm } from './transformer.js';

// A tiny transformer: vocabulary 5, T = 3, d = 4, 2 heads, 2 blocks, feed-forward width 8, 4 logits.
const TINY = { vocabSize: 5, sequenceLength: 3, outputSize: 4, dModel: 4, heads: 2, layers: 2, mlpRatio: 2 } as const;
const IDS = [
  [0, 1, 4],
  [3, 3, 4],
  [2, 0, 4],
  [1, 4, 4],
  [4, 2, 4],
  [0, 0, 4],
];
const CLASSES = [1, 2, 2, 0, 3, 0];
const N = IDS.length;
const K = TINY.outputSize;

const referenceConfig = (norm: TransformerNorm): ReferenceConfig => ({ ...TINY, norm, attentionBias: true, epsilon: 1e-5 });

/**
 * The tiny transformer with every parameter redrawn N(0, 0.6²) (non-zero biases, γ ≠ 1), so no
 * term of the reference is trivially zero or one.
 */
function tinyModel(norm: TransformerNorm, seed: number): SequentialModel {
  const model = buildTransformer({ ...TINY, norm }, new Rng(seed));
  const rng = new Rng(seed + 100);
  for (const p of model.params) {
    const values = tf.tensor(rng.fill(p.variable.size, (r) => 0.6 * r.normal()), p.variable.shape);
    p.variable.assign(values);
    values.dispose();
  }
  return model;
}

const namedValues = (model: SequentialModel): Map<string, Float64Array> => new Map(model.params.map((p) => [p.name, Float64Array.from(p.variable.dataSync())]));

/** The named values moved by `step · direction` (direction flat in parameter order). */
function moved(model: SequentialModel, base: NamedValues, direction: readonly number[], step: number): Map<string, Float64Array> {
  let offset = 0;
  return new Map(
    model.params.map((p) => {
      const values = Float64Array.from(base.get(p.name)!, (v, j) => v + step * direction[offset + j]!);
      offset += p.variable.size;
      return [p.name, values];
    }),
  );
}

function batch() {
  const x = tf.tensor2d(IDS);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(CLASSES, 'int32'), K), 'float32') as tf.Tensor2D);
  return { x, y };
}

const randomDirection = (model: SequentialModel, seed: number) => {
  const rng = new Rng(seed);
  const tensors = model.params.map((p) => tf.tensor(rng.fill(p.variable.size, (r) => r.normal()), p.variable.shape));
  return { tensors, flat: tensors.flatMap((t) => Array.from(t.dataSync())) };
};

const flatten = (tensors: readonly tf.Tensor[]) => tensors.flatMap((t) => Array.from(t.dataSync()));
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const maxAbs = (values: readonly number[]) => Math.max(...values.map(Math.abs));

function expectClose(got: readonly number[], expected: readonly number[], relative: number, what: string): void {
  expect(got).toHaveLength(expected.length);
  const scale = maxAbs(expected);
  expect(scale, `${what}: the expected values are not all near zero`).toBeGreaterThan(0.01);
  got.forEach((g, i) => expect(Math.abs(g - expected[i]!), `${what}, entry ${i}: ${g} vs ${expected[i]}`).toBeLessThan(relative * scale));
}

describe('buildTransformer', () => {
  it('has 422,241 parameters at E6 size (p = 97, tokens [a, b, =], vocabulary 98), counted by hand', () => {
    const model = buildTransformer({ vocabSize: 98, sequenceLength: 3, outputSize: 97 }, new Rng(0));
    // d = 128, 4 heads, 2 blocks, feed-forward width 4d = 512:
    //   token embedding 98·128 = 12,544; position embedding 3·128 = 384;
    //   per block: attention LN 2·128 = 256, four [128, 128] projections 65,536 and their biases 512;
    //              feed-forward LN 256, 128·512 + 512 + 512·128 + 128 = 131,712;  together 198,272;
    //   two blocks 396,544; final LN 256; unembedding 128·97 + 97 = 12,513.
    //   12,544 + 384 + 396,544 + 256 + 12,513 = 422,241.
    expect(model.parameterCount()).toBe(422_241);
    expect(model.layers.map((l) => `${l.name}:${l.kind}`)).toEqual([
      'embedding:embedding',
      'position:position-embedding',
      'block_0_attention:residual',
      'block_0_mlp:residual',
      'block_1_attention:residual',
      'block_1_mlp:residual',
      'last_token:last-token',
      'final_norm:layer-norm',
      'unembed:dense',
    ]);
    expect(model.params.slice(0, 8).map((p) => [p.name, p.variable.shape])).toEqual([
      ['embedding/embeddings', [98, 128]],
      ['position/embeddings', [3, 128]],
      ['block_0_attention/norm.gamma', [128]],
      ['block_0_attention/norm.beta', [128]],
      ['block_0_attention/attention.query', [128, 128]],
      ['block_0_attention/attention.query_bias', [128]],
      ['block_0_attention/attention.key', [128, 128]],
      ['block_0_attention/attention.key_bias', [128]],
    ]);
    expect(model.params.filter((p) => p.name.startsWith('block_0_mlp/')).map((p) => [p.name, p.variable.shape])).toEqual([
      ['block_0_mlp/norm.gamma', [128]],
      ['block_0_mlp/norm.beta', [128]],
      ['block_0_mlp/hidden.kernel', [128, 512]],
      ['block_0_mlp/hidden.bias', [512]],
      ['block_0_mlp/output.kernel', [512, 128]],
      ['block_0_mlp/output.bias', [128]],
    ]);
    expect(model.params.slice(-4).map((p) => p.name)).toEqual(['final_norm/gamma', 'final_norm/beta', 'unembed/kernel', 'unembed/bias']);
    model.dispose();
    // Post-norm moves the block norms out of the residual branches; the count is the same.
    const post = buildTransformer({ vocabSize: 98, sequenceLength: 3, outputSize: 97, norm: 'post' }, new Rng(0));
    expect(post.parameterCount()).toBe(422_241);
    expect(post.layers.slice(2, 6).map((l) => l.name)).toEqual(['block_0_attention', 'block_0_attention_norm', 'block_0_mlp', 'block_0_mlp_norm']);
    post.dispose();
  });

  it('draws embeddings from N(0, 1), kernels Glorot-uniform, biases zero, layer norms γ = 1, β = 0', () => {
    const model = buildTransformer({ ...TINY, dModel: 8, heads: 2 }, new Rng(3));
    const values = namedValues(model);
    const limit = Math.sqrt(6 / 16);
    expect(maxAbs([...values.get('block_0_attention/attention.query')!])).toBeLessThanOrEqual(limit);
    expect([...values.get('block_0_attention/attention.query_bias')!].every((v) => v === 0)).toBe(true);
    expect([...values.get('block_1_mlp/norm.gamma')!].every((v) => v === 1)).toBe(true);
    expect([...values.get('final_norm/beta')!].every((v) => v === 0)).toBe(true);
    // 40 N(0, 1) draws: some beyond the Glorot limit of a [5, 8] table (√(6/13) ≈ 0.68).
    expect(maxAbs([...values.get('embedding/embeddings')!])).toBeGreaterThan(1);
    model.dispose();
  });

  for (const norm of ['pre', 'post'] as const) {
    it(`equals the float64 reference on a tiny ${norm}-norm transformer`, () => {
      const model = tinyModel(norm, norm === 'pre' ? 1 : 2);
      const x = tf.tensor2d(IDS);
      const f = model.apply(x);
      expect(f.shape).toEqual([N, K]);
      const expected = referenceTransformer(referenceConfig(norm), namedValues(model), IDS).flat();
      // float32 through 2 blocks of d = 4 with layer norms: errors measured 0.8-1.1e-7 of the largest logit.
      expectClose(Array.from(f.dataSync()), expected, 2e-5, 'logits');
      tf.dispose([x, f]);
      model.dispose();
    });
  }

  it('gives the cross-entropy gradient of float64 finite differences of the reference', () => {
    const model = tinyModel('pre', 3);
    const { x, y } = batch();
    const loss = crossEntropyLoss();
    const gradients = tf.grads((...values: tf.Tensor[]) => loss.value(model.applyWith(values, x), y))(model.params.map((p) => p.variable));
    const got = flatten(gradients);
    const base = namedValues(model);
    const config = referenceConfig('pre');
    const reluInputs: number[] = [];
    referenceTransformer(config, base, IDS, reluInputs);
    // Central differences with h = 1e-6 per parameter: truncation h²/6·|ℓ'''| ~ 1e-12, rounding
    // 1e-16/h ~ 1e-10; every relu input is ≥ 1e-3 from the kink, and a step of h in one
    // parameter moves it by ~1e-5 at most, so no difference straddles the kink.
    expect(Math.min(...reluInputs.map(Math.abs))).toBeGreaterThan(1e-3);
    const h = 1e-6;
    const expected: number[] = [];
    const unit = new Array<number>(got.length).fill(0);
    for (let j = 0; j < got.length; j++) {
      unit[j] = 1;
      const plus = referenceCrossEntropy(referenceTransformer(config, moved(model, base, unit, h), IDS), CLASSES);
      const minus = referenceCrossEntropy(referenceTransformer(config, moved(model, base, unit, -h), IDS), CLASSES);
      expected.push((plus - minus) / (2 * h));
      unit[j] = 0;
    }
    // float32 backward pass vs float64: measured 2.2e-7 of the largest gradient entry; 2e-5 allows
    // other backends' summation orders while a wrong rule (a missing term) is off at order 1.
    expectClose(got, expected, 2e-5, 'gradient');
    tf.dispose([...gradients, x, y]);
    model.dispose();
  });
});

describe('the curvature context on a transformer', () => {
  function setup(seed: number) {
    const model = tinyModel('pre', seed);
    const { x, y } = batch();
    const ctx = nnCurvatureProvider().create(model, crossEntropyLoss(), { x, y });
    return {
      model,
      ctx,
      dispose: () => {
        ctx.dispose();
        tf.dispose([x, y]);
        model.dispose();
      },
    };
  }

  it('gives J·v equal to central differences of the float64 reference along v', () => {
    const { model, ctx, dispose } = setup(4);
    const v = randomDirection(model, 40);
    const jv = ctx.jvp(v.tensors);
    expect(jv.shape).toEqual([N, K]);
    const base = namedValues(model);
    const config = referenceConfig('pre');
    // h = 1e-6: truncation and rounding as for the gradient below. Every relu input keeps its sign
    // between θ − hv and θ + hv, so the network is smooth on the segment the difference spans.
    const h = 1e-6;
    const reluPlus: number[] = [];
    const reluMinus: number[] = [];
    const plus = referenceTransformer(config, moved(model, base, v.flat, h), IDS, reluPlus).flat();
    const minus = referenceTransformer(config, moved(model, base, v.flat, -h), IDS, reluMinus).flat();
    expect(reluPlus.map(Math.sign)).toEqual(reluMinus.map(Math.sign));
    expect(reluPlus.every((s) => s !== 0)).toBe(true);
    const expected = plus.map((p, i) => (p - minus[i]!) / (2 * h));
    // Forward mode in float32: measured 2.1e-7 of the largest entry.
    expectClose(Array.from(jv.dataSync()), expected, 2e-5, 'J·v');
    tf.dispose([...v.tensors, jv]);
    dispose();
  });

  it('gives J·v equal to forward mode through the double-VJP fallback of every layer', () => {
    const { model, ctx, dispose } = setup(5);
    // The same layers without their rules: every layer's J·v by two reverse passes. The embedding
    // keeps its rule (its scatter gradient is not differentiable twice), the dense unembedding the
    // rule it derives from its affine structure.
    const bare: Layer[] = model.layers.map((layer) => (layer.kind === 'embedding' ? layer : (({ curvature: _rules, ...rest }) => rest)(layer)));
    const fallbackModel = sequentialModel(bare, new Rng(0));
    const values = model.params.map((p) => p.variable);
    const v = randomDirection(model, 50);
    const rule = ctx.jvp(v.tensors);
    const fallback = jacobianVectorProduct(fallbackModel, values, ctx.batch.x, v.tensors);
    // Two exact float32 computations of one product: measured 7e-8 of the largest entry apart.
    expectClose(Array.from(rule.dataSync()), Array.from(fallback.dataSync()), 1e-5, 'J·v, rules vs fallback');
    tf.dispose([...v.tensors, rule, fallback]);
    fallbackModel.dispose();
    dispose();
  });

  it('has ⟨J v, u⟩ = ⟨v, Jᵀ u⟩', () => {
    const { model, ctx, dispose } = setup(6);
    const v = randomDirection(model, 60);
    const rng = new Rng(61);
    const u = tf.tensor2d(rng.fill(N * K, (r) => r.normal()), [N, K]);
    const jv = ctx.jvp(v.tensors);
    const jtu = ctx.vjp(u);
    expect(jtu.map((t) => t.shape)).toEqual(model.params.map((p) => p.variable.shape));
    const left = dot(Array.from(jv.dataSync()), Array.from(u.dataSync()));
    const right = dot(v.flat, flatten(jtu));
    // Both sides sum ~400 float32 products of order 1-10: they agree to 1.4e-8 relative (measured,
    // ⟨Jv, u⟩ ≈ 65.0); a wrong rule in either product would break the identity at order 1.
    expect(Math.abs(left)).toBeGreaterThan(1);
    expect(Math.abs(left - right)).toBeLessThan(1e-4 * Math.abs(left));
    tf.dispose([...v.tensors, u, jv, ...jtu]);
    dispose();
  });

  it('gives GGN·v for cross-entropy equal to Jᵀ H J v with J from per-output vjps and H = diag(p) − p pᵀ', () => {
    const { model, ctx, dispose } = setup(7);
    const v = randomDirection(model, 70);
    // Row i·k + c of J is Jᵀ e_{ic}: one vjp per output.
    const jacobian: number[][] = [];
    for (let r = 0; r < N * K; r++) {
      const e = tf.tidy(() => tf.reshape(tf.cast(tf.oneHot(tf.tensor1d([r], 'int32'), N * K), 'float32'), [N, K]) as tf.Tensor2D);
      const row = ctx.vjp(e);
      jacobian.push(flatten(row));
      tf.dispose([e, ...row]);
    }
    const outputs = ctx.outputs().arraySync();
    const jv = jacobian.map((row) => dot(row, v.flat));
    const hjv = jv.map((_, r) => {
      const i = Math.floor(r / K);
      const c = r % K;
      const f = outputs[i]!;
      const top = Math.max(...f);
      const e = f.map((z) => Math.exp(z - top));
      const total = e.reduce((a, b) => a + b, 0);
      const p = e.map((z) => z / total);
      // (H w)_c = p_c w_c − p_c Σ_d p_d w_d, w = J v of sample i.
      const w = jv.slice(i * K, (i + 1) * K);
      return p[c]! * w[c]! - p[c]! * dot(p, w);
    });
    const expected = jacobian[0]!.map((_, j) => jacobian.reduce((s, row, r) => s + row[j]! * hjv[r]!, 0));
    const got = ctx.ggnVectorProduct(v.tensors);
    // Three float32 stages against float64 sums over the float32 J: measured 1.6e-7 of the largest entry.
    expectClose(flatten(got), expected, 2e-5, 'GGN·v');
    tf.dispose([...v.tensors, ...got]);
    dispose();
  });

  it('reports the statistics of its affine layer, the unembedding, and refuses a dense Jacobian naming a layer', async () => {
    const { model, ctx, dispose } = setup(8);
    const stats = ctx.layerStatistics();
    expect(stats.map((s) => [s.layer, s.params, s.inputs.shape, s.outputGradients.shape])).toEqual([['unembed', ['unembed/kernel', 'unembed/bias'], [N, 5], [N, K]]]);
    // Inputs: the final layer norm of the last token (float64 reference), then the bias column.
    const inputs = stats[0]!.inputs.arraySync();
    referenceReadoutInputs(referenceConfig('pre'), namedValues(model), IDS).forEach((row, i) => {
      row.forEach((v, j) => expect(inputs[i]![j]).toBeCloseTo(v, 4));
      expect(inputs[i]![4]).toBe(1);
    });
    // Output gradients: softmax(f_i) − y_i (cross-entropy's ∂ℓ_i/∂f_i, the unembedding's pre-activation being f).
    const outputs = ctx.outputs().arraySync();
    const grads = stats[0]!.outputGradients.arraySync();
    outputs.forEach((f, i) => {
      const e = f.map((z) => Math.exp(z - Math.max(...f)));
      const total = e.reduce((a, b) => a + b, 0);
      e.forEach((z, c) => expect(grads[i]![c]).toBeCloseTo(z / total - (c === CLASSES[i] ? 1 : 0), 5));
    });
    // The first layer with parameters and no capture rules is the position embedding.
    expect(() => ctx.jacobian()).toThrow(/layer 'position' \(kind 'position-embedding'\) has parameters but no capture rules .* matrix-free solver/);
    await expect(ctx.gram64()).rejects.toThrow(/layer 'position'/);
    dispose();
  });

  it('leaves no tensors behind', () => {
    const model = tinyModel('pre', 9);
    const { x, y } = batch();
    const v = randomDirection(model, 90);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 2; round++) {
      tf.dispose(tf.tidy(() => model.apply(x)));
      const ctx = nnCurvatureProvider().create(model, crossEntropyLoss(), { x, y });
      tf.dispose([ctx.jvp(v.tensors), ...ctx.vjp(ctx.residual()), ...ctx.ggnVectorProduct(v.tensors)]);
      ctx.layerStatistics();
      ctx.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...v.tensors, x, y]);
    model.dispose();
  });

  it('names the field and the value in its errors', () => {
    const rng = new Rng(0);
    expect(() => buildTransformer({ ...TINY, heads: 3 }, rng)).toThrow('transformer heads (3) must divide dModel (4)');
    expect(() => buildTransformer({ ...TINY, layers: 0 }, rng)).toThrow('transformer layers must be a positive integer, got 0');
    expect(() => buildTransformer({ ...TINY, vocabSize: 2.5 }, rng)).toThrow('transformer vocabSize must be a positive integer, got 2.5');
    expect(() => buildTransformer({ ...TINY, norm: 'middle' as TransformerNorm }, rng)).toThrow("transformer norm must be one of pre, post, got 'middle'");
    expect(() => buildTransformer({ ...TINY, activation: 'tanh' as 'relu' }, rng)).toThrow("transformer activation must be one of relu, gelu, got 'tanh'");
  });
});
