import type * as tf from '@tensorflow/tfjs-core';
import { float64FromTensor, float64ToTensor } from '@precond/core';

// A checkpoint holds float32, int32 and bool tensors (core's State), while the reference kernel K₀
// is float64. Rounded to float32 it would lose up to 6e-8 relative per entry: an unchanged kernel
// would read a distance of ~1e-15 instead of 0, and a resumed run would report other numbers than
// an uninterrupted one, which holds K₀ in float64. So K₀ travels as its exact bit pattern: each
// float64 as two int32 words (little-endian: low word first), which safetensors stores as raw bytes.

/** The bit pattern of `values` as an int32 tensor `[values.length, 2]` (core's `float64ToTensor`). */
export function float64BitsTensor(values: Float64Array): tf.Tensor2D {
  return float64ToTensor(values) as tf.Tensor2D;
}

/** The float64 values whose bit pattern `tensor` (`[m, 2]` int32, from `float64BitsTensor`) holds. */
export async function float64FromBitsTensor(tensor: tf.Tensor, what: string): Promise<Float64Array> {
  if (tensor.rank !== 2) throw new TypeError(`${what}: expected the float64 bit pattern as an int32 tensor [m, 2], got ${tensor.dtype} [${tensor.shape.join(', ')}]`);
  return float64FromTensor(tensor, what);
}
