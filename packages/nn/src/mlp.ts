import type { Rng } from '@precond/core';
import type { Activation, ActivationName } from './activation.js';
import { initializer, type InitializerName } from './initializer.js';
import { denseLayer } from './layers/dense.js';
import type { Layer } from './layers/layer.js';
import { scaleLayer } from './layers/scale.js';
import { sequentialModel, type SequentialModel } from './sequential-model.js';

export interface MlpOptions {
  readonly inputSize: number;
  readonly outputSize: number;
  /** Widths of the hidden layers; `[]` gives a single affine layer. */
  readonly hidden: readonly number[];
  /** Activation of every hidden layer. */
  readonly activation: ActivationName | Activation;
  /** Activation of the last layer; default `identity`. */
  readonly outputActivation?: ActivationName | Activation;
  /** Whether every layer has a bias; default true. */
  readonly bias?: boolean;
  /** Kernel initialiser of every layer; default `glorot-uniform`. Biases start at zero. */
  readonly init?: InitializerName;
  /** Multiplier on every initial kernel value (the paper's "Glorot ×α"); default 1. */
  readonly initScale?: number;
  /** Constant multiplier on the network's output (E3: `α²/(2p·N)`); default 1. */
  readonly outputScale?: number;
}

/**
 * A multilayer perceptron `f(x) = c · ψ(W_L ⋯ φ(x W_1 + b_1) ⋯ + b_L)` with dense layers named
 * `dense_0, dense_1, ...` (parameters `dense_i/kernel` `[in, out]`, then `dense_i/bias`), hidden
 * activation `φ`, output activation `ψ` and output scale `c`. Initial values are drawn from `rng`.
 *
 * @example
 *   // E1 (PAPER.md): 1-80-80-1 tanh
 *   const model = buildMlp({ inputSize: 1, outputSize: 1, hidden: [80, 80], activation: 'tanh' }, new Rng(0));
 *   // E3: 2p-100-p, quadratic, no biases, N(0, 1), output α²/(2p·N) with p = 23, N = 100, α = 1
 *   const e3 = buildMlp({ inputSize: 46, outputSize: 23, hidden: [100], activation: 'quadratic',
 *     bias: false, init: 'normal', outputScale: 1 / (2 * 23 * 100) }, new Rng(0));
 */
export function buildMlp(options: MlpOptions, rng: Rng): SequentialModel {
  const { inputSize, outputSize, hidden, activation } = options;
  const outputScale = options.outputScale ?? 1;
  hidden.forEach((width, i) => {
    if (!Number.isInteger(width) || width <= 0) throw new RangeError(`mlp hidden[${i}] must be a positive integer width, got ${width}`);
  });
  if (!Number.isFinite(outputScale) || outputScale <= 0) {
    throw new RangeError(`mlp outputScale must be a finite number > 0, got ${outputScale}`);
  }
  const kernelInit = initializer(options.init ?? 'glorot-uniform', options.initScale ?? 1);
  const widths = [inputSize, ...hidden, outputSize];
  const layers: Layer[] = widths.slice(1).map((width, i) =>
    denseLayer({
      name: `dense_${i}`,
      inputSize: widths[i]!,
      outputSize: width,
      activation: i === hidden.length ? (options.outputActivation ?? 'identity') : activation,
      bias: options.bias ?? true,
      kernelInit,
    }),
  );
  // A factor of exactly 1 is left out rather than multiplied in: the outputs stay bit-identical.
  if (outputScale !== 1) layers.push(scaleLayer({ name: 'output_scale', factor: outputScale }));
  return sequentialModel(layers, rng);
}
