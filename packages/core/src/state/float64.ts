import * as tf from '@tensorflow/tfjs-core';
import { hostValuesOf, rememberHostValues } from './host-values.js';
import { stateValuesSync } from './state.js';

/**
 * Float64 arrays inside a `State`, exactly. A state holds tensors (saved as safetensors F32, I32 or
 * BOOL) and JSON values, and neither is an exact, compact carrier for float64 data (K-FAC factors,
 * Shampoo statistics, the NTK at step 0): a float32 tensor keeps 24 of 53 significand bits, and JSON
 * costs ~20 bytes a number. So each float64 travels as its two little-endian 32-bit words in an
 * int32 tensor `[...shape, 2]`: 8 bytes a value, bit-exact (−0 and NaN payloads included) on every
 * backend and platform.
 */
export function float64ToTensor(values: Float64Array, shape: readonly number[] = [values.length]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new RangeError(`float64ToTensor: ${values.length} values do not fill shape [${shape.join(', ')}]`);
  const words = new Int32Array(values.length * 2);
  const view = new DataView(words.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i]!, true);
  // DataView wrote little-endian bytes; read the words back the same way on any host.
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(4 * i, true);
  const t = tf.tensor(words, [...shape, 2], 'int32');
  rememberHostValues(t, words);
  return t;
}

function wordsToFloat64(words: Int32Array): Float64Array {
  const view = new DataView(new ArrayBuffer(words.length * 4));
  for (let i = 0; i < words.length; i++) view.setInt32(4 * i, words[i]!, true);
  const out = new Float64Array(words.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}

function checkWords(t: tf.Tensor, what: string): void {
  if (t.dtype !== 'int32' || t.rank < 1 || t.shape[t.rank - 1] !== 2) {
    throw new RangeError(`${what}: expected float64 data as an int32 tensor [..., 2] of words, got ${t.dtype} [${t.shape.join(', ')}]`);
  }
}

/**
 * The float64 values `float64ToTensor` stored in `t`; `what` names the state entry in errors. The
 * words are read from the host array when the state module made `t` (`stateValuesSync`), else with
 * an awaited `data()`.
 */
export async function float64FromTensor(t: tf.Tensor, what: string): Promise<Float64Array> {
  checkWords(t, what);
  return wordsToFloat64((hostValuesOf(t) ?? (await t.data())) as Int32Array);
}

/**
 * The synchronous form of `float64FromTensor`, for `setState`: exact on every backend, WebGPU
 * included, for the tensors a state holds (made by `float64ToTensor` or `deserializeState`, whose
 * words are read on the host); any other tensor is read with `dataSync()` (see `stateValuesSync`).
 */
export function float64FromTensorSync(t: tf.Tensor, what: string): Float64Array {
  checkWords(t, what);
  return wordsToFloat64(stateValuesSync(t, what) as Int32Array);
}
