import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, Loss } from '@precond/core';
import type { FunctionModel } from './function-model.js';

/**
 * A test problem: a model, its full-batch data and loss, where it starts and where its minimum is.
 * Each call of a problem's constructor function makes fresh variables; `dispose` frees them and
 * the data.
 */
export interface Problem {
  /** `least-squares` or `rosenbrock`. */
  readonly name: string;
  readonly model: FunctionModel;
  readonly data: Dataset;
  readonly loss: Loss;
  /** The parameters at the start, flattened in model order. */
  readonly initial: readonly number[];
  /** The minimiser, flattened in model order (the loss is 0 there). */
  readonly optimum: readonly number[];
  /** Euclidean distance of the current parameters to `optimum` (reads them from the device). */
  distanceToOptimum(): Promise<number>;
  /** The full-batch loss at the current parameters. */
  lossValue(): Promise<number>;
  dispose(): void;
}

/** Assemble a `Problem` from its parts (the distance and loss readers are shared). */
export function makeProblem(parts: {
  name: string;
  model: FunctionModel;
  data: Dataset;
  loss: Loss;
  initial: readonly number[];
  optimum: readonly number[];
}): Problem {
  const { model, data, loss, optimum } = parts;
  return {
    ...parts,
    async distanceToOptimum() {
      const values = await Promise.all(model.params.map((p) => p.variable.data()));
      let sum = 0;
      let k = 0;
      for (const v of values) for (let i = 0; i < v.length; i++, k++) sum += (v[i]! - optimum[k]!) ** 2;
      return Math.sqrt(sum);
    },
    async lossValue() {
      const value = tf.tidy(() => loss.value(model.apply(data.x), data.y));
      const [out] = await value.data();
      value.dispose();
      return out!;
    },
    dispose() {
      model.dispose();
      data.x.dispose();
      data.y.dispose();
    },
  };
}
