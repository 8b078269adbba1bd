import * as tf from '@tensorflow/tfjs-core';
import { disposeState, type CurvatureContext, type CurvatureProvider, type Metrics, type Model, type Probe, type ProbeContext, type State, type When } from '@precond/core';
import { float64BitsTensor, float64FromBitsTensor } from './float64-state.js';
import { errorModes, kernelDistance, kernelTargetAlignment, packedSize, packLowerTriangle } from './kernel-measures.js';
import { ntkSchedule, type NtkOptions } from './options.js';
import { ntkSpectrum } from './ntk-spectrum.js';
import { parameterDistance, weightNorm } from './parameter-measures.js';
import { probeSetIndices } from './probe-set.js';

/**
 * The probe's state: θ₀ (float32 tensors in model order), and K₀ (the kernel of the first
 * observation) as the exact float64 bit pattern of its packed lower triangle, with its size.
 */
export interface NtkProbeState extends State {
  initialParameters: tf.Tensor[];
  /** int32 `[N(N+1)/2, 2]`: see `float64BitsTensor`; null before the first observation. */
  initialKernel: tf.Tensor | null;
  /** N = n·k, the rows of K₀; 0 before the first observation. */
  kernelSize: number;
}

/**
 * The NTK probe (PAPER.md, "What the NTK probe reports"). On its schedule it forms `K = J Jᵀ` on
 * the probe set in float64 and reports (as `<id>.<name>`):
 * `eigenvalues`, `modes` (`|Qᵀe|`), `kernel_distance` (from K₀), `alignment` (`yᵀKy/(‖K‖_F‖y‖²)`),
 * `param_distance` (`‖θ−θ₀‖/‖θ₀‖`), `weight_norm` (`‖θ‖₂`), `seconds` (its own wall time, unless
 * the option `seconds` is false), and on
 * the Lanczos route `lanczos_residual`. It reads the model and the data and changes neither.
 */
export class NtkProbe implements Probe {
  readonly schedule: When;
  private initialParameters: tf.Tensor[] = [];
  private initialValues: Float32Array[] | null = null;
  private initialKernel: Float64Array | null = null;
  private initialKernelTensor: tf.Tensor | null = null;
  private kernelSize = 0;

  constructor(
    private readonly options: NtkOptions,
    private readonly curvatureProvider: CurvatureProvider | undefined,
    /** Where the plugin sits in the experiment (`probes.ntk`), for error messages. */
    private readonly slot = 'probes.ntk',
    readonly id = 'ntk',
  ) {
    this.schedule = ntkSchedule(options);
  }

  /** Keeps θ₀; K₀ is taken at the observation that follows (step 0, on the same parameters). */
  async init(ctx: ProbeContext): Promise<void> {
    this.forget();
    this.keepInitialParameters(ctx.model);
  }

  async observe(ctx: ProbeContext): Promise<Metrics> {
    const start = performance.now();
    // A probe that was neither initialised nor restored measures from its first observation.
    if (this.initialParameters.length === 0) this.keepInitialParameters(ctx.model);
    const { gram, size, residual, targets } = await this.kernelOnProbeSet(ctx);
    const spectrum = await ntkSpectrum(gram, size, { maxDense: this.options.maxDense, topK: this.options.topK, vectors: this.options.modes });
    const initialKernel = await this.referenceKernel(gram, size);
    const values = await Promise.all(ctx.model.params.map(async (p) => (await p.variable.data()) as Float32Array));
    const initialValues = await this.initialParameterValues(ctx.model);
    const metrics: Metrics = {
      eigenvalues: Array.from(spectrum.values),
      modes: Array.from(errorModes(spectrum.vectors, spectrum.vectorCount, residual)),
      kernel_distance: kernelDistance(gram, initialKernel, size),
      alignment: kernelTargetAlignment(gram, targets, size),
      param_distance: parameterDistance(values, initialValues),
      weight_norm: weightNorm(values),
    };
    if (spectrum.lanczos) metrics.lanczos_residual = spectrum.lanczos.maxRelativeResidual;
    if (this.options.seconds) metrics.seconds = (performance.now() - start) / 1000;
    return metrics;
  }

  getState(): NtkProbeState {
    if (this.initialKernel && !this.initialKernelTensor) this.initialKernelTensor = tf.keep(float64BitsTensor(this.initialKernel));
    return { initialParameters: [...this.initialParameters], initialKernel: this.initialKernelTensor, kernelSize: this.kernelSize };
  }

  /** Takes over the tensors of `state` (from `getState`, possibly through a checkpoint). */
  setState(state: State): void {
    const { initialParameters, initialKernel, kernelSize } = state as Partial<NtkProbeState>;
    const tensors = Array.isArray(initialParameters) ? initialParameters : null;
    if (!tensors || !tensors.every((t) => t instanceof tf.Tensor) || !(initialKernel === null || initialKernel instanceof tf.Tensor) || typeof kernelSize !== 'number') {
      throw new TypeError(
        `probe '${this.id}': a saved state holds initialParameters (tensors), initialKernel (a tensor or null) and kernelSize (a number); got keys ${Object.keys(state).join(', ') || '(none)'}`,
      );
    }
    const kept: tf.Tensor[] = [...tensors, ...(initialKernel ? [initialKernel] : [])];
    disposeState([...this.initialParameters, ...(this.initialKernelTensor ? [this.initialKernelTensor] : [])], kept);
    this.initialParameters = [...tensors];
    this.initialValues = null;
    this.initialKernelTensor = initialKernel;
    // Decoded at the next observation (reading a tensor is asynchronous on GPU backends).
    this.initialKernel = null;
    this.kernelSize = kernelSize;
  }

  dispose(): void {
    this.forget();
  }

  private forget(): void {
    tf.dispose(this.initialParameters);
    this.initialKernelTensor?.dispose();
    this.initialParameters = [];
    this.initialValues = null;
    this.initialKernel = null;
    this.initialKernelTensor = null;
    this.kernelSize = 0;
  }

  private keepInitialParameters(model: Model): void {
    this.initialParameters = model.params.map((p) => tf.keep(tf.clone(p.variable)));
    this.initialValues = null;
  }

  private async initialParameterValues(model: Model): Promise<Float32Array[]> {
    if (!this.initialValues) {
      const params = model.params;
      if (this.initialParameters.length !== params.length) {
        throw new RangeError(`probe '${this.id}': its saved θ₀ has ${this.initialParameters.length} tensors, the model ${params.length} parameters; the checkpoint belongs to another model`);
      }
      this.initialParameters.forEach((t, i) => {
        const p = params[i]!;
        if (!tf.util.arraysEqual(t.shape, p.variable.shape)) {
          throw new RangeError(`probe '${this.id}': its saved θ₀ for '${p.name}' has shape [${t.shape.join(', ')}], the parameter [${p.variable.shape.join(', ')}]`);
        }
      });
      this.initialValues = await Promise.all(this.initialParameters.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
    }
    return this.initialValues;
  }

  /** K₀ (packed): restored from the state, or this kernel when there is none yet. */
  private async referenceKernel(gram: Float64Array, size: number): Promise<Float64Array> {
    if (!this.initialKernel && this.initialKernelTensor) {
      this.initialKernel = await float64FromBitsTensor(this.initialKernelTensor, `probe '${this.id}' state initialKernel`);
      if (this.initialKernel.length !== packedSize(this.kernelSize)) {
        throw new RangeError(`probe '${this.id}': the saved K₀ holds ${this.initialKernel.length} entries, not the ${packedSize(this.kernelSize)} of a ${this.kernelSize} × ${this.kernelSize} kernel`);
      }
    }
    if (!this.initialKernel) {
      this.initialKernel = packLowerTriangle(gram, size);
      this.kernelSize = size;
    }
    if (this.kernelSize !== size) {
      throw new RangeError(
        `probe '${this.id}': the kernel on the probe set is ${size} × ${size}, the reference K₀ from the first observation ${this.kernelSize} × ${this.kernelSize}; the probe set (${this.slot}.probeSet) must stay the same for a whole run`,
      );
    }
    return this.initialKernel;
  }

  /**
   * K (float64, row-major), the residual `f − y` and the targets on the probe set, flattened
   * sample-major like K's rows (`i·k + c`). The training set reads the step's curvature, so a
   * Gauss-Newton optimizer on the same step reuses this Gram; a subset gets a context of its own,
   * freed here.
   */
  private async kernelOnProbeSet(ctx: ProbeContext): Promise<{ gram: Float64Array; size: number; residual: Float32Array; targets: Float32Array }> {
    const train = ctx.data.train;
    const indices = probeSetIndices(this.options.probeSet, train.x.shape[0], this.slot);
    let own: { curvature: CurvatureContext; tensors: tf.Tensor[] } | undefined;
    try {
      let curvature: CurvatureContext;
      if (indices === null) {
        curvature = ctx.curvature();
      } else {
        if (!this.curvatureProvider) {
          throw new Error(
            `probe '${this.id}': option '${this.slot}.probeSet' (${this.options.probeSet.type}) needs a curvature provider to form K on the subset, and this run has none: ` +
              "the model's package must register CURVATURE_PROVIDER (models built with @precond/nn do), or use probeSet { type: 'train' }",
          );
        }
        const tensors = tf.tidy(() => {
          const at = tf.tensor1d(indices, 'int32');
          return [tf.gather(train.x, at), tf.gather(train.y, at)];
        });
        own = { curvature: this.curvatureProvider.create(ctx.model, ctx.task.loss, { x: tensors[0] as tf.Tensor2D, y: tensors[1] as tf.Tensor2D }), tensors };
        curvature = own.curvature;
      }
      const gram = await curvature.gram64();
      const size = curvature.batch.x.shape[0] * curvature.batch.y.shape[1];
      if (gram.length !== size * size) {
        throw new RangeError(`probe '${this.id}': the curvature context's gram64() has ${gram.length} entries; n·k = ${size} rows need ${size * size}`);
      }
      const residual = Float32Array.from((await curvature.residual().data()) as Float32Array);
      const targets = Float32Array.from((await curvature.batch.y.data()) as Float32Array);
      return { gram, size, residual, targets };
    } finally {
      if (own) {
        own.curvature.dispose();
        tf.dispose(own.tensors);
      }
    }
  }
}
