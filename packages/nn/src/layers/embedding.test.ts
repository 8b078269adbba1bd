import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { initializer } from '../initializer.js';
import { embeddingLayer } from './embedding.js';
import { isAffineLayer } from './layer.js';

const TABLE = [
  [1, 2],
  [3, 4],
  [5, 6],
];

describe('embeddingLayer', () => {
  it('declares embeddings [vocab, dim], N(0, 1) by default', () => {
    const layer = embeddingLayer({ name: 'embedding', vocabSize: 3, dim: 2, sequenceLength: 2 });
    expect(layer).toMatchObject({ kind: 'embedding', vocabSize: 3, dim: 2, sequenceLength: 2 });
    expect(layer.params.map((p) => [p.name, p.shape])).toEqual([['embeddings', [3, 2]]]);
    expect(layer.params[0]!.init([3, 2], new Rng(4))).toEqual(initializer('normal')([3, 2], new Rng(4)));
    // Its inputs are ids, not features: it has curvature rules of its own, not an affine structure.
    expect(isAffineLayer(layer)).toBe(false);
    expect(layer.curvature?.capture?.probeWidth).toBe(4);
  });

  it('looks up and concatenates the vectors of each sample’s tokens', () => {
    const layer = embeddingLayer({ name: 'embedding', vocabSize: 3, dim: 2, sequenceLength: 2 });
    const table = tf.tensor2d(TABLE);
    const ids = tf.tensor2d([
      [2, 0],
      [1, 1],
    ]);
    // Row 0: E[2] ⊕ E[0] = [5, 6, 1, 2]; row 1: E[1] ⊕ E[1] = [3, 4, 3, 4].
    const y = layer.forward([table], ids);
    expect(y.arraySync()).toEqual([
      [5, 6, 1, 2],
      [3, 4, 3, 4],
    ]);
    // Forward mode: the tangent is the lookup of the tangent table; the output is the lookup itself.
    const tangentTable = tf.tensor2d([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    const { output, tangent } = layer.curvature!.jvp([table], [tangentTable], ids, null);
    expect(output.arraySync()).toEqual(y.arraySync());
    expect(tangent!.arraySync()).toEqual([
      [0, 3, 0, 1],
      [0, 2, 0, 2],
    ]);
    tf.dispose([table, ids, y, tangentTable, output, tangent!]);
  });

  it('builds per-row Jacobian blocks Σ_t onehot(id_t) ⊗ g_t', () => {
    const layer = embeddingLayer({ name: 'embedding', vocabSize: 3, dim: 2, sequenceLength: 2 });
    const ids = tf.tensor2d([
      [2, 0],
      [1, 1],
    ]) as tf.Tensor2D;
    const g = tf.tensor2d([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]) as tf.Tensor2D;
    const [block] = layer.curvature!.capture!.jacobianBlocks(ids, g);
    // Row 0: token 2 gets g_0 = [1, 2], token 0 gets g_1 = [3, 4]: E-flattened [3, 4, 0, 0, 1, 2].
    // Row 1: token 1 twice: [5 + 7, 6 + 8] in its row: [0, 0, 12, 14, 0, 0].
    expect(block!.arraySync()).toEqual([
      [3, 4, 0, 0, 1, 2],
      [0, 0, 12, 14, 0, 0],
    ]);
    tf.dispose([ids, g, block!]);
  });

  it('names the layer, the field and the value in its errors', () => {
    expect(() => embeddingLayer({ name: 'e', vocabSize: 0, dim: 2 })).toThrow("embedding layer 'e': vocabSize must be a positive integer, got 0");
    expect(() => embeddingLayer({ name: 'e', vocabSize: 3, dim: 1.5 })).toThrow("embedding layer 'e': dim must be a positive integer, got 1.5");
    expect(() => embeddingLayer({ name: 'e/1', vocabSize: 3, dim: 2 })).toThrow(/embedding layer name .* got 'e\/1'/);
    const layer = embeddingLayer({ name: 'e', vocabSize: 3, dim: 2 });
    const table = tf.tensor2d(TABLE);
    const wide = tf.zeros([2, 2]);
    expect(() => layer.forward([table], wide)).toThrow("embedding layer 'e' expects token ids shaped [n, 1], got [2, 2]");
    const ids = tf.zeros([2, 1]);
    expect(() => layer.curvature!.jvp([table], [table], ids, ids)).toThrow("embedding layer 'e' reads token ids, which have no tangent: it must be the first layer of the model");
    tf.dispose([table, wide, ids]);
  });

  it('scatters the row gradients into the table with tableGradient: scatter, summing repeated ids', () => {
    const segment = embeddingLayer({ name: 'e', vocabSize: 3, dim: 2, sequenceLength: 2 });
    const scatter = embeddingLayer({ name: 'e', vocabSize: 3, dim: 2, sequenceLength: 2, tableGradient: 'scatter' });
    expect([segment.tableGradient, scatter.tableGradient]).toEqual(['segment-sum', 'scatter']);
    const table = tf.tensor2d(TABLE);
    const ids = tf.tensor2d([
      [2, 0],
      [1, 1],
    ]);
    const g = tf.tensor2d([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const gradientOf = (layer: typeof scatter) => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.forward([t], ids), g)))(table).arraySync());
    // Row 0 of the table is read once (sample 0, token 1: g = [3, 4]), row 1 twice (sample 1:
    // [5, 6] + [7, 8]), row 2 once (sample 0, token 0: [1, 2]).
    const expected = [
      [3, 4],
      [12, 14],
      [1, 2],
    ];
    const before = tf.memory().numTensors;
    expect(gradientOf(scatter)).toEqual(expected);
    expect(gradientOf(segment)).toEqual(expected);
    expect(tf.memory().numTensors).toBe(before);
    // The forward pass is the same lookup.
    const [a, b] = [segment, scatter].map((layer) => layer.forward([table], ids));
    expect(b!.arraySync()).toEqual(a!.arraySync());
    expect(() => embeddingLayer({ name: 'e', vocabSize: 3, dim: 2, tableGradient: 'sorted' as 'scatter' })).toThrow(
      "embedding layer 'e': tableGradient must be one of segment-sum, scatter, got 'sorted'",
    );
    tf.dispose([table, ids, g, a!, b!]);
  });
});
