import * as tf from '@tensorflow/tfjs-core';
import type { CurvatureContext, CurvatureProvider, Dataset, LayerStatistics, Loss, Model } from '@precond/core';
import { FunctionModel } from './function-model.js';

/** Dense Jacobians above this many entries are refused: the provider is for small test problems. */
export const DENSE_JACOBIAN_LIMIT = 1_000_000;

/**
 * A `CurvatureContext` for any small `Model`, by reverse-mode autodiff alone: the Jacobian is built
 * one row per output (`n·k` vector-Jacobian products), `J v` reads the dense Jacobian, and
 * `ggnVectorProduct(v) = Jᵀ H J v` with `H` the loss's output Hessian summed over samples (as the
 * contract states it; the mean-loss GGN is this divided by `n`). `layerStatistics` is available for
 * a `FunctionModel`'s linear output layers and is empty for other models.
 */
class DenseCurvatureContext implements CurvatureContext {
  private out?: tf.Tensor2D;
  private res?: tf.Tensor2D;
  private jac?: tf.Tensor2D;
  private layers?: LayerStatistics[];

  constructor(
    private readonly model: Model,
    private readonly loss: Loss,
    readonly batch: Dataset,
  ) {}

  outputs(): tf.Tensor2D {
    this.out ??= tf.keep(tf.tidy(() => this.model.apply(this.batch.x)));
    return this.out;
  }

  residual(): tf.Tensor2D {
    this.res ??= tf.keep(tf.tidy(() => tf.sub(this.outputs(), this.batch.y)));
    return this.res;
  }

  private values(): tf.Tensor[] {
    return this.model.params.map((p) => p.variable);
  }

  /** `Jᵀ u` as new tensors, not recorded (callers record or dispose them). */
  private rawVjp(u: tf.Tensor2D): tf.Tensor[] {
    const f = (...values: tf.Tensor[]) => this.model.applyWith(values, this.batch.x);
    return tf.grads(f)(this.values(), u);
  }

  jacobian(): tf.Tensor2D {
    if (!this.jac) {
      const [n, k] = this.outputs().shape;
      const p = this.model.parameterCount();
      if (n * k * p > DENSE_JACOBIAN_LIMIT) {
        throw new RangeError(
          `the dense test curvature would build a ${n * k}×${p} Jacobian (more than ${DENSE_JACOBIAN_LIMIT} entries); pass the model package's own curvature provider instead`,
        );
      }
      this.jac = tf.keep(tf.tidy(() => {
        const rows: tf.Tensor[] = [];
        for (let r = 0; r < n * k; r++) {
          const e = tf.reshape(tf.cast(tf.oneHot(tf.tensor1d([r], 'int32'), n * k), 'float32'), [n, k]) as tf.Tensor2D;
          rows.push(tf.concat(this.rawVjp(e).map((g) => tf.reshape(g, [-1]))));
        }
        return tf.stack(rows) as tf.Tensor2D;
      }));
    }
    return this.jac;
  }

  /** `J Jᵀ` in float64 from the dense float32 J. */
  async gram64(): Promise<Float64Array> {
    const j = this.jacobian();
    const [rows, cols] = j.shape;
    const a = await j.data();
    const g = new Float64Array(rows * rows);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c <= r; c++) {
        let s = 0;
        for (let i = 0; i < cols; i++) s += a[r * cols + i]! * a[c * cols + i]!;
        g[r * rows + c] = s;
        g[c * rows + r] = s;
      }
    }
    return g;
  }

  // Products are new tensors the caller owns (core's CurvatureContext contract).
  jvp(v: readonly tf.Tensor[]): tf.Tensor2D {
    const [n, k] = this.outputs().shape;
    return tf.tidy(() => tf.reshape(tf.matMul(this.jacobian(), tf.reshape(tf.concat(v.map((t) => tf.reshape(t, [-1]))), [-1, 1])), [n, k]) as tf.Tensor2D);
  }

  vjp(u: tf.Tensor2D): tf.Tensor[] {
    return tf.tidy(() => this.rawVjp(u));
  }

  ggnVectorProduct(v: readonly tf.Tensor[]): tf.Tensor[] {
    const grads = tf.tidy(() => {
      const jv = tf.reshape(tf.matMul(this.jacobian(), tf.reshape(tf.concat(v.map((t) => tf.reshape(t, [-1]))), [-1, 1])), this.outputs().shape) as tf.Tensor2D;
      const h = this.loss.outputHessian(this.outputs(), this.batch.y);
      const hjv = typeof h === 'number' ? tf.mul(jv, h) : tf.squeeze(tf.matMul(h, tf.expandDims(jv, 2)), [2]);
      return this.rawVjp(hjv as tf.Tensor2D);
    });
    return grads;
  }

  layerStatistics(): readonly LayerStatistics[] {
    if (!this.layers) {
      const specs = this.model instanceof FunctionModel ? this.model.layers : [];
      this.layers = specs.map((spec) => ({
        layer: spec.layer,
        params: [...spec.params],
        inputs: tf.keep(spec.inputs(this.batch.x)),
        // The layer's pre-activations are the model outputs, so these are the loss's output gradients.
        outputGradients: tf.keep(this.loss.outputGradient(this.outputs(), this.batch.y)),
      }));
    }
    return this.layers;
  }

  dispose(): void {
    for (const t of [this.out, this.res, this.jac]) t?.dispose();
    for (const l of this.layers ?? []) {
      l.inputs.dispose();
      l.outputGradients.dispose();
    }
    this.out = this.res = this.jac = this.layers = undefined;
  }
}

/**
 * The curvature the suites give step contexts and probes unless told otherwise: exact and dense,
 * for the testkit's small problems (and any model small enough, see `DENSE_JACOBIAN_LIMIT`).
 */
export function denseCurvatureProvider(): CurvatureProvider {
  return { create: (model, loss, batch) => new DenseCurvatureContext(model, loss, batch) };
}
