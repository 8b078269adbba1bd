import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixedValues, wasmKernelReplacementSuite } from '../test-support/wasm-kernel-replacement.js';
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
    const size = c.x.reduce((p, d) => p * d, 1);
    const raw = fixedValues(size, seed);
    const x =
      c.dtype === 'float32'
        ? tf.tensor(raw, [...c.x])
        : tf.tensor(Int32Array.from(raw, (v) => (c.dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 1000))), [...c.x], c.dtype);
    const out = tf.tile(x, [...c.reps]);
    return { shape: out.shape, values: Array.from(out.dataSync()) };
  });
}

describe('slice-copy Tile on wasm', () => {
  wasmKernelReplacementSuite(tf.Tile, registerSliceCopyTile);

  it('gives exactly the cpu kernel’s values and shapes for every case', async () => {
    const onWasm = CASES.map((c, i) => evaluate(c, 200 + i));
    // The reference: tfjs's own cpu kernel, an independent implementation; tiling copies values.
    await tf.setBackend('cpu');
    const onCpu = CASES.map((c, i) => evaluate(c, 200 + i));
    await tf.setBackend('wasm');
    CASES.forEach((c, i) => {
      expect(onWasm[i]!.shape, c.name).toEqual(onCpu[i]!.shape);
      expect(onWasm[i]!.values, c.name).toEqual(onCpu[i]!.values);
    });
  });

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

  it('leaves no tensor and no wasm buffer behind', () => {
    const backend = tf.findBackend('wasm')!;
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let round = 0; round < 3; round++) for (const [i, c] of CASES.entries()) evaluate(c, i);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
