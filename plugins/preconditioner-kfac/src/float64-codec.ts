import * as tf from '@tensorflow/tfjs-core';

/**
 * Float64 arrays inside a `State`, exactly.
 *
 * A state holds tensors (saved as safetensors F32/I32/BOOL) and JSON values. The factors and
 * inverses are float64, and neither obvious carrier is exact and cheap:
 * - a float32 tensor rounds them (24 of 53 significand bits); a float32 pair `hi + lo` keeps 48;
 * - JSON numbers are exact (shortest round-trip decimal) but cost ~20 bytes each: a 785 × 785
 *   factor of the 784-250-10 MLP would add about 12 MB of text per factor to `state.json`.
 * So each float64 is stored as its two little-endian 32-bit words in an int32 tensor (8 bytes per
 * value, bit-exact, NaN payloads and -0 included). Int32 tensors hold any 32-bit pattern and are
 * saved as I32, so `decode(encode(x))` returns x bit for bit on every backend and platform.
 */

/** The two little-endian 32-bit words of every value, as an int32 tensor `[...shape, 2]`. */
export function encodeFloat64(values: Float64Array, shape: readonly number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new RangeError(`encodeFloat64: ${values.length} values do not fill shape [${shape.join(', ')}]`);
  const view = new DataView(new ArrayBuffer(values.length * 8));
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  const words = new Int32Array(values.length * 2);
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(i * 4, true);
  return tf.tensor(words, [...shape, 2], 'int32');
}

/** Inverse of `encodeFloat64`; `what` names the state entry in errors. */
export function decodeFloat64(t: tf.Tensor, what: string): Float64Array {
  if (t.dtype !== 'int32' || t.shape[t.rank - 1] !== 2) {
    throw new RangeError(`${what}: expected an int32 tensor [..., 2] of float64 words, got ${t.dtype} [${t.shape.join(', ')}]`);
  }
  const words = t.dataSync() as Int32Array;
  const view = new DataView(new ArrayBuffer(words.length * 4));
  for (let i = 0; i < words.length; i++) view.setInt32(i * 4, words[i]!, true);
  const out = new Float64Array(words.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/**
 * A float64 array on the host with its encoded tensor made on demand and kept until the values
 * change, so that repeated `getState` calls create no tensors (the preconditioner owns this one).
 */
export class HostArray {
  private encoded: tf.Tensor | null;

  constructor(
    readonly values: Float64Array,
    readonly shape: readonly number[],
    encoded: tf.Tensor | null = null,
  ) {
    this.encoded = encoded;
  }

  /** The encoded tensor (made on the first call, kept past any enclosing `tf.tidy`). */
  tensor(): tf.Tensor {
    this.encoded ??= tf.keep(encodeFloat64(this.values, this.shape));
    return this.encoded;
  }

  /** The encoded tensor if one exists (for disposal bookkeeping). */
  cachedTensor(): tf.Tensor | null {
    return this.encoded;
  }

  /** Rebuild from a state tensor, which this array takes over. */
  static adopt(t: tf.Tensor, what: string): HostArray {
    const values = decodeFloat64(t, what);
    return new HostArray(values, t.shape.slice(0, -1), t);
  }
}
