import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { copyKernelChecks, fixedTensor, wasmKernelReplacementSuite } from '../test-support/wasm-kernel-replacement.js';
import { registerSliceCopyTile } from './slice-copy-tile.js';

interface Case {
  readonly name: string;
  readonly x: readonly number[];
  readonly reps: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
}

/**
 * The project's tiles (a batch repeated per output, `[n, 1, d]` by `[1, k, 1]`; a block identity
 * `[k, k]` by `[n, 1]`; per-sample Hessians `[1, k, k]` by `[n, 1, 1]`) and the kernel's other paths:
 * rows shorter and longer than the `set` threshold, repeats on every dimension at once, rank 1 and
 * 4, repeats of 1 (a copy), empty inputs, int32 and bool values.
 */
const CASES: readonly Case[] = [
  { name: 'batch per output [20, 1, 784] × [1, 10, 1]', x: [20, 1, 784], reps: [1, 10, 1], dtype: 'float32' },
  { name: 'block identity [23, 23] × [30, 1]', x: [23, 23], reps: [30, 1], dtype: 'float32' },
  { name: 'per-sample Hessians [1, 3, 3] × [7, 1, 1]', x: [1, 3, 3], reps: [7, 1, 1], dtype: 'float32' },
  { name: 'every dimension [2, 3, 40] × [3, 2, 2]', x: [2, 3, 40], reps: [3, 2, 2], dtype: 'float32' },
  { name: 'rank 1 [5] × [4]', x: [5], reps: [4], dtype: 'float32' },
  { name: 'rank 4 [2, 1, 3, 2] × [2, 3, 1, 2]', x: [2, 1, 3, 2], reps: [2, 3, 1, 2], dtype: 'float32' },
  { name: 'all ones [4, 6] × [1, 1]', x: [4, 6], reps: [1, 1], dtype: 'float32' },
  { name: 'empty [0, 3] × [2, 2]', x: [0, 3], reps: [2, 2], dtype: 'float32' },
  { name: 'zero repeats [2, 3] × [2, 0]', x: [2, 3], reps: [2, 0], dtype: 'float32' },
  { name: 'int32 [3, 50] × [2, 3]', x: [3, 50], reps: [2, 3], dtype: 'int32' },
  { name: 'bool [4, 2] × [3, 5]', x: [4, 2], reps: [3, 5], dtype: 'bool' },
];

function evaluate(c: Case, seed: number): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    const x = fixedTensor(c.x, c.dtype, seed);
    const out = tf.tile(x, [...c.reps]);
    return { shape: out.shape, values: Array.from(out.dataSync()) };
  });
}

describe('slice-copy Tile on wasm', () => {
  wasmKernelReplacementSuite(tf.Tile, registerSliceCopyTile);
  copyKernelChecks(CASES, evaluate);

  it('repeats by construction: [[1, 2], [3, 4]] tiled [2, 3]', () => {
    // Expected by hand: the 2 × 2 block three times across and twice down.
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const got = tf.tile(x, [2, 3]);
    expect(got.arraySync()).toEqual([
      [1, 2, 1, 2, 1, 2],
      [3, 4, 3, 4, 3, 4],
      [1, 2, 1, 2, 1, 2],
      [3, 4, 3, 4, 3, 4],
    ]);
    tf.dispose([x, got]);
  });

  it('keeps tile’s gradient: the sum of the output cotangent over the copies of each entry', () => {
    const x = tf.tensor2d([[1, 2]]);
    const u = tf.tensor2d([
      [1, 10, 100, 1000],
      [2, 20, 200, 2000],
    ]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, [2, 2]), u)))(x);
    // Entry (0, 0) appears at columns 0 and 2 of both rows: 1 + 100 + 2 + 200; entry (0, 1) at 1 and 3.
    expect(g.arraySync()).toEqual([[303, 3030]]);
    tf.dispose([x, u, g]);
  });
});
