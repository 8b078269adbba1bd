import * as tf from '@tensorflow/tfjs-core';
import type { HostMatrix, LayerCurvature } from '../curvature/layer-curvature.js';
import { toFloat64 } from '../curvature/gram64.js';
import { toInitializer, type Initializer, type InitializerName } from '../initializer.js';
import { checkName } from '../names.js';
import type { Layer } from './layer.js';

export interface EmbeddingLayerOptions {
  /** Layer name, e.g. `embedding`. */
  readonly name: string;
  /** Number of token ids; inputs are integers in `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** Length of each token's vector. */
  readonly dim: number;
  /** Tokens per sample (input columns); default 1. */
  readonly sequenceLength?: number;
  /** Default `normal` (N(0, 1), as PyTorch's `nn.Embedding`). */
  readonly init?: InitializerName | Initializer;
  /** How reverse mode forms the gradient w.r.t. the table; default `segment-sum` (see `EmbeddingTableGradient`). */
  readonly tableGradient?: EmbeddingTableGradient;
}

/**
 * How reverse mode forms `∂/∂E` from the output gradients of the n·T looked-up rows:
 * - `segment-sum`: tfjs's own gradient of `gather`, an `UnsortedSegmentSum`, which tfjs 4.22
 *   computes with one masked pass over all rows per vocabulary entry (and on wasm only through the
 *   cpu fallback): O(vocabSize · n·T·dim). Differentiable twice.
 * - `scatter`: `scatterND` of the row gradients into the table, which sums repeated ids: O(n·T·dim).
 *   Measured for vocabSize 98, dim 128, n·T = 14,112 (E6's training set): 14 ms against 66 s on
 *   wasm, 51 ms against 52 s on cpu (README, "Timings"). Its gradient is a custom one, so it cannot
 *   be differentiated again (the layer's forward-mode rule never needs that).
 */
export type EmbeddingTableGradient = 'segment-sum' | 'scatter';

/** The table gradients `embeddingLayer` offers. */
export const EMBEDDING_TABLE_GRADIENTS: readonly EmbeddingTableGradient[] = ['segment-sum', 'scatter'];

export interface EmbeddingLayer extends Layer {
  readonly kind: 'embedding';
  readonly vocabSize: number;
  readonly dim: number;
  readonly sequenceLength: number;
  readonly tableGradient: EmbeddingTableGradient;
}

function checkSize(layer: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`embedding layer '${layer}': ${field} must be a positive integer, got ${value}`);
  }
}

/**
 * A lookup table: token ids `[n, T]` (integers stored as numbers) → their vectors concatenated,
 * `[n, T·dim]` (token t in columns `t·dim … t·dim + dim - 1`). Parameter `<name>/embeddings`
 * `[vocabSize, dim]`. The ids must be the model's input (they carry no tangent), so an embedding
 * comes first in a model.
 *
 * Curvature: with `g_t = ∂(uᵀf)/∂y_t` at the output (the probe point), the per-sample gradient is
 * `∂(uᵀf)/∂E = Σ_t onehot(id_t) ⊗ g_t`, and forward mode is the lookup of the tangent table,
 * `dy_t = dE[id_t]`.
 *
 * @example
 *   // E3's inputs as two tokens a, b ∈ [0, 23) instead of one-hot(a) ⊕ one-hot(b)
 *   const embed = embeddingLayer({ name: 'embedding', vocabSize: 23, dim: 16, sequenceLength: 2 });
 *   const model = sequentialModel([embed, denseLayer({ name: 'dense_0', inputSize: 32, outputSize: 23 })], rng);
 */
export function embeddingLayer(options: EmbeddingLayerOptions): EmbeddingLayer {
  const { name, vocabSize, dim } = options;
  const sequenceLength = options.sequenceLength ?? 1;
  checkName('embedding layer name', name);
  checkSize(name, 'vocabSize', vocabSize);
  checkSize(name, 'dim', dim);
  checkSize(name, 'sequenceLength', sequenceLength);
  const tableGradient = options.tableGradient ?? 'segment-sum';
  if (!EMBEDDING_TABLE_GRADIENTS.includes(tableGradient)) {
    throw new RangeError(`embedding layer '${name}': tableGradient must be one of ${EMBEDDING_TABLE_GRADIENTS.join(', ')}, got '${String(tableGradient)}'`);
  }
  const width = sequenceLength * dim;

  // gather forward; backward, the row gradients scattered (and summed over repeated ids) into the
  // table. The int32 ids are saved for the backward pass (tensors made in the forward pass are
  // freed when it ends); the ids input gets a zero gradient, being data.
  const scatterLookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [table, ids, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const index = tf.cast(ids, 'int32');
    save([index]);
    return {
      value: tf.gather(table, index),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const rows = saved!.size;
        return [tf.scatterND(tf.reshape(saved!, [rows, 1]), tf.reshape(dy, [rows, dim]), [vocabSize, dim]), tf.zerosLike(ids)];
      },
    };
  });

  const lookup = (table: tf.Tensor, input: tf.Tensor): tf.Tensor2D => {
    if (input.rank !== 2 || input.shape[1] !== sequenceLength) {
      throw new RangeError(`embedding layer '${name}' expects token ids shaped [n, ${sequenceLength}], got [${input.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const rows = tableGradient === 'scatter' ? scatterLookup(table, input) : tf.gather(table, tf.cast(input, 'int32'));
      return tf.reshape(rows, [input.shape[0]!, width]);
    });
  };
  const table = (values: readonly tf.Tensor[]): tf.Tensor => {
    if (values.length !== 1) throw new RangeError(`embedding layer '${name}' takes 1 parameter tensor (embeddings), got ${values.length}`);
    return values[0]!;
  };

  const curvature: LayerCurvature = {
    jvp(params, tangents, input, inputTangent) {
      if (inputTangent) {
        throw new Error(`embedding layer '${name}' reads token ids, which have no tangent: it must be the first layer of the model`);
      }
      return { output: lookup(table(params), input), tangent: lookup(table(tangents), input) };
    },
    capture: {
      probeWidth: width,
      forward: (params, input, probe) => ({ output: tf.add(lookup(table(params), input), probe), factor: input as tf.Tensor2D }),
      // Row r: Σ_t onehot(id_rt) ⊗ g_rt = onehot(ids_r)ᵀ G_r, a [vocab, T]·[T, dim] product per row.
      jacobianBlocks: (factor, probeGradient) =>
        tf.tidy(() => {
          const m = factor.shape[0];
          const oneHot = tf.cast(tf.oneHot(tf.cast(factor, 'int32'), vocabSize), 'float32');
          const g = tf.reshape(probeGradient, [m, sequenceLength, dim]);
          return [tf.reshape(tf.matMul(oneHot, g, true, false), [m, vocabSize * dim])];
        }),
      addGram64: (gram, factor, probeGradient) => addEmbeddingGram64(gram, factor, probeGradient, sequenceLength, dim),
    },
  };

  return {
    name,
    kind: 'embedding',
    vocabSize,
    dim,
    sequenceLength,
    tableGradient,
    params: [{ name: 'embeddings', shape: [vocabSize, dim], init: toInitializer(options.init ?? 'normal') }],
    forward: (values, input) => lookup(table(values), input),
    curvature,
  };
}

/**
 * `(J_E J_Eᵀ)[r, s] = Σ_{t, t'} [id_rt = id_st'] ⟨g_rt, g_st'⟩`: the blocks `Σ_t onehot ⊗ g_t` of
 * two rows overlap only where they look up the same token. Adds it to the upper triangle of `gram`.
 */
function addEmbeddingGram64(gram: Float64Array, ids: HostMatrix, probeGradient: HostMatrix, tokens: number, dim: number): void {
  const m = probeGradient.rows;
  const g = toFloat64(probeGradient.values);
  const id = ids.values;
  const width = tokens * dim;
  for (let r = 0; r < m; r++) {
    for (let s = r; s < m; s++) {
      let sum = 0;
      for (let t = 0; t < tokens; t++) {
        for (let u = 0; u < tokens; u++) {
          if (id[r * tokens + t] !== id[s * tokens + u]) continue;
          const ro = r * width + t * dim;
          const so = s * width + u * dim;
          for (let q = 0; q < dim; q++) sum += g[ro + q]! * g[so + q]!;
        }
      }
      gram[r * m + s]! += sum;
    }
  }
}
