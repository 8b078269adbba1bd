import * as tf from '@tensorflow/tfjs-core';

/** Values a state tensor can hold on the host. */
export type HostValues = Float32Array | Int32Array | Uint8Array;

/**
 * The host arrays that state tensors were made from, by tensor. `deserializeState` and
 * `float64ToTensor` make tensors from arrays they hold, and `setState` (synchronous in every
 * contract) must decode them: reading those arrays instead of the tensor keeps that decode off the
 * backend, which matters where the backend cannot read synchronously (tfjs's WebGPU in Node). A
 * tensor's values never change, so the array stays valid for the tensor's life; entries go with
 * the tensor object (a WeakMap), and on the cpu backend the array is the one the backend keeps.
 */
const hostCopies = new WeakMap<tf.Tensor, HostValues>();

/** Records that `t` was made from `values` (which the caller no longer changes). */
export function rememberHostValues(t: tf.Tensor, values: HostValues): void {
  hostCopies.set(t, values);
}

/** The host array `t` was made from, if it was made by the state module. */
export function hostValuesOf(t: tf.Tensor): HostValues | undefined {
  return hostCopies.get(t);
}
