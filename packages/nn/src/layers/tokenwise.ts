import * as tf from '@tensorflow/tfjs-core';
import type { LayerCurvature } from '../curvature/layer-curvature.js';
import { layerJvp } from '../curvature/rules.js';
import type { Layer } from './layer.js';

export interface TokenwiseLayerOptions {
  /** The layer applied to each token's vector on its own (e.g. a `denseLayer` `[in, out]`). */
  readonly layer: Layer;
  /** Tokens per sample T: inputs are `[n, T·in]`, outputs `[n, T·out]`. */
  readonly sequenceLength: number;
}

export interface TokenwiseLayer extends Layer {
  readonly kind: 'tokenwise';
  /** The layer applied per token; its parameters are this layer's. */
  readonly inner: Layer;
  readonly sequenceLength: number;
}

/**
 * `layer` applied to every token of a sequence with shared parameters: inputs `[n, T·in]` (token
 * t in columns `t·in … t·in + in − 1`, the layout of `embeddingLayer`) are read as `n·T` rows
 * `[n·T, in]`, mapped by `layer` and laid out again as `[n, T·out]`. The name and the parameters
 * are those of `layer`, so `tokenwiseLayer({ layer: denseLayer({ name: 'hidden', ... }) })` has
 * `hidden/kernel` `[in, out]` and `hidden/bias`: a position-wise feed-forward layer (Vaswani et
 * al., 2017, eq. 2).
 *
 * Forward mode is the inner layer's own (its rule, or the double-VJP fallback) on the same rows.
 * It is not an `AffineLayer` even when `layer` is: its statistics would be per token, `n·T` rows,
 * where core's `LayerStatistics` holds one row per sample.
 *
 * @example
 *   const hidden = tokenwiseLayer({ layer: denseLayer({ name: 'hidden', inputSize: 128, outputSize: 512, activation: 'relu' }), sequenceLength: 3 });
 *   hidden.forward([kernel, bias], x); // x [n, 3·128] → [n, 3·512]
 */
export function tokenwiseLayer(options: TokenwiseLayerOptions): TokenwiseLayer {
  const { layer, sequenceLength } = options;
  if (!Number.isInteger(sequenceLength) || sequenceLength <= 0) {
    throw new RangeError(`tokenwise layer '${layer.name}': sequenceLength must be a positive integer, got ${sequenceLength}`);
  }
  const rows = (input: tf.Tensor): tf.Tensor2D => {
    if (input.rank !== 2 || input.shape[1]! % sequenceLength !== 0) {
      throw new RangeError(`tokenwise layer '${layer.name}' expects inputs shaped [n, ${sequenceLength}·width], got [${input.shape.join(', ')}]`);
    }
    return tf.reshape(input, [input.shape[0]! * sequenceLength, input.shape[1]! / sequenceLength]);
  };
  // The inner layer maps rows [n·T, in] to rows [n·T, out]; token t of sample i is row i·T + t.
  const back = (t: tf.Tensor, n: number): tf.Tensor2D => tf.reshape(t, [n, t.shape[1]! * sequenceLength]);

  const curvature: LayerCurvature = {
    jvp(params, tangents, input, inputTangent) {
      const n = input.shape[0]!;
      const [output, tangent] = tf.tidy(() => {
        const step = layerJvp(layer, params, tangents, rows(input), inputTangent ? rows(inputTangent) : null);
        return step.tangent ? [back(step.output, n), back(step.tangent, n)] : [back(step.output, n)];
      });
      return { output: output!, tangent: tangent ?? null };
    },
  };

  return {
    name: layer.name,
    kind: 'tokenwise',
    inner: layer,
    sequenceLength,
    params: layer.params,
    forward: (values, input) => tf.tidy(() => back(layer.forward(values, rows(input)), input.shape[0]!)),
    curvature,
  };
}
