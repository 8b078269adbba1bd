import type * as tf from '@tensorflow/tfjs-core';

/** What the fast path needs of a backend: tensors whose values are views of one heap (tfjs-backend-wasm's `BackendWasm`). */
export interface HeapBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Whether `b`'s tensors are views of one heap that JavaScript can copy between (tfjs-backend-wasm's). */
export function isHeapBackend(b: tf.KernelBackend): b is HeapBackend {
  const candidate = b as Partial<HeapBackend>;
  return typeof candidate.makeOutput === 'function' && typeof candidate.typedArrayFromHeap === 'function';
}
