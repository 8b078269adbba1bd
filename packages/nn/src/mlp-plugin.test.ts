import * as tf from '@tensorflow/tfjs-core';
import { createRunContainer, CURVATURE_PROVIDER, MODEL_FACTORY, mseLoss, OptionsError, parsePluginOptions, resolve, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { NnCurvatureContext } from './curvature/context.js';
import { mlp } from './mlp-plugin.js';

/** The OptionsError thrown by validating `config`, or a failure when it validates. */
function optionsError(config: unknown): OptionsError {
  try {
    parsePluginOptions(mlp(config as never), config, 'model');
  } catch (error) {
    if (error instanceof OptionsError) return error;
    throw error;
  }
  throw new Error(`options ${JSON.stringify(config)} were accepted`);
}

describe('mlp plugin', () => {
  it('carries its metadata on the factory and on every instance', () => {
    const meta = { name: '@precond/nn', version: '0.1.0', kind: 'model', id: 'mlp' };
    expect(mlp.meta).toMatchObject(meta);
    expect(mlp({ hidden: [80, 80], activation: 'tanh' }).meta).toMatchObject(meta);
    expect(mlp.meta.description).toMatch(/multilayer perceptron/);
  });

  it('fills in every default', () => {
    expect(parsePluginOptions(mlp(), undefined, 'model')).toEqual({
      hidden: [80, 80],
      activation: 'tanh',
      outputActivation: 'identity',
      bias: true,
      init: 'glorot-uniform',
      initScale: 1,
      outputScale: 1,
    });
    expect(parsePluginOptions(mlp(), { hidden: [100], activation: 'quadratic', bias: false, init: 'normal', outputScale: 0.5 }, 'model')).toMatchObject({
      hidden: [100],
      activation: 'quadratic',
      bias: false,
      init: 'normal',
      outputScale: 0.5,
    });
  });

  it('names the option path, the value and what is allowed in its errors', () => {
    const badActivation = optionsError({ activation: 'gelu' });
    expect(badActivation.path).toBe('model.activation');
    expect(badActivation.message).toMatch(/option 'model\.activation' of plugin 'mlp' \(@precond\/nn\)/);
    expect(badActivation.message).toMatch(/"identity"\|"tanh"\|"relu"\|"sin"\|"quadratic"/);
    expect(badActivation.message).toMatch(/given 'gelu'/);

    expect(optionsError({ hidden: [80, 0] }).path).toBe('model.hidden.1');
    expect(optionsError({ hidden: [2.5] }).path).toBe('model.hidden.0');
    expect(optionsError({ init: 'lecun' }).path).toBe('model.init');
    expect(optionsError({ initScale: 0 }).path).toBe('model.initScale');
    expect(optionsError({ outputScale: -1 }).path).toBe('model.outputScale');
    expect(optionsError({ outputActivation: 'softmax' }).path).toBe('model.outputActivation');
    expect(optionsError({ width: 80 }).message).toMatch(
      /unknown option 'model\.width' for plugin 'mlp' \(@precond\/nn\); its options are: hidden, activation, outputActivation, bias, init, initScale, outputScale/,
    );
  });

  it('registers a model factory that builds the MLP for the task sizes', () => {
    const plugin = mlp({ hidden: [80, 80], activation: 'tanh' });
    const container = createRunContainer();
    plugin.register(container, parsePluginOptions(plugin, plugin.config, 'model'), { slot: 'model' });
    const model = resolve(container, MODEL_FACTORY).create({ rng: new Rng(0), inputSize: 1, outputSize: 1 });
    // E1's 1-80-80-1 network: 1·80 + 80 + 80·80 + 80 + 80·1 + 1 = 6721 parameters.
    expect(model.params.map((p) => [p.name, p.variable.shape])).toEqual([
      ['dense_0/kernel', [1, 80]],
      ['dense_0/bias', [80]],
      ['dense_1/kernel', [80, 80]],
      ['dense_1/bias', [80]],
      ['dense_2/kernel', [80, 1]],
      ['dense_2/bias', [1]],
    ]);
    expect(model.parameterCount()).toBe(6721);
    model.dispose();
  });

  it('registers the curvature provider for the models it builds', () => {
    const plugin = mlp({ hidden: [3], activation: 'tanh' });
    const container = createRunContainer();
    plugin.register(container, parsePluginOptions(plugin, plugin.config, 'model'), { slot: 'model' });
    const model = resolve(container, MODEL_FACTORY).create({ rng: new Rng(0), inputSize: 2, outputSize: 1 });
    const x = tf.zeros([5, 2]) as tf.Tensor2D;
    const y = tf.zeros([5, 1]) as tf.Tensor2D;
    const ctx = resolve(container, CURVATURE_PROVIDER).create(model, mseLoss(), { x, y });
    expect(ctx).toBeInstanceOf(NnCurvatureContext);
    // 2·3 + 3 + 3·1 + 1 = 13 parameters; n·k = 5 rows.
    expect(ctx.jacobian().shape).toEqual([5, 13]);
    ctx.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
