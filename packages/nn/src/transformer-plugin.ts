import { CURVATURE_PROVIDER, definePlugin, MODEL_FACTORY, provide, z } from '@precond/core';
import { INITIALIZER_NAMES } from './initializer.js';
import { nnCurvatureProvider } from './curvature/context.js';
import { buildTransformer, TRANSFORMER_ACTIVATIONS, TRANSFORMER_NORMS } from './transformer.js';

/**
 * Options of the `transformer` model plugin. `vocabSize` has no default: the token ids are the
 * task's (core's model factory is told the sequence length, `inputSize`, and the number of
 * logits, `outputSize`, but not the vocabulary); every other field has one, E6's (PAPER.md).
 */
export const transformerOptions = z
  .object({
    vocabSize: z.number().int().positive().describe("number of token ids; inputs are ids in [0, vocabSize) (modular addition: p + 1, the residues and '=')"),
    dModel: z.number().int().positive().default(128).describe('model width d'),
    heads: z.number().int().positive().default(4).describe('attention heads per block; must divide dModel'),
    layers: z.number().int().positive().default(2).describe('transformer blocks'),
    mlpRatio: z.number().int().positive().default(4).describe('hidden width of the feed-forward blocks, as a multiple of dModel'),
    activation: z.enum(TRANSFORMER_ACTIVATIONS).default('relu').describe('activation of the feed-forward blocks'),
    norm: z.enum(TRANSFORMER_NORMS).default('pre').describe("layer-norm placement: 'pre' (x + F(LN(x))) or 'post' (LN(x + F(x)))"),
    attentionBias: z.boolean().default(true).describe('whether the attention projections have biases'),
    init: z.enum(INITIALIZER_NAMES).default('glorot-uniform').describe('kernel initialiser (biases start at zero)'),
    initScale: z.number().positive().default(1).describe('multiplier on the initial kernels'),
    embeddingInit: z.enum(INITIALIZER_NAMES).default('normal').describe('initialiser of the token and position embeddings'),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.dModel % o.heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['heads'], message: `must divide dModel (${o.dModel}): each head attends in dModel / heads dimensions` });
    }
  });

export type TransformerPluginOptions = z.output<typeof transformerOptions>;

/**
 * The `transformer` model plugin: a decoder-only transformer over the task's token sequences
 * (`buildTransformer`; inputs `[n, T]` token ids with T the task's `inputSize`, logits at the last
 * position), and the curvature provider for it (`nnCurvatureProvider`: J·v, Jᵀ·u, GGN·v, the
 * unembedding's layer statistics; no dense Jacobian, see the README).
 *
 * @example
 *   import { transformer } from '@precond/nn';
 *   // E6 (PAPER.md): p = 97, tokens [a, b, =]
 *   export default defineExperiment({ model: transformer({ vocabSize: 98 }), ... });
 */
export const transformer = definePlugin({
  meta: {
    name: '@precond/nn',
    version: '0.1.0',
    kind: 'model',
    id: 'transformer',
    description: 'decoder-only transformer over token sequences: causal multi-head attention, layer norm, feed-forward blocks, logits at the last position',
  },
  options: transformerOptions,
  register(container, options) {
    provide(container, MODEL_FACTORY, {
      useFactory: () => ({
        create: ({ rng, inputSize, outputSize }) => buildTransformer({ ...options, sequenceLength: inputSize, outputSize }, rng),
      }),
    });
    // GGN and the NTK probe read the step's curvature through this (matrix-free products).
    provide(container, CURVATURE_PROVIDER, { useValue: nnCurvatureProvider() });
  },
});
