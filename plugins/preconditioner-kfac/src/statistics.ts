import * as tf from '@tensorflow/tfjs-core';
import type { StepContext } from '@precond/core';
import { gram64 } from '@precond/linalg';
import { captureLayers, NnCurvatureContext, repeatRows, type Capture, type CapturedLayer, type SequentialModel } from '@precond/nn';
import { productsOnHost } from './placement.js';
import { empiricalCotangents, fisherCotangents, ggnCotangents, lossForm, type Cotangents } from './cotangents.js';
import type { EstimationMode } from './options.js';
import type { DenseBlockPlan, EmbeddingBlockPlan, Plan } from './plan.js';

/**
 * One batch's factors of a block as float64 (the products themselves run where placement.ts
 * says), before the moving average:
 * dense `A` `[in(+1), in(+1)]` and `G` `[out, out]`; embedding `A` as its diagonal `[vocab]`.
 *
 * Scaling (why `1/n` and per-sample rows of the SUMMED loss). The runner minimises the mean
 * `L = (1/n) Σ_i ℓ_i`. A dense layer maps the column `ã_i` (`[a_i; 1]` with a bias) to
 * `s_i = W̃ᵀ ã_i`, `W̃ = [W; bᵀ]` `[in+1, out]`, so `∇_W̃ L = (1/n) Σ_i ã_i g_iᵀ` with
 * `g_i = ∂ℓ_i/∂s_i`, which is row i of a capture of the summed
 * loss Σ_i ℓ_i (row i of s reaches only ℓ_i). The Fisher/GGN of L is the mean over samples of the
 * per-sample curvature:
 *   `F = (1/n) Σ_i (ã_i ã_iᵀ) ⊗ (g_i g_iᵀ)`            (sampled or empirical g_i)
 *   `GGN = (1/n) Σ_i (ã_i ã_iᵀ) ⊗ (J_{s,i}ᵀ H_i J_{s,i})`
 * and K-FAC replaces the mean of Kronecker products by the product of means (M&G 2015, eq. 1-2):
 *   `F ≈ A ⊗ G`, `A = (1/n) Σ_i ã_i ã_iᵀ`, `G = (1/n) Σ_i g_i g_iᵀ`.
 * Both factors carry `1/n`: with the rows of the mean loss (`g_i/n`) G would be n² times too
 * small, and with no `1/n` in G the Kronecker product would be n times too large
 * (`kfac-exact.test.ts` checks the scale against the exact Gauss-Newton direction). With `ggn` each
 * sample has k rows whose outer products sum to `J_{s,i}ᵀ H_i J_{s,i}`, and G is still divided by
 * n, not by the number of rows.
 */
export interface BatchFactors {
  readonly a: Float64Array;
  readonly g: Float64Array;
}

/**
 * A dense block's batch factors left on the device (float32 tensors the caller owns): on every
 * backend but `cpu` the moving average is kept there too and read back only when the inverses are
 * recomputed (kfac.ts, "pending" factors), so a factor update costs two products and no transfer.
 */
export interface DeviceBatchFactors {
  readonly device: true;
  readonly a: tf.Tensor2D;
  readonly g: tf.Tensor2D;
}

/** Batch factors by block position in `plan.blocks` (fallback entries have none). */
export type BatchStatistics = Map<number, BatchFactors | DeviceBatchFactors>;

/** Whether a block's batch factors stayed on the device. */
export function onDevice(b: BatchFactors | DeviceBatchFactors): b is DeviceBatchFactors {
  return (b as DeviceBatchFactors).device === true;
}

/** `(1/divisor) Xᵀ X` as a float32 device tensor (ones column appended when `ones`), transpose materialised (see placement.ts). */
export function deviceFactorProduct(x: tf.Tensor2D, ones: boolean, divisor: number): tf.Tensor2D {
  const rows = x.shape[0];
  return tf.tidy(() => {
    const a = ones ? tf.concat([x, tf.ones([rows, 1])], 1) : x;
    return tf.div(tf.matMul(tf.transpose(a), a), divisor) as tf.Tensor2D;
  });
}

/**
 * `(1/divisor) Xᵀ X` in float64 for a row-major float32 `X` `[rows, cols]`, with a column of ones
 * appended when `ones` (the bias). X is transposed on the host (O(rows·cols)) so linalg's float64
 * Gram `gram64` (products of float32 numbers are exact in float64; only sums round) forms it.
 */
export function crossProduct(x: Float32Array, rows: number, cols: number, ones: boolean, divisor: number): Float64Array {
  const width = cols + (ones ? 1 : 0);
  const transposed = new Float32Array(width * rows);
  for (let i = 0; i < rows; i++) {
    const src = i * cols;
    for (let j = 0; j < cols; j++) transposed[j * rows + i] = x[src + j]!;
  }
  if (ones) transposed.fill(1, cols * rows);
  const out = gram64(transposed, width, rows).data;
  for (let i = 0; i < out.length; i++) out[i]! /= divisor;
  return out;
}

/**
 * `(1/divisor) Xᵀ X` (ones column appended when `ones`) for a tensor `X` `[rows, cols]`: on the
 * host in float64 (`crossProduct`) on the cpu backend, else on the device in float32, reading back
 * only the `[cols(+1), cols(+1)]` result (placement.ts). Either way the caller gets float64, in
 * which the moving average and the inverses are kept.
 */
export async function factorProduct(x: tf.Tensor2D, ones: boolean, divisor: number): Promise<Float64Array> {
  const [rows, cols] = x.shape;
  if (productsOnHost()) return crossProduct((await x.data()) as Float32Array, rows, cols, ones, divisor);
  const product = deviceFactorProduct(x, ones, divisor);
  try {
    return Float64Array.from((await product.data()) as Float32Array);
  } finally {
    product.dispose();
  }
}

/**
 * The step's curvature context when it is @precond/nn's (a run's, for a model built with nn), whose
 * linearisation the statistics can share; null when the step has none (a context made without a
 * curvature provider) or another package's.
 */
function sharedContext(ctx: StepContext): NnCurvatureContext | null {
  let context: unknown;
  try {
    context = ctx.curvature();
  } catch {
    // No curvature provider in this step: K-FAC's own capture needs none.
    return null;
  }
  return context instanceof NnCurvatureContext ? context : null;
}

/**
 * Factors from a capture of a `sequentialModel` with the cotangents of the estimation mode (`ggn`
 * runs `k` rows per sample). With the step's nn curvature context (the runner's), the capture is
 * one reverse sweep from the context's linearisation, whose forward pass the step's other curvature
 * users share, and `ggn`'s `n·k` rows cost no repeated forward pass; otherwise K-FAC runs its own
 * forward pass and a capture of the batch with each row repeated `k` times.
 */
export async function captureStatistics(ctx: StepContext, model: SequentialModel, plan: Plan, mode: EstimationMode): Promise<BatchStatistics> {
  const { x, y } = ctx.batch;
  const n = x.shape[0];
  const values = ctx.params.map((p) => p.variable);
  const shared = sharedContext(ctx);
  // Outputs made here (not the shared context's, which it owns) are freed at the end.
  let ownOutputs: tf.Tensor2D | null = null;
  const forward = () => (shared ? shared.outputs() : (ownOutputs ??= model.forward(values, x)));
  let cotangents: Cotangents | null = null;
  let rows: tf.Tensor2D | null = null;
  try {
    cotangents =
      mode === 'empirical'
        ? empiricalCotangents(ctx.loss, forward, y)
        : mode === 'fisher'
          ? await fisherCotangents(ctx.loss, lossForm(ctx.loss, forward, y), forward, y, ctx.rng)
          : await ggnCotangents(ctx.loss, lossForm(ctx.loss, forward, y), forward, y);
    const r = cotangents.replicate;
    let capture: Capture;
    let factorStride = 1;
    if (shared) {
      // Factors with one row per sample, probe gradients with r.
      capture = shared.capture(cotangents.cotangent, r);
    } else {
      // Row i·r + c of the capture is sample i with cotangent c (nn's replicated Jacobian capture).
      rows = r === 1 ? x : repeatRows(x, r);
      capture = captureLayers(model, values, rows, cotangents.cotangent);
      factorStride = r;
    }
    try {
      const byIndex = new Map<number, CapturedLayer>(capture.layers.map((c) => [c.index, c]));
      const out: BatchStatistics = new Map();
      try {
        for (const [position, block] of plan.blocks.entries()) {
          if (block.kind === 'fallback') continue;
          const captured = byIndex.get(block.layerIndex);
          if (!captured) throw new Error(`kfac: layer '${block.layer}' was not captured; the model no longer matches the plan made at the first update`);
          const factor =
            factorStride === 1 ? captured.factor : (tf.stridedSlice(captured.factor, [0, 0], [n * factorStride, captured.factor.shape[1]], [factorStride, 1]) as tf.Tensor2D);
          try {
            out.set(position, block.kind === 'dense' ? await denseFactors(block, factor, captured.probeGradient, n) : await embeddingFactors(block, factor, captured.probeGradient, n));
          } finally {
            if (factor !== captured.factor) factor.dispose();
          }
        }
      } catch (error) {
        disposeStatistics(out);
        throw error;
      }
      return out;
    } finally {
      capture.dispose();
    }
  } finally {
    const o = ownOutputs as tf.Tensor2D | null;
    o?.dispose();
    cotangents?.cotangent.dispose();
    if (rows && rows !== x) rows.dispose();
  }
}

/** Frees the device tensors of batch statistics (host arrays need nothing). */
export function disposeStatistics(statistics: BatchStatistics): void {
  for (const b of statistics.values()) if (onDevice(b)) tf.dispose([b.a, b.g]);
}

/**
 * Dense factors from the inputs `a` `[n, in]` and the rows of pre-activation gradients `[m, out]`:
 * float64 on the host on the `cpu` backend, float32 tensors left on the device elsewhere.
 */
async function denseFactors(block: DenseBlockPlan, a: tf.Tensor2D, g: tf.Tensor2D, n: number): Promise<BatchFactors | DeviceBatchFactors> {
  if (!productsOnHost()) return { device: true, a: deviceFactorProduct(a, block.bias !== null, n), g: deviceFactorProduct(g, false, n) };
  return { a: await factorProduct(a, block.bias !== null, n), g: await factorProduct(g, false, n) };
}

/**
 * Embedding factors (K-FAC for a linear map shared across T positions, "expand" setting of
 * Eschenhagen et al. 2023): sample i's gradient is `Σ_t e_{id_it} g_itᵀ`; dropping the cross-position
 * terms and factoring over the n·T (sample, position) pairs gives
 *   `A = (1/n) Σ_{i,t} e_{id_it} e_{id_it}ᵀ = diag(token counts)/n`,
 *   `G = (1/(nT)) Σ_{i,t} g_it g_itᵀ`,
 * which is the dense block's scaling for T = 1 (a one-hot input is the dense layer's `a`).
 */
async function embeddingFactors(block: EmbeddingBlockPlan, ids: tf.Tensor2D, g: tf.Tensor2D, n: number): Promise<BatchFactors> {
  const counts = new Float64Array(block.vocabSize);
  for (const id of (await ids.data()) as Float32Array) {
    const v = Math.round(id);
    // An id outside the table cannot reach here (the lookup would have failed), but a NaN id
    // makes the statistics non-finite rather than a silent miscount.
    if (v >= 0 && v < block.vocabSize) counts[v]! += 1;
    else counts.fill(Number.NaN);
  }
  // Integer counts divided once, so A is the exact quotient count/n.
  for (let v = 0; v < counts.length; v++) counts[v]! /= n;
  const rows = tf.reshape(g, [g.shape[0] * block.tokens, block.dim]) as tf.Tensor2D;
  try {
    return { a: counts, g: await factorProduct(rows, false, n * block.tokens) };
  } finally {
    rows.dispose();
  }
}

/**
 * Factors of a `statistics` plan from the step's `layerStatistics()` (inputs with the ones column,
 * loss-gradient rows). For `ggn`, G is read from the bias block of the summed-loss GGN instead:
 * a bias's input is the constant 1, so `(Σ_i Jᵀ H J)_{bb} = Σ_i J_{s,i}ᵀ H_i J_{s,i} = n·G_ggn`,
 * one column per `ggnVectorProduct` with a one-hot bias direction (`out` products per layer).
 */
export async function contractStatistics(ctx: StepContext, plan: Plan, mode: EstimationMode): Promise<BatchStatistics> {
  const curvature = ctx.curvature();
  const statistics = curvature.layerStatistics();
  const out: BatchStatistics = new Map();
  for (const [position, block] of plan.blocks.entries()) {
    if (block.kind !== 'dense') continue;
    const stat = statistics.find((s) => s.layer === block.layer);
    if (!stat) throw new Error(`kfac: the step's layerStatistics() no longer report layer '${block.layer}', which the plan made at the first update has`);
    const n = stat.inputs.shape[0];
    const a = await factorProduct(stat.inputs, false, n);
    const g = mode === 'ggn' ? await ggnFactorFromBias(ctx, block, n) : await factorProduct(stat.outputGradients, false, n);
    out.set(position, { a, g });
  }
  return out;
}

async function ggnFactorFromBias(ctx: StepContext, block: DenseBlockPlan, n: number): Promise<Float64Array> {
  const out = block.outputSize;
  const bias = block.bias!;
  const g = new Float64Array(out * out);
  const zeros = ctx.params.map((p, i): tf.Tensor | null => (i === bias ? null : tf.zerosLike(p.variable as tf.Tensor)));
  try {
    for (let q = 0; q < out; q++) {
      const unit = new Float32Array(out);
      unit[q] = 1;
      const direction = tf.tensor1d(unit);
      try {
        const product = ctx.curvature().ggnVectorProduct(zeros.map((z) => z ?? direction));
        try {
          const column = (await product[bias]!.data()) as Float32Array;
          for (let p = 0; p < out; p++) g[p * out + q] = column[p]! / n;
        } finally {
          tf.dispose(product);
        }
      } finally {
        direction.dispose();
      }
    }
  } finally {
    tf.dispose(zeros.filter((z): z is tf.Tensor => z !== null));
  }
  // The GGN is symmetric; average the two triangles so rounding leaves G exactly symmetric.
  for (let p = 0; p < out; p++) {
    for (let q = 0; q < p; q++) {
      const m = (g[p * out + q]! + g[q * out + p]!) / 2;
      g[p * out + q] = m;
      g[q * out + p] = m;
    }
  }
  return g;
}
