import { describe, expect, it } from 'vitest';
import { parameterLayout, splitDimension } from './layout.js';

describe('splitDimension', () => {
  it('cuts a dimension into blocks of maxDim and a shorter last one', () => {
    // 5 = 2 + 2 + 1 and 3 = 2 + 1 (Distributed Shampoo's torch.split(dim, block_size)).
    expect(splitDimension(5, 2)).toEqual([2, 2, 1]);
    expect(splitDimension(3, 2)).toEqual([2, 1]);
    // 784 = 3·256 + 16; a dimension at or under maxDim stays whole.
    expect(splitDimension(784, 256)).toEqual([256, 256, 256, 16]);
    expect(splitDimension(250, 1024)).toEqual([250]);
    expect(splitDimension(4, 4)).toEqual([4]);
  });

  it('rejects a block size that is not a positive integer, naming the option', () => {
    expect(() => splitDimension(4, 0)).toThrow(/maxPreconditionerDim must be a positive integer, got 0/);
  });
});

describe('parameterLayout', () => {
  it('blocks a 3×5 kernel with maxPreconditionerDim 2 into a 2 × 3 grid of the stated sizes', () => {
    const layout = parameterLayout([3, 5], 2);
    expect(layout.kind).toBe('matrix');
    if (layout.kind !== 'matrix') return;
    expect(layout.rowSplits).toEqual([2, 1]);
    expect(layout.colSplits).toEqual([2, 2, 1]);
    // Row-major over the grid; sizes (rows × cols): 2×2, 2×2, 2×1, 1×2, 1×2, 1×1, which tile 3×5.
    expect(layout.blocks).toEqual([
      { row0: 0, rows: 2, col0: 0, cols: 2 },
      { row0: 0, rows: 2, col0: 2, cols: 2 },
      { row0: 0, rows: 2, col0: 4, cols: 1 },
      { row0: 2, rows: 1, col0: 0, cols: 2 },
      { row0: 2, rows: 1, col0: 2, cols: 2 },
      { row0: 2, rows: 1, col0: 4, cols: 1 },
    ]);
    expect(layout.blocks.reduce((s, b) => s + b.rows * b.cols, 0)).toBe(15);
  });

  it('keeps a matrix within the limit whole, and merges leading dimensions of higher-rank tensors', () => {
    const dense = parameterLayout([80, 80], 1024);
    expect(dense.kind === 'matrix' && dense.blocks).toEqual([{ row0: 0, rows: 80, col0: 0, cols: 80 }]);
    // A convolution kernel [h, w, in, out] = [3, 3, 4, 8] is the matrix [3·3·4, 8] = [36, 8].
    const conv = parameterLayout([3, 3, 4, 8], 1024);
    expect(conv.kind === 'matrix' && [conv.rows, conv.cols]).toEqual([36, 8]);
  });

  it('treats rank 0 and 1 as vectors', () => {
    expect(parameterLayout([80], 1024)).toEqual({ kind: 'vector', shape: [80], size: 80 });
    expect(parameterLayout([], 1024)).toEqual({ kind: 'vector', shape: [], size: 1 });
  });
});
