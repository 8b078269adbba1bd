import * as tf from '@tensorflow/tfjs-core';

// A checkpoint holds float32, int32 and bool tensors (core's State), while the reference kernel K₀
// is float64. Rounded to float32 it would lose up to 6e-8 relative per entry: an unchanged kernel
// would read a distance of ~1e-15 instead of 0, and a resumed run would report other numbers than
// an uninterrupted one, which holds K₀ in float64. So K₀ travels as its exact bit pattern: each
// float64 as two int32 words (little-endian: low word first), which safetensors stores as raw bytes.

/** The bit pattern of `values` as an int32 tensor `[values.length, 2]` (a copy). */
export function float64BitsTensor(values: Float64Array): tf.Tensor2D {
  const words = new Int32Array(values.length * 2);
  const view = new DataView(words.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i]!, true);
  // DataView wrote little-endian bytes; read the words back the same way on any host.
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(4 * i, true);
  return tf.tensor2d(words, [values.length, 2], 'int32');
}

/** The float64 values whose bit pattern `tensor` (`[m, 2]` int32, from `float64BitsTensor`) holds. */
export async function float64FromBitsTensor(tensor: tf.Tensor, what: string): Promise<Float64Array> {
  if (tensor.dtype !== 'int32' || tensor.rank !== 2 || tensor.shape[1] !== 2) {
    throw new TypeError(`${what}: expected the float64 bit pattern as an int32 tensor [m, 2], got ${tensor.dtype} [${tensor.shape.join(', ')}]`);
  }
  const words = (await tensor.data()) as Int32Array;
  const bytes = new DataView(new ArrayBuffer(words.length * 4));
  for (let i = 0; i < words.length; i++) bytes.setInt32(4 * i, words[i]!, true);
  const out = new Float64Array(words.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.getFloat64(8 * i, true);
  return out;
}
