import * as tf from '@tensorflow/tfjs-core';
import type { LayerCurvature } from '../curvature/layer-curvature.js';
import { checkName } from '../names.js';
import type { Layer } from './layer.js';

export interface LayerNormOptions {
  /** Layer name, e.g. `final_norm`. */
  readonly name: string;
  /** Length of each normalised vector. */
  readonly dim: number;
  /** Vectors per sample (tokens): inputs are `[n, sequenceLength·dim]`; default 1. */
  readonly sequenceLength?: number;
  /** Added to the variance before the square root; default 1e-5 (PyTorch's `nn.LayerNorm`). */
  readonly epsilon?: number;
}

export interface LayerNormLayer extends Layer {
  readonly kind: 'layer-norm';
  readonly dim: number;
  readonly sequenceLength: number;
  readonly epsilon: number;
}

/**
 * Layer normalisation (Ba, Kiros and Hinton, 2016) of every `dim`-vector of the input:
 * `y = γ ⊙ x̂ + β` with `x̂ = (x − μ)/σ`, `μ` the mean and `σ² + ε` the biased variance (plus ε)
 * of that vector's entries. Inputs `[n, T·dim]` hold T vectors per sample, token t in columns
 * `t·dim … t·dim + dim − 1` (the layout of `embeddingLayer`); each is normalised on its own.
 * Parameters `<name>/gamma` (ones) and `<name>/beta` (zeros), both `[dim]`.
 *
 * Forward mode (the derivative of `x̂` along `dx`, obtained by differentiating `μ` and `σ`):
 * `dx̂ = (dx − mean(dx) − x̂ · mean(x̂ ⊙ dx)) / σ`, and `dy = dγ ⊙ x̂ + γ ⊙ dx̂ + dβ`.
 *
 * @example
 *   const norm = layerNorm({ name: 'final_norm', dim: 128 });
 *   const y = norm.forward([gamma, beta], x); // x [n, 128] → y [n, 128]
 */
export function layerNorm(options: LayerNormOptions): LayerNormLayer {
  const { name, dim } = options;
  const sequenceLength = options.sequenceLength ?? 1;
  const epsilon = options.epsilon ?? 1e-5;
  checkName('layer norm name', name);
  for (const [field, value] of [
    ['dim', dim],
    ['sequenceLength', sequenceLength],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`layer norm '${name}': ${field} must be a positive integer, got ${value}`);
  }
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`layer norm '${name}': epsilon must be a finite number > 0, got ${epsilon}`);
  const width = sequenceLength * dim;

  /** The input as one vector per row, `[n·T, dim]`, after checking its shape and the parameters. */
  const rows = (values: readonly tf.Tensor[], input: tf.Tensor): tf.Tensor2D => {
    if (input.rank !== 2 || input.shape[1] !== width) {
      throw new RangeError(`layer norm '${name}' expects inputs shaped [n, ${width}] (${sequenceLength} × ${dim}), got [${input.shape.join(', ')}]`);
    }
    if (values.length !== 2) throw new RangeError(`layer norm '${name}' takes 2 parameter tensors (gamma, beta), got ${values.length}`);
    return tf.reshape(input, [input.shape[0] * sequenceLength, dim]);
  };

  /** `x̂` and `1/σ` of every row. */
  const normalise = (x: tf.Tensor2D): { xHat: tf.Tensor2D; inverseSigma: tf.Tensor2D } => {
    const { mean, variance } = tf.moments(x, 1, true);
    const inverseSigma = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor2D;
    return { xHat: tf.mul(tf.sub(x, mean), inverseSigma) as tf.Tensor2D, inverseSigma };
  };

  const back = (t: tf.Tensor, n: number) => tf.reshape(t, [n, width]);

  const curvature: LayerCurvature = {
    jvp(params, tangents, input, inputTangent) {
      return tf.tidy(() => {
        const n = input.shape[0]!;
        const [gamma, beta] = params as [tf.Tensor1D, tf.Tensor1D];
        const [dGamma, dBeta] = tangents as [tf.Tensor1D, tf.Tensor1D];
        const { xHat, inverseSigma } = normalise(rows(params, input));
        const output = back(tf.add(tf.mul(xHat, gamma), beta), n);
        let tangent: tf.Tensor = tf.add(tf.mul(xHat, dGamma), dBeta);
        if (inputTangent) {
          const dx = tf.reshape(inputTangent, [n * sequenceLength, dim]);
          const centred = tf.sub(dx, tf.mean(dx, 1, true));
          const dxHat = tf.mul(tf.sub(centred, tf.mul(xHat, tf.mean(tf.mul(xHat, dx), 1, true))), inverseSigma);
          tangent = tf.add(tangent, tf.mul(dxHat, gamma));
        }
        return { output, tangent: back(tangent, n) };
      });
    },
  };

  return {
    name,
    kind: 'layer-norm',
    dim,
    sequenceLength,
    epsilon,
    params: [
      { name: 'gamma', shape: [dim], init: (shape) => new Float32Array(shape[0]!).fill(1) },
      { name: 'beta', shape: [dim], init: (shape) => new Float32Array(shape[0]!) },
    ],
    forward: (values, input) =>
      tf.tidy(() => {
        const [gamma, beta] = values as [tf.Tensor1D, tf.Tensor1D];
        const { xHat } = normalise(rows(values, input));
        return back(tf.add(tf.mul(xHat, gamma), beta), input.shape[0]!);
      }),
    curvature,
  };
}
