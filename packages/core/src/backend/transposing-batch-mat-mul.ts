import * as tf from '@tensorflow/tfjs-core';

import { replaceKernel } from './replace-kernel.js';

/** Marks a BatchMatMul config made by `registerTransposingBatchMatMul`, so a second call keeps it. */
const WRAPPED = Symbol.for('@precond/core:transposing-batch-mat-mul');

/**
 * Replaces `backendName`'s BatchMatMul kernel (every `tf.matMul`) by one that, for a single matrix
 * product (no batch, or batch dimensions of size 1), materialises a transposed operand with the
 * backend's own Transpose kernel and then runs the original kernel untransposed. Returns whether it replaced the kernel (false when the backend has no BatchMatMul
 * or no Transpose kernel, or when it is already replaced).
 *
 * Why: tfjs-backend-wasm 4.22 multiplies transposed operands in a plain loop but untransposed ones
 * through its fast path. Measured on 2 cores: `[1536,128]·[128,512]` takes 24 ms, the same product
 * with either operand transposed 350-430 ms, while transposing a `[1536,128]` operand costs well
 * under a millisecond. Every backward pass multiplies by transposed operands (the gradient of
 * `a·b` is `dy·bᵀ` and `aᵀ·dy`), so on wasm a transformer's backward pass cost 13-20 forward passes.
 *
 * Batched products (`[B, m, k]·[B, k, n]`, B > 1) are left to the original kernel: on wasm they take
 * the slow loop whether or not an operand is transposed (`[256,32,32]` products: 31 ms untransposed,
 * 31-38 ms transposed), so a copy would only add work.
 *
 * Only the last two dimensions are transposed, so broadcasting of the batch dimensions, the
 * output and the gradients (registered by kernel name) are exactly those of the original kernel.
 * The transposed copies are freed before the kernel returns.
 *
 * @example
 *   import '@tensorflow/tfjs-backend-wasm';
 *   registerTransposingBatchMatMul('wasm');
 */
export function registerTransposingBatchMatMul(backendName: string): boolean {
  const transposeKernel = tf.getKernel(tf.Transpose, backendName);
  return replaceKernel(tf.BatchMatMul, backendName, WRAPPED, (original) => (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
    if ((!attrs.transposeA && !attrs.transposeB) || batchSize(a) > 1 || batchSize(b) > 1) return original.kernelFunc(args);
    const backend = args.backend as tf.KernelBackend;
    const copies: tf.TensorInfo[] = [];
    const lastTwoSwapped = (t: tf.TensorInfo): tf.TensorInfo => {
      const rank = t.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const out = transposeKernel!.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
      copies.push(out);
      return out;
    };
    try {
      return original.kernelFunc({
        inputs: { a: attrs.transposeA ? lastTwoSwapped(a) : a, b: attrs.transposeB ? lastTwoSwapped(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const copy of copies) backend.disposeData(copy.dataId);
    }
  }, () => transposeKernel !== undefined);
}

/** The number of matrices in a batched operand: the product of all but its last two dimensions. */
function batchSize(t: tf.TensorInfo): number {
  return t.shape.slice(0, -2).reduce((product, d) => product * d, 1);
}
