import * as tf from '@tensorflow/tfjs-core';
import type { CurvatureContext, CurvatureProvider } from '../contracts/curvature.js';
import type { Loss } from '../contracts/loss.js';
import type { Model } from '../contracts/model.js';
import type { StepContext } from '../contracts/optimizer.js';
import type { Dataset } from '../contracts/task.js';
import type { Rng } from '../rng/rng.js';

/** The runner's StepContext: memoises gradients and curvature, and frees them in `dispose`. */
export class RunStepContext implements StepContext {
  private memo?: { value: tf.Scalar; grads: tf.Tensor[] };
  private curv?: CurvatureContext;

  constructor(
    readonly step: number,
    readonly model: Model,
    readonly batch: Dataset,
    readonly loss: Loss,
    readonly rng: Rng,
    private readonly curvatureProvider: CurvatureProvider | undefined,
    private readonly ownsBatch: boolean,
  ) {}

  get params() {
    return this.model.params;
  }

  valueAndGrads(): { value: tf.Scalar; grads: readonly tf.Tensor[] } {
    if (!this.memo) {
      const { x, y } = this.batch;
      const f = (...values: tf.Tensor[]) => this.loss.value(this.model.applyWith(values, x), y);
      const { value, grads } = tf.valueAndGrads(f)(this.model.params.map((p) => p.variable));
      this.memo = { value: value as tf.Scalar, grads };
    }
    return this.memo;
  }

  async lossAt(values: readonly tf.Tensor[]): Promise<number> {
    const v = tf.tidy(() => this.loss.value(this.model.applyWith(values, this.batch.x), this.batch.y));
    const [out] = await v.data();
    v.dispose();
    return out!;
  }

  curvature(): CurvatureContext {
    if (!this.curv) {
      if (!this.curvatureProvider) {
        throw new Error(
          'this run has no curvature provider: curvature-based optimizers and probes need a model whose package registers CURVATURE_PROVIDER (models built with @precond/nn do)',
        );
      }
      this.curv = this.curvatureProvider.create(this.model, this.loss, this.batch);
    }
    return this.curv;
  }

  /** Frees gradients, curvature and (for minibatches) the gathered batch. Called once per step. */
  dispose(): void {
    if (this.memo) {
      this.memo.value.dispose();
      this.memo.grads.forEach((g) => g.dispose());
      this.memo = undefined;
    }
    this.curv?.dispose();
    this.curv = undefined;
    if (this.ownsBatch) {
      this.batch.x.dispose();
      this.batch.y.dispose();
    }
  }
}
