import * as tf from '@tensorflow/tfjs-core';

/**
 * Float64 arrays in a `State`, exactly.
 *
 * A state's tensors are saved as safetensors F32, I32 or BOOL, so there is no float64 dtype, and
 * rounding the host statistics to float32 would break a bit-exact resume. Each float64 is stored
 * instead as its IEEE-754 bit pattern, cut into four 16-bit words (least significant first), in
 * an int32 tensor of shape `[n, 4]`. Copying bits keeps every value exactly, −0, subnormals,
 * infinities and NaN payloads included, and 16-bit words are exact on every backend: WebGL keeps
 * int32 tensors in float32 textures, which hold integers exactly only below 2²⁴.
 */
export function float64ToWords(data: Float64Array): tf.Tensor2D {
  const halves = new Uint16Array(data.buffer, data.byteOffset, data.length * 4);
  // Uint16Array reads the platform's byte order; JavaScript engines on every supported platform
  // are little-endian, which is what the word order above states.
  return tf.tensor2d(Int32Array.from(halves), [data.length, 4], 'int32');
}

/** Inverse of `float64ToWords` (one synchronous read of the tensor). */
export function wordsToFloat64(words: tf.Tensor, where: string): Float64Array {
  if (words.dtype !== 'int32' || words.rank !== 2 || words.shape[1] !== 4) {
    throw new Error(`${where}: expected an int32 tensor of shape [n, 4] holding float64 bit patterns, got ${words.dtype} [${words.shape}]`);
  }
  const values = words.dataSync() as Int32Array;
  const out = new Float64Array(words.shape[0]!);
  const halves = new Uint16Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v > 0xffff) throw new Error(`${where}: word ${i} is ${v}; each must be a 16-bit value in [0, 65535]`);
    halves[i] = v;
  }
  return out;
}
