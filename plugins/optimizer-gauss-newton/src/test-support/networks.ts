// Small real networks at initialisation, with the curvature engine of @precond/nn, for the exact
// checks of the theory (PAPER.md, "Exact checks of the theory").
import * as tf from '@tensorflow/tfjs-core';
import {
  createRunContainer,
  identityPreconditioner,
  mseLoss,
  OPTIMIZER,
  parsePluginOptions,
  PRECONDITIONER,
  provide,
  resolve,
  Rng,
  RunStepContext,
  type CurvatureProvider,
  type Dataset,
  type Loss,
  type Model,
  type Optimizer,
  type PluginInstance,
  type Preconditioner,
  type StepResult,
} from '@precond/core';
import { eigh, type Eigh } from '@precond/linalg';
import { buildMlp, nnCurvatureProvider, type NnCurvatureContext } from '@precond/nn';
import { solveGaussNewtonSystem } from '../solvers/solve.js';
import type { ConcreteSolver } from '../solvers/plan-solver.js';
import { cgOptionsSchema, type CgOptions } from '../options.js';

/** A network, its batch and the curvature context of its current parameters. */
export interface SmallNetwork {
  readonly model: Model;
  readonly batch: Dataset;
  readonly loss: Loss;
  readonly curvature: NnCurvatureContext;
  /** `K = J Jᵀ` in float64 and its eigendecomposition (values descending). */
  readonly gram: Float64Array;
  readonly eigen: Eigh;
  dispose(): void;
}

/**
 * A tanh MLP 2-24-24-1 (Glorot uniform ×1.5, 697 parameters) on 8 points drawn uniformly from
 * [-1, 1)², with random targets. Its NTK Gram at initialisation has eigenvalues 1 down to about
 * 5e-4 of the largest (measured), so every mode is resolved far above float32 rounding and the
 * exact checks can look at all of them.
 */
export async function smallNetwork(options: { outputs?: number; loss?: Loss; seed?: number } = {}): Promise<SmallNetwork> {
  const k = options.outputs ?? 1;
  const loss = options.loss ?? mseLoss();
  const n = 8;
  const model = buildMlp({ inputSize: 2, outputSize: k, hidden: [24, 24], activation: 'tanh', initScale: 1.5 }, new Rng(options.seed ?? 3));
  const rng = new Rng(7);
  const x = tf.tensor2d(Array.from({ length: n * 2 }, () => rng.uniformIn(-1, 1)), [n, 2]);
  const targets = Array.from({ length: n * k }, () => rng.uniformIn(-1, 1));
  // Cross-entropy needs distributions: a one-hot class per sample.
  const y =
    loss.name === 'cross-entropy'
      ? tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % k), 'int32'), k), 'float32')
      : tf.tensor2d(targets, [n, k]);
  const batch = { x, y: y as tf.Tensor2D };
  const curvature = nnCurvatureProvider().create(model, loss, batch);
  const gram = Float64Array.from(await curvature.gram64());
  const eigen = eigh({ rows: n * k, cols: n * k, data: gram.slice() });
  return {
    model,
    batch,
    loss,
    curvature,
    gram,
    eigen,
    dispose() {
      curvature.dispose();
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

/** The system of a step of `net` with `g` as the output gradient (H = I: MSE with scale 1). */
export function systemFor(net: SmallNetwork, g: tf.Tensor2D, settings: { damping?: number; cutoff?: number; cg?: Partial<CgOptions> }) {
  return {
    curvature: net.curvature,
    loss: net.loss,
    targets: net.batch.y,
    outputGradient: g,
    hessianScale: 1,
    shapes: net.model.params.map((p) => p.variable.shape),
    damping: settings.damping ?? 0,
    pseudoInverseCutoff: settings.cutoff ?? null,
    cg: cgOptionsSchema.parse(settings.cg ?? {}),
    warmStart: null,
  };
}

/**
 * The error operator of one step, `E = J M⁻¹ Jᵀ` (m × m, m = n·k, column-major in a row-major
 * array: E[r, i] at r·m + i), through the real solver: for each basis residual `e_i` the solver's
 * direction `d_i = M⁻¹ Jᵀ e_i` (a parameter-shaped tensor list), mapped back to outputs by the
 * forward-mode product `J d_i`. Under a step of η = 1 the residual moves by `−E r` (linearised).
 */
export async function errorOperator(net: SmallNetwork, solver: ConcreteSolver, settings: { damping?: number; cutoff?: number; cg?: Partial<CgOptions> }): Promise<{ E: Float64Array; ranks: number[] }> {
  const [n, k] = net.batch.y.shape;
  const m = n * k;
  const E = new Float64Array(m * m);
  const ranks: number[] = [];
  for (let i = 0; i < m; i++) {
    const g = tf.tidy(() => tf.reshape(tf.cast(tf.oneHot(tf.tensor1d([i], 'int32'), m), 'float32'), [n, k]) as tf.Tensor2D);
    const solution = await solveGaussNewtonSystem(solver, systemFor(net, g, settings));
    const jd = net.curvature.jvp(solution.direction);
    const column = await jd.data();
    for (let r = 0; r < m; r++) E[r * m + i] = column[r]!;
    if (solution.info.rank !== undefined) ranks.push(solution.info.rank);
    tf.dispose([g, jd, ...solution.direction]);
  }
  return { E, ranks };
}

/** `(A + Aᵀ)/2` of a square row-major matrix (its eigenvalues are real). */
export function symmetricPart(a: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) out[r * m + c] = 0.5 * (a[r * m + c]! + a[c * m + r]!);
  return out;
}

/** The optimizer a run would get from `plugin`, registered next to `preconditioner` and initialised. */
export function optimizerFor(plugin: PluginInstance, model: Model, preconditioner: Preconditioner = identityPreconditioner()): Optimizer {
  const container = createRunContainer();
  provide(container, PRECONDITIONER, { useValue: preconditioner });
  plugin.register(container, parsePluginOptions(plugin, plugin.config, 'optimizer'), { slot: 'optimizer' });
  const optimizer = resolve(container, OPTIMIZER);
  optimizer.init(model.params);
  return optimizer;
}

/** One step as the runner takes it (fresh context, disposed after). */
export async function stepOnce(optimizer: Optimizer, model: Model, batch: Dataset, loss: Loss, step: number, provider: CurvatureProvider = nnCurvatureProvider()): Promise<StepResult> {
  const ctx = new RunStepContext(step, model, batch, loss, new Rng(0), provider, false);
  try {
    return await optimizer.step(ctx);
  } finally {
    ctx.dispose();
  }
}

/** The parameters as one flat float64 array. */
export async function flatParameters(model: Model): Promise<Float64Array> {
  const parts = await Promise.all(model.params.map((p) => p.variable.data()));
  return Float64Array.from(parts.flatMap((p) => Array.from(p)));
}
