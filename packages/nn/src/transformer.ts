import type { Rng } from '@precond/core';
import { geluActivation, type Activation } from './activation.js';
import { initializer, type InitializerName } from './initializer.js';
import { causalSelfAttention } from './layers/causal-self-attention.js';
import { denseLayer } from './layers/dense.js';
import { embeddingLayer } from './layers/embedding.js';
import { lastToken } from './layers/last-token.js';
import type { Layer } from './layers/layer.js';
import { layerNorm } from './layers/layer-norm.js';
import { positionEmbedding } from './layers/position-embedding.js';
import { residualLayer } from './layers/residual.js';
import { tokenwiseLayer } from './layers/tokenwise.js';
import { sequentialModel, type SequentialModel } from './sequential-model.js';

/** Activations of the transformer's feed-forward blocks. */
export const TRANSFORMER_ACTIVATIONS = ['relu', 'gelu'] as const;
export type TransformerActivation = (typeof TRANSFORMER_ACTIVATIONS)[number];

/**
 * Where the layer norms sit: `pre` (`x + F(LN(x))`, GPT-2; trains without a warm-up) or `post`
 * (`LN(x + F(x))`, Vaswani et al. 2017 and the PyTorch grokking replication of Power et al.).
 */
export const TRANSFORMER_NORMS = ['pre', 'post'] as const;
export type TransformerNorm = (typeof TRANSFORMER_NORMS)[number];

export interface TransformerOptions {
  /** Token ids are integers in `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** Tokens per sample T: the model's inputs are `[n, T]` ids stored as numbers. */
  readonly sequenceLength: number;
  /** Logits read out at the last position, `[n, outputSize]`. */
  readonly outputSize: number;
  /** Model width d; default 128. */
  readonly dModel?: number;
  /** Attention heads per block; must divide `dModel`; default 4. */
  readonly heads?: number;
  /** Transformer blocks (attention + feed-forward); default 2. */
  readonly layers?: number;
  /** Hidden width of the feed-forward blocks as a multiple of d; default 4. */
  readonly mlpRatio?: number;
  /** Activation of the feed-forward blocks; default `relu`. */
  readonly activation?: TransformerActivation | Activation;
  /** Layer-norm placement; default `pre`. */
  readonly norm?: TransformerNorm;
  /** Whether the attention projections have biases; default true. */
  readonly attentionBias?: boolean;
  /** Initialiser of every kernel (attention, feed-forward, unembedding); default `glorot-uniform`. Biases start at zero. */
  readonly init?: InitializerName;
  /** Multiplier on the initial kernels; default 1. */
  readonly initScale?: number;
  /** Initialiser of the token and position embeddings; default `normal` (N(0, 1)). */
  readonly embeddingInit?: InitializerName;
  /** ε of every layer norm; default 1e-5. */
  readonly layerNormEpsilon?: number;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`transformer ${field} must be a positive integer, got ${value}`);
  return value;
}

/**
 * A decoder-only transformer over token sequences with its prediction read at the last position
 * (Vaswani et al., 2017; the architecture of Power et al., 2022, and of the paper's E6): token
 * ids `[n, T]` → logits `[n, outputSize]`.
 *
 * Between layers every sequence is one row, `[n, T·d]`, token t in columns `t·d … t·d + d − 1`:
 * the model boundary stays core's `apply(x: Tensor2D) → Tensor2D`, and each layer reads the
 * tokens by reshaping. Layers, in order, with their parameters (`norm: 'pre'`):
 *
 * | layer | parameters |
 * |---|---|
 * | `embedding` | `embeddings` `[vocabSize, d]` |
 * | `position` | `embeddings` `[T, d]` |
 * | `block_<l>_attention`: `x + Attention(LN(x))` | `norm.gamma`, `norm.beta` `[d]`; `attention.query`, `attention.query_bias`, …, `attention.output`, `attention.output_bias` (`[d, d]`, `[d]`) |
 * | `block_<l>_mlp`: `x + W₂ φ(W₁ LN(x) + b₁) + b₂` per token | `norm.gamma`, `norm.beta`; `hidden.kernel` `[d, r·d]`, `hidden.bias`; `output.kernel` `[r·d, d]`, `output.bias` |
 * | `last_token` | — (`[n, T·d]` → `[n, d]`) |
 * | `final_norm` | `gamma`, `beta` `[d]` |
 * | `unembed` (dense) | `kernel` `[d, outputSize]`, `bias` |
 *
 * With `norm: 'post'` the blocks are `LN(x + F(x))`: `block_<l>_attention` holds the attention
 * alone and is followed by the layer norm `block_<l>_attention_norm` (likewise `_mlp`, `_mlp_norm`).
 *
 * Every layer has an exact forward-mode rule, so `J·v` is one sweep; `unembed` is the model's only
 * `AffineLayer` (its statistics are per sample; the token-wise layers' would be per token).
 *
 * @example
 *   // E6 (PAPER.md): p = 97, tokens [a, b, =] with '=' = 97, 2 blocks, 4 heads, d = 128
 *   const model = buildTransformer({ vocabSize: 98, sequenceLength: 3, outputSize: 97 }, new Rng(0));
 *   model.parameterCount(); // 422241
 */
export function buildTransformer(options: TransformerOptions, rng: Rng): SequentialModel {
  const vocabSize = positiveInteger('vocabSize', options.vocabSize);
  const T = positiveInteger('sequenceLength', options.sequenceLength);
  const outputSize = positiveInteger('outputSize', options.outputSize);
  const d = positiveInteger('dModel', options.dModel ?? 128);
  const heads = positiveInteger('heads', options.heads ?? 4);
  const blocks = positiveInteger('layers', options.layers ?? 2);
  const hidden = d * positiveInteger('mlpRatio', options.mlpRatio ?? 4);
  if (d % heads !== 0) throw new RangeError(`transformer heads (${heads}) must divide dModel (${d}), the width split among the heads`);
  const norm = options.norm ?? 'pre';
  if (!(TRANSFORMER_NORMS as readonly string[]).includes(norm)) {
    throw new RangeError(`transformer norm must be one of ${TRANSFORMER_NORMS.join(', ')}, got '${String(norm)}'`);
  }
  const activation = options.activation ?? 'relu';
  if (typeof activation === 'string' && !(TRANSFORMER_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new RangeError(`transformer activation must be one of ${TRANSFORMER_ACTIVATIONS.join(', ')}, got '${String(activation)}'`);
  }
  const hiddenActivation = activation === 'gelu' ? geluActivation : activation;
  const kernelInit = initializer(options.init ?? 'glorot-uniform', options.initScale ?? 1);
  const embeddingInit = initializer(options.embeddingInit ?? 'normal');
  const epsilon = options.layerNormEpsilon ?? 1e-5;

  const sequenceNorm = (name: string) => layerNorm({ name, dim: d, sequenceLength: T, epsilon });
  const attention = () => causalSelfAttention({ name: 'attention', sequenceLength: T, dim: d, heads, bias: options.attentionBias ?? true, kernelInit });
  const feedForward = () => [
    tokenwiseLayer({ layer: denseLayer({ name: 'hidden', inputSize: d, outputSize: hidden, activation: hiddenActivation, kernelInit }), sequenceLength: T }),
    tokenwiseLayer({ layer: denseLayer({ name: 'output', inputSize: hidden, outputSize: d, kernelInit }), sequenceLength: T }),
  ];

  const layers: Layer[] = [
    // tfjs's own gather gradient costs O(vocabSize) passes over the batch (embeddingLayer, tableGradient).
    embeddingLayer({ name: 'embedding', vocabSize, dim: d, sequenceLength: T, init: embeddingInit, tableGradient: 'scatter' }),
    positionEmbedding({ name: 'position', sequenceLength: T, dim: d, init: embeddingInit }),
  ];
  for (let l = 0; l < blocks; l++) {
    const block = `block_${l}`;
    if (norm === 'pre') {
      layers.push(
        residualLayer({ name: `${block}_attention`, layers: [sequenceNorm('norm'), attention()] }),
        residualLayer({ name: `${block}_mlp`, layers: [sequenceNorm('norm'), ...feedForward()] }),
      );
    } else {
      layers.push(
        residualLayer({ name: `${block}_attention`, layers: [attention()] }),
        sequenceNorm(`${block}_attention_norm`),
        residualLayer({ name: `${block}_mlp`, layers: feedForward() }),
        sequenceNorm(`${block}_mlp_norm`),
      );
    }
  }
  layers.push(
    lastToken({ name: 'last_token', sequenceLength: T, dim: d }),
    layerNorm({ name: 'final_norm', dim: d, epsilon }),
    denseLayer({ name: 'unembed', inputSize: d, outputSize, kernelInit }),
  );
  return sequentialModel(layers, rng);
}
