import * as tf from '@tensorflow/tfjs-core';
import type { CurvatureContext, CurvatureProvider, Dataset, LayerStatistics, Loss, Model } from '@precond/core';
import { isAffineLayer } from '../layers/layer.js';
import { isSequentialModel, type SequentialModel } from '../sequential-model.js';
import { captureJacobian, captureLayers, repeatRows, type Capture, type CaptureStrategy, type JacobianCapture } from './capture.js';
import { gram64FromCapture, jacobianFromCapture, jacobianVectorProduct, vectorJacobianProduct } from './jacobian.js';
import { linearizeModel, type ModelLinearization } from './linearization.js';
import { applyOutputHessian, outputHessianOf, outputHessianTensors, type OutputHessian } from './output-hessian.js';

/** 512 MiB: the largest dense Jacobian `jacobian()` builds unless told otherwise. */
export const DEFAULT_JACOBIAN_BUDGET_BYTES = 512 * 2 ** 20;

export interface NnCurvatureOptions {
  /** Largest dense Jacobian `jacobian()` builds, in bytes (`n·k·P·4`); default 512 MiB. */
  readonly jacobianBudgetBytes?: number;
  /** How the k outputs' cotangents are captured for `jacobian()` and `gram64()`; default `replicate`. */
  readonly captureStrategy?: CaptureStrategy;
}

const CAPTURE_STRATEGIES: readonly CaptureStrategy[] = ['replicate', 'per-output'];

function checkOptions(options: NnCurvatureOptions): Required<NnCurvatureOptions> {
  const budget = options.jacobianBudgetBytes ?? DEFAULT_JACOBIAN_BUDGET_BYTES;
  if (!(budget > 0) || !Number.isFinite(budget)) {
    throw new RangeError(`nnCurvatureProvider: jacobianBudgetBytes must be a finite number of bytes > 0, got ${budget}`);
  }
  const strategy = options.captureStrategy ?? 'replicate';
  if (!CAPTURE_STRATEGIES.includes(strategy)) {
    throw new RangeError(`nnCurvatureProvider: unknown captureStrategy '${String(strategy)}'; valid strategies: ${CAPTURE_STRATEGIES.join(', ')}`);
  }
  return { jacobianBudgetBytes: budget, captureStrategy: strategy };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/**
 * The CurvatureContext of one step for a model built with `sequentialModel`: lazy and memoised,
 * so an optimizer and the NTK probe on the same step share one capture, one Jacobian and one Gram.
 * The parameters are snapshotted when the context is made (`tf.clone`: shared data on cpu, a copy
 * of P floats on wasm), so every quantity belongs to the same point even if the variables are
 * assigned mid-step.
 * When every layer has a `linearize` rule (MLPs of dense and scale layers), the context linearises
 * the model once, at its first request, and serves the outputs, the captures, `J·v`, `Jᵀ·u` and
 * `GGN·v` from that one forward pass without autodiff tapes: an LM step's Gram capture and its
 * `Jᵀα` share it, and each CG iteration costs a forward-mode and a reverse sweep of products only.
 * Other models (the transformer) use `tf.grads` and the layers' `jvp` rules.
 * What its memoised getters return is owned by the context and freed by `dispose`; the products
 * `jvp`, `vjp` and `ggnVectorProduct` return new tensors the caller owns (core's contract).
 */
export class NnCurvatureContext implements CurvatureContext {
  private readonly values: tf.Tensor[];
  private readonly options: Required<NnCurvatureOptions>;
  private readonly owned: tf.Tensor[] = [];
  private disposed = false;
  private memoOutputs?: tf.Tensor2D;
  private memoResidual?: tf.Tensor2D;
  private memoJacobianCapture?: JacobianCapture;
  private memoJacobian?: tf.Tensor2D;
  private memoGram?: Promise<Float64Array>;
  private memoLossCapture?: Capture;
  private memoStatistics?: readonly LayerStatistics[];
  private memoHessian?: OutputHessian;
  /** The model linearised at the snapshot; null once found not linearisable. */
  private memoLinearization?: ModelLinearization | null;

  constructor(
    readonly model: SequentialModel,
    readonly loss: Loss,
    readonly batch: Dataset,
    options: NnCurvatureOptions = {},
  ) {
    this.options = checkOptions(options);
    const { x, y } = batch;
    if (x.rank !== 2 || y.rank !== 2 || x.shape[0] !== y.shape[0]) {
      throw new RangeError(`curvature batch: x and y must be [n, ·] with the same n, got x [${x.shape.join(', ')}] and y [${y.shape.join(', ')}]`);
    }
    this.values = model.params.map((p) => tf.keep(tf.clone(p.variable)));
  }

  /** Samples n. */
  get samples(): number {
    return this.batch.x.shape[0];
  }

  /** Outputs per sample k. */
  get outputSize(): number {
    return this.batch.y.shape[1];
  }

  outputs(): tf.Tensor2D {
    this.checkAlive();
    // A linearisation's outputs are owned by it (and freed with it in dispose).
    this.memoOutputs ??= this.linearization()?.outputs ?? this.own(this.model.forward(this.values, this.batch.x));
    return this.memoOutputs;
  }

  residual(): tf.Tensor2D {
    this.checkAlive();
    this.memoResidual ??= this.own(tf.sub(this.outputs(), this.batch.y));
    return this.memoResidual;
  }

  /**
   * Dense `J` `[n·k, P]`, rows `i·k + c`, columns in parameter order. Throws, naming the size and
   * the budget, when `n·k·P·4` bytes exceed `jacobianBudgetBytes`.
   */
  jacobian(): tf.Tensor2D {
    this.checkAlive();
    if (!this.memoJacobian) {
      const n = this.samples;
      const k = this.outputSize;
      const p = this.model.parameterCount();
      const bytes = n * k * p * 4;
      if (bytes > this.options.jacobianBudgetBytes) {
        throw new Error(
          `the dense Jacobian [${n * k}, ${p}] needs ${mib(bytes)} MiB (n·k·P·4 bytes with n = ${n}, k = ${k}, P = ${p}), over the budget of ` +
            `${mib(this.options.jacobianBudgetBytes)} MiB (nnCurvatureProvider option jacobianBudgetBytes); use a matrix-free solver ` +
            '(conjugate gradient on jvp/vjp/ggnVectorProduct) or raise the budget',
        );
      }
      this.memoJacobian = this.own(jacobianFromCapture(this.jacobianCapture()));
    }
    return this.memoJacobian;
  }

  /**
   * The NTK Gram `J Jᵀ` `[n·k, n·k]` (row-major `Float64Array`, rows `i·k + c`), accumulated in
   * float64 from the captured float32 factors by each layer's structured rule, without forming J.
   */
  gram64(): Promise<Float64Array> {
    this.checkAlive();
    this.memoGram ??= gram64FromCapture(this.jacobianCapture());
    return this.memoGram;
  }

  jvp(v: readonly tf.Tensor[]): tf.Tensor2D {
    this.checkAlive();
    this.checkParameterShaped('jvp', v);
    return this.forwardProduct(v);
  }

  vjp(u: tf.Tensor2D): tf.Tensor[] {
    this.checkAlive();
    this.checkOutputShaped('vjp', u);
    return this.reverseProduct(u);
  }

  /** `Jᵀ H J v` with `H_i` the loss's output Hessian per sample (no 1/n: the summed loss). */
  ggnVectorProduct(v: readonly tf.Tensor[]): tf.Tensor[] {
    this.checkAlive();
    this.checkParameterShaped('ggnVectorProduct', v);
    const hessian = this.outputHessian();
    const hjv = tf.tidy(() => applyOutputHessian(hessian, this.forwardProduct(v)));
    try {
      return this.reverseProduct(hjv);
    } finally {
      hjv.dispose();
    }
  }

  /**
   * For each affine layer, in model order: its inputs `a` (with a ones column when it has a bias)
   * and the per-sample gradients of the summed loss w.r.t. its pre-activations, from one capture
   * with the cotangent `u_i = ∂ℓ_i/∂f_i` (`loss.outputGradient`).
   */
  layerStatistics(): readonly LayerStatistics[] {
    this.checkAlive();
    if (!this.memoStatistics) {
      const cotangent = this.own(this.loss.outputGradient(this.outputs(), this.batch.y));
      const linearization = this.linearization();
      const capture = linearization ? linearization.capture(cotangent) : captureLayers(this.model, this.values, this.batch.x, cotangent);
      this.memoLossCapture = capture;
      this.memoStatistics = capture.layers.flatMap(({ layer, factor, probeGradient }) => {
        if (!isAffineLayer(layer)) return [];
        const inputs = layer.hasBias ? this.own(tf.tidy(() => tf.concat([factor, tf.ones([factor.shape[0], 1])], 1) as tf.Tensor2D)) : factor;
        const params = layer.params.map((spec) => `${layer.name}/${spec.name}`);
        return [{ layer: layer.name, params, inputs, outputGradients: probeGradient }];
      });
    }
    return this.memoStatistics;
  }

  /**
   * The zero-probe capture at the step's point for an output cotangent with `rowsPerSample` rows per
   * sample (`[n·r, k]`, row `i·r + c` for sample i; see `ModelLinearization.capture`): from the
   * shared linearisation when the model has one (no forward pass of its own), else an autodiff
   * capture of the batch with each row repeated r times. Either way the factors and outputs have
   * one row per sample and the probe gradients r. What K-FAC's `fisher` (r = 1) and `ggn` (r = k)
   * statistics are made of. The caller owns the capture.
   */
  capture(cotangent: tf.Tensor2D, rowsPerSample = 1): Capture {
    this.checkAlive();
    const linearization = this.linearization();
    if (linearization) return linearization.capture(cotangent, rowsPerSample);
    if (rowsPerSample === 1) return captureLayers(this.model, this.values, this.batch.x, cotangent);
    const rows = repeatRows(this.batch.x, rowsPerSample);
    let capture: Capture;
    try {
      capture = captureLayers(this.model, this.values, rows, cotangent);
    } finally {
      rows.dispose();
    }
    // Rows 0, r, 2r, …: each sample once.
    const firsts = tf.tensor1d(Int32Array.from({ length: this.samples }, (_, i) => i * rowsPerSample), 'int32');
    try {
      const once = (t: tf.Tensor2D) => tf.keep(tf.gather(t, firsts)) as tf.Tensor2D;
      const layers = capture.layers.map((entry) => ({ ...entry, factor: once(entry.factor) }));
      const outputs = once(capture.outputs);
      const probes = capture.layers.map((entry) => entry.probeGradient);
      tf.dispose([capture.outputs, ...capture.layers.map((entry) => entry.factor)]);
      return { outputs, layers, uncaptured: capture.uncaptured, dispose: () => tf.dispose([outputs, ...probes, ...layers.map((entry) => entry.factor)]) };
    } finally {
      firsts.dispose();
    }
  }

  /** Frees every tensor the context made (its results included). Called once at the end of the step. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.memoJacobianCapture?.dispose();
    this.memoLossCapture?.dispose();
    this.memoLinearization?.dispose();
    tf.dispose([...this.owned, ...this.values]);
    this.owned.length = 0;
  }

  private jacobianCapture(): JacobianCapture {
    this.memoJacobianCapture ??= captureJacobian(this.model, this.values, this.batch.x, this.outputSize, this.options.captureStrategy, this.linearization() ?? undefined);
    return this.memoJacobianCapture;
  }

  /** The model linearised at the snapshot (memoised), or null when some layer has no `linearize` rule. */
  private linearization(): ModelLinearization | null {
    if (this.memoLinearization === undefined) this.memoLinearization = linearizeModel(this.model, this.values, this.batch.x);
    return this.memoLinearization;
  }

  /** `J·v`: from the linearisation, else by the layers' forward-mode rules. */
  private forwardProduct(v: readonly tf.Tensor[]): tf.Tensor2D {
    const linearization = this.linearization();
    return linearization ? linearization.jvp(v) : jacobianVectorProduct(this.model, this.values, this.batch.x, v);
  }

  /** `Jᵀ·u`: from the linearisation, else one reverse pass on the autodiff tape. */
  private reverseProduct(u: tf.Tensor2D): tf.Tensor[] {
    const linearization = this.linearization();
    return linearization ? linearization.vjp(u) : vectorJacobianProduct(this.model, this.values, this.batch.x, u);
  }

  private outputHessian(): OutputHessian {
    if (!this.memoHessian) {
      const hessian = outputHessianOf(this.loss, this.outputs(), this.batch.y);
      this.own(outputHessianTensors(hessian));
      this.memoHessian = hessian;
    }
    return this.memoHessian;
  }

  /** Keeps `t` alive past any enclosing `tf.tidy` and frees it with the context. */
  private own<T extends tf.Tensor | tf.Tensor[]>(t: T): T {
    for (const tensor of Array.isArray(t) ? t : [t]) this.owned.push(tf.keep(tensor));
    return t;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('this curvature context has been disposed: a context lives for one step; ask the provider for a new one');
  }

  private checkParameterShaped(method: string, v: readonly tf.Tensor[]): void {
    const params = this.model.params;
    if (v.length !== params.length) {
      throw new RangeError(`${method}: expected ${params.length} tensors, one per parameter (${params.map((p) => p.name).join(', ')}), got ${v.length}`);
    }
    v.forEach((t, i) => {
      const p = params[i]!;
      if (!tf.util.arraysEqual(t.shape, p.variable.shape)) {
        throw new RangeError(`${method}: tensor ${i} for '${p.name}' has shape [${t.shape.join(', ')}], the parameter is [${p.variable.shape.join(', ')}]`);
      }
    });
  }

  private checkOutputShaped(method: string, u: tf.Tensor): void {
    const expected = [this.samples, this.outputSize];
    if (!tf.util.arraysEqual(u.shape, expected)) {
      throw new RangeError(`${method}: the cotangent must be shaped [${expected.join(', ')}] like the outputs, got [${u.shape.join(', ')}]`);
    }
  }
}

/** A CurvatureProvider whose contexts are `NnCurvatureContext`s. */
export interface NnCurvatureProvider extends CurvatureProvider {
  create(model: Model, loss: Loss, batch: Dataset): NnCurvatureContext;
}

/**
 * The curvature provider for models built with `sequentialModel` (the `mlp` plugin registers it
 * under CURVATURE_PROVIDER; third-party model plugins built on `sequentialModel` can register it
 * too). Throws, when asked for a context, for a model that does not expose its layers.
 *
 * @example
 *   provide(container, CURVATURE_PROVIDER, { useValue: nnCurvatureProvider({ jacobianBudgetBytes: 2 ** 30 }) });
 */
export function nnCurvatureProvider(options: NnCurvatureOptions = {}): NnCurvatureProvider {
  const checked = checkOptions(options);
  return {
    create(model, loss, batch) {
      if (!isSequentialModel(model)) {
        throw new Error(
          "the @precond/nn curvature provider walks a model's layers, so it needs a model built with sequentialModel (layers, splitByLayer, forward); " +
            'this model has none: register a curvature provider for it from its own package',
        );
      }
      return new NnCurvatureContext(model, loss, batch, checked);
    },
  };
}
