import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { initializer } from '../initializer.js';
import { positionEmbedding } from './position-embedding.js';

describe('positionEmbedding', () => {
  it('declares embeddings [T, dim], N(0, 1) by default', () => {
    const layer = positionEmbedding({ name: 'position', sequenceLength: 3, dim: 2 });
    expect(layer).toMatchObject({ kind: 'position-embedding', sequenceLength: 3, dim: 2 });
    expect(layer.params.map((p) => [p.name, p.shape])).toEqual([['embeddings', [3, 2]]]);
    expect(layer.params[0]!.init([3, 2], new Rng(4))).toEqual(initializer('normal')([3, 2], new Rng(4)));
  });

  it('adds P_t to token t of every sample, and its tangent dP_t (plus dx) in forward mode', () => {
    const layer = positionEmbedding({ name: 'position', sequenceLength: 3, dim: 2 });
    const table = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const x = tf.tensor2d([
      [0, 0, 0, 0, 0, 0],
      [10, 20, 30, 40, 50, 60],
    ]);
    // Row-major [T, 2] is the input's column layout: P = [1, 2, 3, 4, 5, 6] added to each row.
    const y = layer.forward([table], x);
    expect(y.arraySync()).toEqual([
      [1, 2, 3, 4, 5, 6],
      [11, 22, 33, 44, 55, 66],
    ]);
    const dTable = tf.tensor2d([
      [0, 1],
      [0, 0],
      [2, 0],
    ]);
    const dataOnly = layer.curvature!.jvp([table], [dTable], x, null);
    expect(dataOnly.tangent!.arraySync()).toEqual([
      [0, 1, 0, 0, 2, 0],
      [0, 1, 0, 0, 2, 0],
    ]);
    const dx = tf.onesLike(x);
    const both = layer.curvature!.jvp([table], [dTable], x, dx);
    expect(both.tangent!.arraySync()).toEqual([
      [1, 2, 1, 1, 3, 1],
      [1, 2, 1, 1, 3, 1],
    ]);
    expect(both.output.arraySync()).toEqual(y.arraySync());
    tf.dispose([table, x, y, dTable, dx, dataOnly.output, dataOnly.tangent!, both.output, both.tangent!]);
  });

  it('names the layer, the field and the value in its errors', () => {
    expect(() => positionEmbedding({ name: 'p', sequenceLength: 0, dim: 2 })).toThrow("position embedding 'p': sequenceLength must be a positive integer, got 0");
    const layer = positionEmbedding({ name: 'p', sequenceLength: 3, dim: 2 });
    const table = tf.zeros([3, 2]);
    const x = tf.zeros([1, 5]);
    expect(() => layer.forward([table], x)).toThrow("position embedding 'p' expects inputs shaped [n, 6] (3 × 2), got [1, 5]");
    tf.dispose([table, x]);
  });
});
