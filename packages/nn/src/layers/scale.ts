import * as tf from '@tensorflow/tfjs-core';
import { checkName } from '../names.js';
import type { Layer } from './layer.js';

export interface ScaleLayerOptions {
  readonly name: string;
  /** The constant multiplier. */
  readonly factor: number;
}

export interface ScaleLayer extends Layer {
  readonly kind: 'scale';
  readonly factor: number;
}

/**
 * A parameter-free layer `y = c·x`. It puts a fixed output scale into the network (the paper's E3
 * output `α²/(2p·N)·W2 (W1 x)²`, PAPER.md), so every Jacobian and gradient carries the factor `c`
 * exactly as the model's outputs do.
 */
export function scaleLayer(options: ScaleLayerOptions): ScaleLayer {
  const { name, factor } = options;
  checkName('scale layer name', name);
  if (!Number.isFinite(factor)) throw new RangeError(`scale layer '${name}': factor must be a finite number, got ${factor}`);
  return {
    name,
    kind: 'scale',
    factor,
    params: [],
    forward: (_values, input) => tf.mul(input, factor),
    // Linear and parameter-free: the tangent scales like the value, and there is nothing to capture.
    curvature: {
      jvp: (_values, _tangents, input, inputTangent) => ({
        output: tf.mul(input, factor),
        tangent: inputTangent ? tf.mul(inputTangent, factor) : null,
      }),
      linearize: (_values, input) => {
        const output = tf.keep(tf.mul(input, factor));
        return {
          output,
          factor: null,
          jvp: (_tangents, inputTangent) => (inputTangent ? tf.mul(inputTangent, factor) : null),
          vjp: (cotangent, request) => ({ probe: null, parameters: [], input: request.input ? tf.mul(cotangent, factor) : null }),
          dispose: () => output.dispose(),
        };
      },
    },
  };
}
