import * as tf from '@tensorflow/tfjs-core';
import { matMul64 } from '@precond/linalg';
import type { DenseBlockPlan, EmbeddingBlockPlan } from './plan.js';

/**
 * The inverses of one Kronecker block: float64 on the host, with float32 device copies made on
 * first use by backends other than `cpu` (see `productsOnHost`).
 */
export interface BlockInverses {
  /** `(A + π√λ I)⁻¹`: `[dimA, dimA]` row-major, or its diagonal `[vocab]` for an embedding. */
  readonly a: Float64Array;
  /** `(G + √λ/π I)⁻¹` `[out, out]`. */
  readonly g: Float64Array;
}

/**
 * `A⁻¹ ∇ G⁻¹` for a dense layer: the kernel gradient `[in, out]` and the bias gradient `[out]`
 * stacked as the `[in+1, out]` gradient of `W̃ = [W; bᵀ]` (the bias is the weight of the ones
 * column of ã), preconditioned as one block, then split back into kernel and bias.
 * With `F ≈ A ⊗ G` and `vec` stacking rows, `(A ⊗ G)⁻¹ vec(X) = vec(A⁻¹ X G⁻¹)` (G symmetric).
 */
export function applyDense(block: DenseBlockPlan, inverses: BlockInverses, device: DeviceInverses | null, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor[] {
  const { inputSize: n, outputSize: m } = block;
  const rows = n + (bias ? 1 : 0);
  if (!device) {
    // Host products only on the cpu backend (`productsOnHost`: the caller passes no device copies
    // exactly there), whose tensors live in JavaScript memory: `dataSync` is a copy, and no GPU
    // tensor reaches this synchronous read (`apply` is synchronous by contract).
    const x = new Float64Array(rows * m);
    x.set(kernel.dataSync() as Float32Array);
    if (bias) x.set(bias.dataSync() as Float32Array, n * m);
    const y = matMul64(matMul64({ rows, cols: rows, data: inverses.a }, { rows, cols: m, data: x }), { rows: m, cols: m, data: inverses.g }).data;
    const out: tf.Tensor[] = [tf.tensor2d(Float32Array.from(y.subarray(0, n * m)), [n, m])];
    if (bias) out.push(tf.tensor1d(Float32Array.from(y.subarray(n * m))));
    return out;
  }
  return tf.tidy(() => {
    const x = bias ? tf.concat([kernel as tf.Tensor2D, tf.reshape(bias, [1, m])], 0) : (kernel as tf.Tensor2D);
    const y = tf.matMul(tf.matMul(device.a as tf.Tensor2D, x), device.g);
    if (!bias) return [y];
    return [tf.slice(y, [0, 0], [n, m]), tf.reshape(tf.slice(y, [n, 0], [1, m]), [m])];
  });
}

/** `diag(A⁻¹) ∇E G⁻¹` for an embedding table `[vocab, dim]`. */
export function applyEmbedding(block: EmbeddingBlockPlan, inverses: BlockInverses, device: DeviceInverses | null, table: tf.Tensor): tf.Tensor {
  const { vocabSize: v, dim: d } = block;
  if (!device) {
    // The cpu backend only (see applyDense): a synchronous read there is a copy.
    const x = Float64Array.from(table.dataSync() as Float32Array);
    for (let i = 0; i < v; i++) {
      const s = inverses.a[i]!;
      for (let j = 0; j < d; j++) x[i * d + j]! *= s;
    }
    const y = matMul64({ rows: v, cols: d, data: x }, { rows: d, cols: d, data: inverses.g }).data;
    return tf.tensor2d(Float32Array.from(y), [v, d]);
  }
  return tf.tidy(() => tf.matMul(tf.mul(tf.reshape(device.a, [v, 1]), table), device.g));
}

/** Float32 device copies of a block's inverses. */
export interface DeviceInverses {
  readonly a: tf.Tensor2D | tf.Tensor1D;
  readonly g: tf.Tensor2D;
}

/** Make the device copies (kept past any enclosing `tf.tidy`; the caller disposes them). */
export function deviceInverses(inverses: BlockInverses, dimA: number, diagonalA: boolean, dimG: number): DeviceInverses {
  const a = diagonalA ? tf.tensor1d(Float32Array.from(inverses.a)) : tf.tensor2d(Float32Array.from(inverses.a), [dimA, dimA]);
  const g = tf.tensor2d(Float32Array.from(inverses.g), [dimG, dimG]);
  return { a: tf.keep(a), g: tf.keep(g) };
}

/**
 * The `diagonal` fallback: `d = g / √(D + λ)` with `D` the moving average of `g ⊙ g` (the batch
 * gradient's squares: the diagonal of the empirical Fisher of a batch of one, as RMSprop and
 * Adagrad keep it). The square root is deliberate: `(∇L)²` is a rank-one estimate, and its inverse
 * would give steps of size `1/|g|` that blow up as the gradient vanishes; RMSprop's `D^{-1/2}`
 * gives steps of at most about one unit per coordinate (`|g|/√(decay·D + (1−decay)g²) ≤ 1/√(1−decay)`).
 */
export function applyDiagonal(second: tf.Tensor, damping: number, gradient: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(gradient, tf.sqrt(tf.add(second, damping))));
}
