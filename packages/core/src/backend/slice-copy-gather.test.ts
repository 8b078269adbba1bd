import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { copyKernelChecks, fixedTensor, wasmKernelReplacementSuite } from '../test-support/wasm-kernel-replacement.js';
import { registerSliceCopyGather } from './slice-copy-gather.js';

interface Case {
  readonly name: string;
  readonly x: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly indices: readonly number[];
  readonly indexShape: readonly number[];
  readonly axis: number;
  readonly batchDims?: number;
}

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/**
 * The shapes the project gathers (minibatch rows of a dataset, embedding rows for a [B, T] batch of
 * tokens) and the other paths of the kernel: slices shorter than the `set` threshold, inner axes,
 * negative axes, repeated and empty index lists, int32 values, batchDims, and bool values (left to
 * the original kernel).
 */
const CASES: readonly Case[] = [
  { name: 'minibatch rows [1000, 784]', x: [1000, 784], dtype: 'float32', indices: range(200, (i) => (i * 7919) % 1000), indexShape: [200], axis: 0 },
  { name: 'embedding rows [98, 128] by [12, 5] tokens', x: [98, 128], dtype: 'float32', indices: range(60, (i) => (i * 31) % 98), indexShape: [12, 5], axis: 0 },
  { name: 'short rows [50, 3] with repeats', x: [50, 3], dtype: 'float32', indices: [4, 4, 49, 0, 4], indexShape: [5], axis: 0 },
  { name: 'inner axis [6, 40, 9]', x: [6, 40, 9], dtype: 'float32', indices: [39, 0, 17], indexShape: [3], axis: 1 },
  { name: 'last axis by -1 [7, 11]', x: [7, 11], dtype: 'float32', indices: [10, 2, 2, 5], indexShape: [2, 2], axis: -1 },
  { name: 'int32 values [30, 40]', x: [30, 40], dtype: 'int32', indices: [29, 3, 3], indexShape: [3], axis: 0 },
  { name: 'no indices', x: [10, 4], dtype: 'float32', indices: [], indexShape: [0], axis: 0 },
  // tfjs-backend-wasm's own kernel gets this one wrong (20 of 30 values differ from cpu's).
  { name: 'batchDims 1 [3, 8, 5] by [3, 2]', x: [3, 8, 5], dtype: 'float32', indices: [1, 7, 0, 2, 2, 6], indexShape: [3, 2], axis: 1, batchDims: 1 },
  { name: 'batchDims 1 on the last axis [2, 3, 6] by [2, 4]', x: [2, 3, 6], dtype: 'int32', indices: [5, 0, 0, 3, 1, 2, 4, 5], indexShape: [2, 4], axis: 2, batchDims: 1 },
  { name: 'bool values (original kernel)', x: [9, 4], dtype: 'bool', indices: [8, 1], indexShape: [2], axis: 0 },
];

function evaluate(c: Case, seed: number): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    const x = fixedTensor(c.x, c.dtype, seed);
    const out = tf.gather(x, tf.tensor(c.indices, [...c.indexShape], 'int32'), c.axis, c.batchDims ?? 0);
    return { shape: out.shape, values: Array.from(out.dataSync()) };
  });
}

describe('slice-copy GatherV2 on wasm', () => {
  wasmKernelReplacementSuite(tf.GatherV2, registerSliceCopyGather);
  copyKernelChecks(CASES, evaluate);

  it('copies the rows it is asked for: row r of a [5, 40] matrix holding 100·r + column', () => {
    // Expected values by construction, independent of any backend.
    const x = tf.tensor2d(Float32Array.from({ length: 200 }, (_, e) => 100 * Math.floor(e / 40) + (e % 40)), [5, 40]);
    const got = tf.gather(x, tf.tensor1d([3, 0, 3], 'int32'));
    expect(got.arraySync()).toEqual([3, 0, 3].map((r) => Array.from({ length: 40 }, (_, c) => 100 * r + c)));
    tf.dispose([x, got]);
  });

  it('refuses an index outside the axis with the original kernel’s message, leaving nothing behind', () => {
    const x = tf.zeros([4, 40]);
    const tensors = tf.memory().numTensors;
    expect(() => tf.gather(x, tf.tensor1d([1, 4], 'int32'))).toThrow('GatherV2: the index value 4 is not in [0, 3]');
    expect(() => tf.gather(x, tf.tensor1d([-1], 'int32'))).toThrow('GatherV2: the index value -1 is not in [0, 3]');
    // The index tensors made inline are the only ones left; the kernel made no output.
    expect(tf.memory().numTensors).toBe(tensors + 2);
    x.dispose();
  });

  it('keeps gather’s gradient: Σ u ⊙ gather(x, ids) sums u into the gathered rows', () => {
    const x = tf.zeros([4, 40]);
    const u = tf.tensor2d(Float32Array.from({ length: 120 }, (_, e) => e), [3, 40]);
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), u)))(x);
    const rows = g.arraySync() as number[][];
    // Row 2 is gathered twice (u rows 0 and 2), row 0 once (u row 1), rows 1 and 3 never.
    expect(rows[2]).toEqual(range(40, (c) => c + (80 + c)));
    expect(rows[0]).toEqual(range(40, (c) => 40 + c));
    expect(rows[1]).toEqual(range(40, () => 0));
    expect(rows[3]).toEqual(range(40, () => 0));
    tf.dispose([x, u, ids, g]);
  });
});
