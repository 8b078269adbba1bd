import * as tf from '@tensorflow/tfjs-core';
import { float64FromTensorSync, float64ToTensor } from '@precond/core';

/**
 * Float64 arrays inside a `State`, exactly: core's `float64ToTensor` (two int32 words a value, 8
 * bytes, bit-exact); JSON numbers would add ~12 MB of text per 785 × 785 factor.
 */
export function encodeFloat64(values: Float64Array, shape: readonly number[]): tf.Tensor {
  return float64ToTensor(values, shape);
}

/**
 * Inverse of `encodeFloat64`; `what` names the state entry in errors. Synchronous (`setState` is),
 * and safe on every backend: core reads the words of tensors made by `deserializeState` or
 * `float64ToTensor` from their host copy, never from the device.
 */
export function decodeFloat64(t: tf.Tensor, what: string): Float64Array {
  return float64FromTensorSync(t, what);
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
