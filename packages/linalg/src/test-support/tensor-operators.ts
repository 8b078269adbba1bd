import * as tf from '@tensorflow/tfjs-core';
import type { Matrix64 } from '../matrix64.js';
import type { LinearOperator } from '../tensor-list.js';

/** Parameter-like shapes of a vector with 17 unknowns: a 3×4 "kernel" and a 5-long "bias". */
export const SHAPES_17: number[][] = [[3, 4], [5]];

/**
 * The operator v ↦ M v on lists of tensors with the given shapes, for a dense symmetric M: the
 * list is flattened in order, multiplied by M (float32, on the backend) and split back.
 */
export function denseOperator(m: Matrix64, shapes: readonly (readonly number[])[]): { op: LinearOperator; dispose: () => void } {
  const matrix = tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const op: LinearOperator = (v) =>
    tf.tidy(() => {
      const flat = tf.concat(v.map((t) => tf.reshape(t, [-1])), 0);
      const mv = tf.reshape(tf.matMul(matrix, tf.reshape(flat, [-1, 1])), [-1]);
      return tf.split(mv, sizes, 0).map((part, i) => tf.reshape(part, [...shapes[i]!]));
    });
  return { op, dispose: () => matrix.dispose() };
}

/** A list shaped like `shapes` holding `values` in order. */
export function listFrom(values: ArrayLike<number>, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  let o = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(Float32Array.from({ length: size }, (_, i) => values[o + i]!), [...shape]);
    o += size;
    return t;
  });
}

/** The entries of a list, in order, widened to float64. */
export function valuesOf(list: readonly tf.Tensor[]): Float64Array {
  const parts = list.map((t) => Array.from(t.dataSync()));
  return Float64Array.from(parts.flat());
}
