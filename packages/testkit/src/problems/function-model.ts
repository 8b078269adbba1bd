import * as tf from '@tensorflow/tfjs-core';
import type { Model, NamedParameter } from '@precond/core';

/** One parameter of a `FunctionModel`: its `<layer>/<param>` name, shape and initial values. */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly initial: ArrayLike<number>;
}

/**
 * A linear output layer of a `FunctionModel`: the model output is `inputs(x) · W` for the named
 * parameters, so its pre-activations are the outputs and per-layer curvature (K-FAC, Shampoo)
 * can be computed from `inputs(x)` and the loss's output gradient.
 */
export interface LinearOutputLayer {
  readonly layer: string;
  readonly params: readonly string[];
  /** Layer inputs per sample, `[n, in]`, with a column of ones appended when the layer has a bias. */
  inputs(x: tf.Tensor2D): tf.Tensor2D;
}

/** `f(θ, x)` for parameter values in model order. */
export type ForwardFunction = (values: readonly tf.Tensor[], x: tf.Tensor2D) => tf.Tensor2D;

/**
 * A core `Model` given by a forward function of its parameter values: the testkit's problems are
 * written this way so they need no layer library, and `applyWith` is the same function as `apply`.
 */
export class FunctionModel implements Model {
  readonly params: readonly NamedParameter[];

  constructor(
    specs: readonly ParameterSpec[],
    private readonly forward: ForwardFunction,
    /** Linear output layers, for per-layer curvature; empty when the model has no such layer. */
    readonly layers: readonly LinearOutputLayer[] = [],
  ) {
    this.params = specs.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (s.initial.length !== size) {
        throw new RangeError(`parameter '${s.name}' has shape [${s.shape.join(', ')}] (${size} values) but ${s.initial.length} initial values`);
      }
      // Unnamed variables: tfjs variable names are global, and problems are built many times. The
      // tidy frees the initial tensor (the variable keeps its own reference to the data).
      return { name: s.name, variable: tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(s.initial), [...s.shape]), true)) };
    });
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.forward(this.params.map((p) => p.variable), x));
  }

  applyWith(values: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
    if (values.length !== this.params.length) {
      throw new RangeError(`applyWith needs ${this.params.length} parameter values (${this.params.map((p) => p.name).join(', ')}), got ${values.length}`);
    }
    return tf.tidy(() => this.forward(values, x));
  }

  parameterCount(): number {
    return this.params.reduce((n, p) => n + p.variable.size, 0);
  }

  dispose(): void {
    this.params.forEach((p) => p.variable.dispose());
  }
}
