import * as tf from '@tensorflow/tfjs-core';
import { toActivation, type Activation, type ActivationName } from '../activation.js';
import { toInitializer, type Initializer, type InitializerName } from '../initializer.js';
import { checkName } from '../names.js';
import type { AffineLayer, ParameterSpec } from './layer.js';

export interface DenseLayerOptions {
  /** Layer name, e.g. `dense_0`. */
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  /** Default `identity`. */
  readonly activation?: ActivationName | Activation;
  /** Whether to add a bias; default true. */
  readonly bias?: boolean;
  /** Default `glorot-uniform`. */
  readonly kernelInit?: InitializerName | Initializer;
  /** Default `zeros`. */
  readonly biasInit?: InitializerName | Initializer;
}

export interface DenseLayer extends AffineLayer {
  readonly kind: 'dense';
}

function checkSize(layer: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`dense layer '${layer}': ${field} must be a positive integer, got ${value}`);
  }
}

/**
 * A fully connected layer `y = φ(x W + b)` with kernel `W` shaped `[in, out]` and bias `b` shaped
 * `[out]`, parameters `<name>/kernel` then `<name>/bias` (ARCHITECTURE.md, run record).
 *
 * @example
 *   const layer = denseLayer({ name: 'dense_0', inputSize: 2, outputSize: 3, activation: 'tanh' });
 *   const y = layer.forward([kernel, bias], x); // x [n, 2] → y [n, 3]
 */
export function denseLayer(options: DenseLayerOptions): DenseLayer {
  const { name, inputSize, outputSize } = options;
  checkName('dense layer name', name);
  checkSize(name, 'inputSize', inputSize);
  checkSize(name, 'outputSize', outputSize);
  const hasBias = options.bias ?? true;
  const act = toActivation(options.activation ?? 'identity');
  const params: ParameterSpec[] = [{ name: 'kernel', shape: [inputSize, outputSize], init: toInitializer(options.kernelInit ?? 'glorot-uniform') }];
  if (hasBias) params.push({ name: 'bias', shape: [outputSize], init: toInitializer(options.biasInit ?? 'zeros') });

  const preActivation = (values: readonly tf.Tensor[], input: tf.Tensor2D): tf.Tensor2D => {
    if (input.rank !== 2 || input.shape[1] !== inputSize) {
      throw new RangeError(`dense layer '${name}' expects inputs shaped [n, ${inputSize}], got [${input.shape.join(', ')}]`);
    }
    if (values.length !== params.length) {
      throw new RangeError(`dense layer '${name}' takes ${params.length} parameter tensors (${params.map((p) => p.name).join(', ')}), got ${values.length}`);
    }
    const [kernel, bias] = values as [tf.Tensor2D, tf.Tensor1D | undefined];
    return tf.tidy(() => {
      const product = tf.matMul<tf.Tensor2D>(input, kernel);
      return bias ? tf.add<tf.Tensor2D>(product, bias) : product;
    });
  };

  return {
    name,
    kind: 'dense',
    inputSize,
    outputSize,
    hasBias,
    activation: act,
    params,
    preActivation,
    forward: (values, input) => tf.tidy(() => act.apply(preActivation(values, input as tf.Tensor2D))),
  };
}
