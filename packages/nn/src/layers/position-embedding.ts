import * as tf from '@tensorflow/tfjs-core';
import type { LayerCurvature } from '../curvature/layer-curvature.js';
import { toInitializer, type Initializer, type InitializerName } from '../initializer.js';
import { checkName } from '../names.js';
import type { Layer } from './layer.js';

export interface PositionEmbeddingOptions {
  /** Layer name, e.g. `position`. */
  readonly name: string;
  /** Tokens per sample T. */
  readonly sequenceLength: number;
  /** Length of each token's vector. */
  readonly dim: number;
  /** Default `normal` (N(0, 1), as PyTorch's `nn.Embedding` for positions). */
  readonly init?: InitializerName | Initializer;
}

export interface PositionEmbeddingLayer extends Layer {
  readonly kind: 'position-embedding';
  readonly sequenceLength: number;
  readonly dim: number;
}

/**
 * Learned absolute position embeddings: `y_t = x_t + P_t` for every token t of `[n, T·dim]`
 * inputs (token t in columns `t·dim … t·dim + dim − 1`), with `<name>/embeddings` `P` `[T, dim]`.
 * Placed after an `embeddingLayer`, it makes the sum of token and position embeddings that a
 * transformer reads (Vaswani et al., 2017, sec. 3.5, with learned positions).
 *
 * Linear in both the input and `P`: forward mode is `dy = dx + dP` (flattened row-major).
 *
 * @example
 *   const position = positionEmbedding({ name: 'position', sequenceLength: 3, dim: 128 });
 */
export function positionEmbedding(options: PositionEmbeddingOptions): PositionEmbeddingLayer {
  const { name, sequenceLength, dim } = options;
  checkName('position embedding name', name);
  for (const [field, value] of [
    ['sequenceLength', sequenceLength],
    ['dim', dim],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`position embedding '${name}': ${field} must be a positive integer, got ${value}`);
  }
  const width = sequenceLength * dim;
  const table = (values: readonly tf.Tensor[], input: tf.Tensor): tf.Tensor => {
    if (input.rank !== 2 || input.shape[1] !== width) {
      throw new RangeError(`position embedding '${name}' expects inputs shaped [n, ${width}] (${sequenceLength} × ${dim}), got [${input.shape.join(', ')}]`);
    }
    if (values.length !== 1) throw new RangeError(`position embedding '${name}' takes 1 parameter tensor (embeddings), got ${values.length}`);
    // [T, dim] row-major is one row of [1, T·dim]: the layout of the input's columns.
    return tf.reshape(values[0]!, [1, width]);
  };

  const curvature: LayerCurvature = {
    jvp: (params, tangents, input, inputTangent) =>
      tf.tidy(() => {
        const shift = table(tangents, input);
        return {
          output: tf.add(input, table(params, input)),
          tangent: inputTangent ? tf.add(inputTangent, shift) : tf.tile(shift, [input.shape[0]!, 1]),
        };
      }),
  };

  return {
    name,
    kind: 'position-embedding',
    sequenceLength,
    dim,
    params: [{ name: 'embeddings', shape: [sequenceLength, dim], init: toInitializer(options.init ?? 'normal') }],
    forward: (values, input) => tf.tidy(() => tf.add(input, table(values, input))),
    curvature,
  };
}
