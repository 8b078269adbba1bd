import { CURVATURE_PROVIDER, definePlugin, MODEL_FACTORY, provide, z } from '@precond/core';
import { ACTIVATION_NAMES } from './activation.js';
import { INITIALIZER_NAMES } from './initializer.js';
import { nnCurvatureProvider } from './curvature/context.js';
import { buildMlp } from './mlp.js';

/** Options of the `mlp` model plugin; every field has a default. */
export const mlpOptions = z
  .object({
    hidden: z.array(z.number().int().positive()).default([80, 80]).describe('widths of the hidden layers'),
    activation: z.enum(ACTIVATION_NAMES).default('tanh').describe('activation of the hidden layers'),
    outputActivation: z.enum(ACTIVATION_NAMES).default('identity').describe('activation of the output layer'),
    bias: z.boolean().default(true).describe('whether every layer has a bias'),
    init: z.enum(INITIALIZER_NAMES).default('glorot-uniform').describe('kernel initialiser (biases start at zero)'),
    initScale: z.number().positive().default(1).describe('multiplier on the initial kernels (Glorot ×α)'),
    outputScale: z.number().positive().default(1).describe('constant multiplier on the output (E3: α²/(2p·N))'),
  })
  .strict();

export type MlpPluginOptions = z.output<typeof mlpOptions>;

/**
 * The `mlp` model plugin: a multilayer perceptron sized by the task (see `buildMlp`), and the
 * curvature provider for it (`nnCurvatureProvider`: Jacobians, J·v, Jᵀ·u, GGN·v, layer statistics).
 *
 * @example
 *   import { mlp } from '@precond/nn';
 *   export default defineExperiment({ model: mlp({ hidden: [80, 80], activation: 'tanh' }), ... });
 */
export const mlp = definePlugin({
  meta: {
    name: '@precond/nn',
    version: '0.1.0',
    kind: 'model',
    id: 'mlp',
    description: 'multilayer perceptron: dense layers, chosen activation, initialiser and output scale',
  },
  options: mlpOptions,
  register(container, options) {
    provide(container, MODEL_FACTORY, {
      useFactory: () => ({
        create: ({ rng, inputSize, outputSize }) => buildMlp({ ...options, inputSize, outputSize }, rng),
      }),
    });
    // Gauss-Newton, K-FAC, Shampoo and the NTK probe read the step's curvature through this.
    provide(container, CURVATURE_PROVIDER, { useValue: nnCurvatureProvider() });
  },
});
