import * as tf from '@tensorflow/tfjs-core';
import { createRunContainer, crossEntropyLoss, CURVATURE_PROVIDER, MODEL_FACTORY, OptionsError, parsePluginOptions, resolve, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { NnCurvatureContext } from './curvature/context.js';
import type { AffineLayer } from './layers/layer.js';
import type { ResidualLayer } from './layers/residual.js';
import type { TokenwiseLayer } from './layers/tokenwise.js';
import { isSequentialModel } from './sequential-model.js';
import { transformer } from './transformer-plugin.js';

function optionsError(config: unknown): OptionsError {
  try {
    parsePluginOptions(transformer(config as never), config, 'model');
  } catch (error) {
    if (error instanceof OptionsError) return error;
    throw error;
  }
  throw new Error(`options ${JSON.stringify(config)} were accepted`);
}

function register(config: Parameters<typeof transformer>[0]) {
  const plugin = transformer(config);
  const container = createRunContainer();
  plugin.register(container, parsePluginOptions(plugin, plugin.config, 'model'), { slot: 'model' });
  return container;
}

describe('transformer plugin', () => {
  it('carries its metadata', () => {
    const meta = { name: '@precond/nn', version: '0.1.0', kind: 'model', id: 'transformer' };
    expect(transformer.meta).toMatchObject(meta);
    expect(transformer({ vocabSize: 98 }).meta).toMatchObject(meta);
    expect(transformer.meta.description).toMatch(/decoder-only transformer/);
  });

  it("fills in E6's architecture for every option but the vocabulary", () => {
    expect(parsePluginOptions(transformer(), { vocabSize: 98 }, 'model')).toEqual({
      vocabSize: 98,
      dModel: 128,
      heads: 4,
      layers: 2,
      mlpRatio: 4,
      activation: 'relu',
      norm: 'pre',
      attentionBias: true,
      init: 'glorot-uniform',
      initScale: 1,
      embeddingInit: 'normal',
    });
  });

  it('names the option path, the value and what is allowed in its errors', () => {
    const missing = optionsError({});
    expect(missing.path).toBe('model.vocabSize');
    expect(missing.message).toMatch(/option 'model\.vocabSize' of plugin 'transformer' \(@precond\/nn\)/);
    const heads = optionsError({ vocabSize: 10, dModel: 128, heads: 3 });
    expect(heads.path).toBe('model.heads');
    expect(heads.message).toMatch(/must divide dModel \(128\).*\(given 3\)/);
    expect(optionsError({ vocabSize: 10, activation: 'tanh' }).message).toMatch(/"relu"\|"gelu".*given 'tanh'/);
    expect(optionsError({ vocabSize: 10, norm: 'sandwich' }).path).toBe('model.norm');
    expect(optionsError({ vocabSize: 0 }).path).toBe('model.vocabSize');
    expect(optionsError({ vocabSize: 10, width: 3 }).message).toMatch(/unknown option 'model\.width' .* its options are: vocabSize, dModel, heads, layers, mlpRatio, activation, norm/);
  });

  it('registers a model factory that reads T from inputSize and the logits from outputSize', () => {
    const container = register({ vocabSize: 98 });
    const model = resolve(container, MODEL_FACTORY).create({ rng: new Rng(0), inputSize: 3, outputSize: 97 });
    // E6's 422,241 parameters (counted in transformer.test.ts).
    expect(model.parameterCount()).toBe(422_241);
    expect(isSequentialModel(model)).toBe(true);
    model.dispose();
    const gelu = resolve(register({ vocabSize: 7, dModel: 8, heads: 2, layers: 1, activation: 'gelu', norm: 'post' }), MODEL_FACTORY).create({
      rng: new Rng(0),
      inputSize: 3,
      outputSize: 5,
    });
    if (!isSequentialModel(gelu)) throw new Error('not a sequential model');
    const mlpBlock = gelu.layers.find((l) => l.name === 'block_0_mlp') as ResidualLayer;
    expect(((mlpBlock.layers[0] as TokenwiseLayer).inner as AffineLayer).activation.name).toBe('gelu');
    expect(gelu.layers.map((l) => l.name)).toContain('block_0_mlp_norm');
    gelu.dispose();
  });

  it('registers the curvature provider for the models it builds', () => {
    const container = register({ vocabSize: 6, dModel: 8, heads: 2, layers: 1 });
    const model = resolve(container, MODEL_FACTORY).create({ rng: new Rng(0), inputSize: 3, outputSize: 5 });
    const x = tf.tensor2d([
      [0, 1, 5],
      [4, 2, 5],
    ]);
    const y = tf.tensor2d([
      [1, 0, 0, 0, 0],
      [0, 0, 0, 1, 0],
    ]);
    const ctx = resolve(container, CURVATURE_PROVIDER).create(model, crossEntropyLoss(), { x, y });
    expect(ctx).toBeInstanceOf(NnCurvatureContext);
    expect(ctx.outputs().shape).toEqual([2, 5]);
    const v = model.params.map((p) => tf.onesLike(p.variable));
    const jv = ctx.jvp(v);
    expect(jv.shape).toEqual([2, 5]);
    tf.dispose([jv, ...v, x, y]);
    ctx.dispose();
    model.dispose();
  });
});
