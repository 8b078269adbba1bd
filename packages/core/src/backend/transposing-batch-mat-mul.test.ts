import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixedValues, wasmKernelReplacementSuite } from '../test-support/wasm-kernel-replacement.js';
import { registerTransposingBatchMatMul } from './transposing-batch-mat-mul.js';

interface Case {
  readonly name: string;
  /** Shapes of a and b as stored, i.e. before the transposes. */
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** Whether the batch dimensions broadcast: tfjs 4.22's matMul gradient does not reduce them, so only the product is compared. */
  readonly broadcasts: boolean;
}

/** A matrix [rows, cols] as stored: transposed storage swaps the last two dimensions. */
const stored = (batch: readonly number[], rows: number, cols: number, transposed: boolean) => [...batch, ...(transposed ? [cols, rows] : [rows, cols])];

/**
 * Every transpose combination over the shapes the project's models multiply: dense layers
 * ([m, k]·[k, n], and their gradients), attention heads ([B, T, d]·[B, d, T] with B > 1, left to
 * the original kernel), rank 3 with a batch of one (which takes the transposing path), broadcasting
 * of a batch of one or of a rank-2 operand against a batch, and outer products with a dimension of 1.
 */
function cases(): Case[] {
  const shapes: Array<{ name: string; a: (t: boolean) => number[]; b: (t: boolean) => number[] }> = [
    { name: '2-D [7,5]·[5,6]', a: (t) => stored([], 7, 5, t), b: (t) => stored([], 5, 6, t) },
    { name: '2-D [48,40]·[40,24]', a: (t) => stored([], 48, 40, t), b: (t) => stored([], 40, 24, t) },
    { name: '2-D outer [6,1]·[1,4]', a: (t) => stored([], 6, 1, t), b: (t) => stored([], 1, 4, t) },
    { name: '2-D inner [1,9]·[9,1]', a: (t) => stored([], 1, 9, t), b: (t) => stored([], 9, 1, t) },
    { name: 'batch 1 [1,6,5]·[1,5,3]', a: (t) => stored([1], 6, 5, t), b: (t) => stored([1], 5, 3, t) },
    { name: 'batch 4 [4,3,8]·[4,8,3]', a: (t) => stored([4], 3, 8, t), b: (t) => stored([4], 8, 3, t) },
    { name: 'broadcast [1,3,5]·[4,5,2]', a: (t) => stored([1], 3, 5, t), b: (t) => stored([4], 5, 2, t) },
    { name: 'broadcast [4,3,5]·[1,5,2]', a: (t) => stored([4], 3, 5, t), b: (t) => stored([1], 5, 2, t) },
    { name: 'broadcast [4,3,5]·[5,2]', a: (t) => stored([4], 3, 5, t), b: (t) => stored([], 5, 2, t) },
    { name: 'broadcast [3,5]·[4,5,2]', a: (t) => stored([], 3, 5, t), b: (t) => stored([4], 5, 2, t) },
  ];
  return shapes.flatMap((s) =>
    [false, true].flatMap((transposeA) =>
      [false, true].map((transposeB) => ({
        name: `${s.name} tA=${transposeA} tB=${transposeB}`,
        a: s.a(transposeA),
        b: s.b(transposeB),
        transposeA,
        transposeB,
        broadcasts: s.name.startsWith('broadcast'),
      })),
    ),
  );
}

interface Outputs {
  readonly shape: number[];
  readonly product: Float32Array;
  readonly gradA: Float32Array | null;
  readonly gradB: Float32Array | null;
}

/** The product and both gradients of Σ u ⊙ matMul(a, b) (the backward pass multiplies by transposed operands too). */
function evaluate(c: Case, seed: number): Outputs {
  // Values are read inside the scope, so the tidy returns nothing and frees every tensor.
  let result: Outputs | undefined;
  tf.tidy(() => {
    const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
    const a = tf.tensor(fixedValues(size(c.a), seed), [...c.a]);
    const b = tf.tensor(fixedValues(size(c.b), seed + 1), [...c.b]);
    const product = tf.matMul(a, b, c.transposeA, c.transposeB);
    if (c.broadcasts) {
      result = { shape: product.shape, product: product.dataSync() as Float32Array, gradA: null, gradB: null };
      return;
    }
    const u = tf.tensor(fixedValues(product.size, seed + 2), product.shape);
    const [gradA, gradB] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.transposeA, c.transposeB), u)))([a, b]);
    result = {
      shape: product.shape,
      product: product.dataSync() as Float32Array,
      gradA: gradA!.dataSync() as Float32Array,
      gradB: gradB!.dataSync() as Float32Array,
    };
  });
  return result!;
}

/** max|x − y| / max|y|: normwise, so float32 rounding of sums (≤ ~1e-6 here) passes and a wrong kernel (error ~1) does not. */
function normwiseError(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return worst / (scale || 1);
}

describe('transposing BatchMatMul on wasm', () => {
  wasmKernelReplacementSuite(tf.BatchMatMul, registerTransposingBatchMatMul);

  it('gives the cpu kernel’s products and gradients for every transpose combination and broadcast shape', async () => {
    const all = cases();
    const onWasm = all.map((c, i) => evaluate(c, 100 * i));
    // The reference: the same products on tfjs's own cpu kernel, an independent implementation.
    await tf.setBackend('cpu');
    const onCpu = all.map((c, i) => evaluate(c, 100 * i));
    await tf.setBackend('wasm');
    all.forEach((c, i) => {
      const got = onWasm[i]!;
      const want = onCpu[i]!;
      expect(got.shape, c.name).toEqual(want.shape);
      expect(normwiseError(got.product, want.product), `${c.name}: product`).toBeLessThan(1e-5);
      if (c.broadcasts) return;
      expect(normwiseError(got.gradA!, want.gradA!), `${c.name}: gradient of a`).toBeLessThan(1e-5);
      expect(normwiseError(got.gradB!, want.gradB!), `${c.name}: gradient of b`).toBeLessThan(1e-5);
    });
  });

  it('leaves no tensor and no wasm buffer behind', () => {
    const backend = tf.findBackend('wasm')!;
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let round = 0; round < 3; round++) for (const [i, c] of cases().entries()) evaluate(c, i);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
