import * as tf from '@tensorflow/tfjs-core';
import type { MatrixParameter } from './matrix-engine.js';

/**
 * Blocks of one shape, handled as one stack `[count, rows, cols]`.
 *
 * Blocking cuts every dimension into blocks of one size and a last, shorter one, so a matrix has at
 * most four block shapes: full × full, full × last column, last row × full, last × last. Each shape
 * is a rectangular region of the matrix whose blocks one reshape and one transpose stack, so an
 * elementwise computation over all blocks (the grafting norms) costs a fixed number of tfjs ops
 * however many blocks there are; on wasm every op costs tens of microseconds before any arithmetic.
 */
export interface BlockGroup {
  /** Block shape. */
  readonly rows: number;
  readonly cols: number;
  /** The region `[row0, row0 + gridRows·rows) × [col0, col0 + gridCols·cols)` the group tiles. */
  readonly row0: number;
  readonly col0: number;
  readonly gridRows: number;
  readonly gridCols: number;
  /** Global block index (row-major over the whole grid) of each stacked block, in stack order. */
  readonly blockIndices: readonly number[];
}

/** Runs of equal sizes in a split list: `[2, 2, 1]` → `[{ size: 2, start: 0, count: 2 }, { size: 1, start: 2, count: 1 }]`. */
function runs(splits: readonly number[]): { size: number; start: number; offset: number; count: number }[] {
  const out: { size: number; start: number; offset: number; count: number }[] = [];
  let offset = 0;
  splits.forEach((size, i) => {
    const last = out[out.length - 1];
    if (last && last.size === size) last.count++;
    else out.push({ size, start: i, offset, count: 1 });
    offset += size;
  });
  return out;
}

/** The groups of a matrix parameter's blocks (at most four). */
export function blockGroups(param: MatrixParameter): BlockGroup[] {
  const nc = param.colSplits.length;
  const groups: BlockGroup[] = [];
  for (const r of runs(param.rowSplits)) {
    for (const c of runs(param.colSplits)) {
      const blockIndices: number[] = [];
      for (let i = 0; i < r.count; i++) for (let j = 0; j < c.count; j++) blockIndices.push((r.start + i) * nc + c.start + j);
      groups.push({ rows: r.size, cols: c.size, row0: r.offset, col0: c.offset, gridRows: r.count, gridCols: c.count, blockIndices });
    }
  }
  return groups;
}

/** The blocks of `matrix` (`[rows, cols]`) in group `g`, stacked `[count, g.rows, g.cols]` (inside `tf.tidy`). */
export function stackBlocks(matrix: tf.Tensor2D, g: BlockGroup): tf.Tensor3D {
  const whole = g.row0 === 0 && g.col0 === 0 && g.gridRows * g.rows === matrix.shape[0] && g.gridCols * g.cols === matrix.shape[1];
  const region = whole ? matrix : tf.slice(matrix, [g.row0, g.col0], [g.gridRows * g.rows, g.gridCols * g.cols]);
  if (g.gridCols === 1) return tf.reshape(region, [g.gridRows, g.rows, g.cols]);
  const grid = tf.reshape(region, [g.gridRows, g.rows, g.gridCols, g.cols]);
  return tf.reshape(tf.transpose(grid, [0, 2, 1, 3]), [g.gridRows * g.gridCols, g.rows, g.cols]);
}

/** Inverse of `stackBlocks`: the group's region `[gridRows·rows, gridCols·cols]` (inside `tf.tidy`). */
export function unstackBlocks(stack: tf.Tensor3D, g: BlockGroup): tf.Tensor2D {
  if (g.gridCols === 1) return tf.reshape(stack, [g.gridRows * g.rows, g.cols]);
  const grid = tf.reshape(stack, [g.gridRows, g.gridCols, g.rows, g.cols]);
  return tf.reshape(tf.transpose(grid, [0, 2, 1, 3]), [g.gridRows * g.rows, g.gridCols * g.cols]);
}

/** The matrix `[rows, cols]` from the regions of its groups, in `blockGroups` order (inside `tf.tidy`). */
export function assembleGroups(regions: readonly tf.Tensor2D[], groups: readonly BlockGroup[]): tf.Tensor2D {
  // Groups come row run by row run, each row run's column runs left to right.
  const bands: tf.Tensor2D[] = [];
  let i = 0;
  while (i < groups.length) {
    const row0 = groups[i]!.row0;
    const band: tf.Tensor2D[] = [];
    while (i < groups.length && groups[i]!.row0 === row0) band.push(regions[i++]!);
    bands.push(band.length === 1 ? band[0]! : tf.concat(band, 1));
  }
  return bands.length === 1 ? bands[0]! : tf.concat(bands, 0);
}
