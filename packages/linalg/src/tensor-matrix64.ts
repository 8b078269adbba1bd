import * as tf from '@tensorflow/tfjs-core';
import type { Matrix64 } from './matrix64.js';

/** A 2-D tensor's values widened to float64 (one awaited read: any backend, WebGPU included). */
export async function matrix64FromTensor(t: tf.Tensor): Promise<Matrix64> {
  if (t.rank !== 2) throw new RangeError(`matrix64FromTensor: expected a 2-D tensor, got shape [${t.shape}]`);
  const [rows, cols] = t.shape as [number, number];
  return { rows, cols, data: Float64Array.from((await t.data()) as Float32Array) };
}

/** A float32 tensor of `m` (rounded to float32: the device math is float32). */
export function matrix64ToTensor(m: Matrix64): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
}
