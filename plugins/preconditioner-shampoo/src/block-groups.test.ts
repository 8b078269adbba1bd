import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assembleGroups, blockGroups, stackBlocks, unstackBlocks } from './block-groups.js';
import { parameterLayout } from './layout.js';

function param(shape: [number, number], maxDim: number) {
  const layout = parameterLayout(shape, maxDim);
  if (layout.kind !== 'matrix') throw new Error('matrix expected');
  return { name: 'w', ...layout };
}

describe('block groups', () => {
  it('groups a 3×5 kernel with blocks of 2 by shape: 2×2 (2 blocks), 2×1, 1×2 (2 blocks), 1×1', () => {
    const groups = blockGroups(param([3, 5], 2));
    expect(groups.map((g) => [g.rows, g.cols, g.blockIndices])).toEqual([
      [2, 2, [0, 1]],
      [2, 1, [2]],
      [1, 2, [3, 4]],
      [1, 1, [5]],
    ]);
  });

  it.each([
    [[3, 5], 2],
    [[7, 9], 3],
    [[784, 250], 256],
    [[6, 6], 3],
    [[4, 10], 1024],
  ] as [[number, number], number][])('stacks each block of a %j matrix (blocks of %i) in place and reassembles it exactly', (shape, maxDim) => {
    const p = param(shape, maxDim);
    const groups = blockGroups(p);
    const m = tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, (_, i) => i), shape);
    const values = m.dataSync();
    for (const g of groups) {
      const stack = stackBlocks(m, g);
      const data = stack.dataSync();
      // Stack entry k is block blockIndices[k], read straight from the matrix.
      g.blockIndices.forEach((block, k) => {
        const b = p.blocks[block]!;
        for (let i = 0; i < b.rows; i++) {
          for (let j = 0; j < b.cols; j++) {
            expect(data[k * b.rows * b.cols + i * b.cols + j]).toBe(values[(b.row0 + i) * shape[1] + b.col0 + j]);
          }
        }
      });
      stack.dispose();
    }
    const back = tf.tidy(() => assembleGroups(groups.map((g) => unstackBlocks(stackBlocks(m, g), g)), groups));
    expect(Array.from(back.dataSync())).toEqual(Array.from(values));
    tf.dispose([m, back]);
  });
});
