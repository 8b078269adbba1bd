import * as tf from '@tensorflow/tfjs-core';
import { checkName } from '../names.js';
import type { Layer } from './layer.js';

export interface LastTokenOptions {
  /** Layer name, e.g. `last_token`. */
  readonly name: string;
  /** Tokens per sample T. */
  readonly sequenceLength: number;
  /** Length of each token's vector. */
  readonly dim: number;
}

export interface LastTokenLayer extends Layer {
  readonly kind: 'last-token';
  readonly sequenceLength: number;
  readonly dim: number;
}

/**
 * The vector of the last token: `[n, T·dim]` → `[n, dim]` (columns `(T−1)·dim … T·dim − 1`).
 * Under causal attention it is the only position that has seen the whole sequence, so a
 * decoder-only transformer reads its prediction there (the answer after `=` in Power et al., 2022).
 * Parameter-free and linear: forward mode slices the tangent the same way.
 *
 * @example
 *   const readout = lastToken({ name: 'last_token', sequenceLength: 3, dim: 128 }); // [n, 384] → [n, 128]
 */
export function lastToken(options: LastTokenOptions): LastTokenLayer {
  const { name, sequenceLength, dim } = options;
  checkName('last-token layer name', name);
  for (const [field, value] of [
    ['sequenceLength', sequenceLength],
    ['dim', dim],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`last-token layer '${name}': ${field} must be a positive integer, got ${value}`);
  }
  const width = sequenceLength * dim;
  const take = (input: tf.Tensor): tf.Tensor2D => {
    if (input.rank !== 2 || input.shape[1] !== width) {
      throw new RangeError(`last-token layer '${name}' expects inputs shaped [n, ${width}] (${sequenceLength} × ${dim}), got [${input.shape.join(', ')}]`);
    }
    return tf.slice(input as tf.Tensor2D, [0, width - dim], [input.shape[0]!, dim]);
  };
  return {
    name,
    kind: 'last-token',
    sequenceLength,
    dim,
    params: [],
    forward: (_values, input) => take(input),
    curvature: {
      jvp: (_values, _tangents, input, inputTangent) => ({ output: take(input), tangent: inputTangent ? take(inputTangent) : null }),
    },
  };
}
