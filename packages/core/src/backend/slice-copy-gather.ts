import * as tf from '@tensorflow/tfjs-core';
import { isHeapBackend } from './heap-backend.js';
import { replaceKernel } from './replace-kernel.js';

/** Marks a GatherV2 config made by `registerSliceCopyGather`, so a second call keeps it. */
const WRAPPED = Symbol.for('@precond/core:slice-copy-gather');

/** Slices shorter than this are copied element by element; longer ones with `TypedArray.set`. */
const SET_MIN_SLICE = 32;

/**
 * Replaces `backendName`'s GatherV2 kernel (every `tf.gather`, hence minibatch sampling and
 * embedding lookups) by one that copies the gathered slices between the backend's heap views in
 * JavaScript, for float32 and int32 values; other dtypes go to the original kernel. Returns whether it replaced the kernel (false when the backend has no GatherV2, when its
 * tensors are not heap views, or when it is already replaced).
 *
 * Why: tfjs-backend-wasm 4.22's Gather computes every element's source from its coordinates, about
 * 25 ns an element. Measured on 2 cores: 200 rows of a `[1000, 784]` dataset (a minibatch of the
 * paper's MNIST network) took 4.1 ms, longer than the matrix products of an Adam step, and 1,536
 * rows of a `[98, 128]` embedding table 5.3 ms; a row is one contiguous slice, so the copy is one
 * `set` per row.
 *
 * With `batchDims > 0` the original kernel gives wrong values (a `[3, 8, 5]` table gathered along
 * axis 1 by `[3, 2]` indices with batchDims 1 disagreed with the cpu kernel in 20 of 30 entries);
 * this one gathers each batch's slices with its own indices, as the cpu kernel does.
 *
 * Values are copied, not computed, so results are bit-identical to the original kernel's, and an
 * index outside `[0, size of the axis)` is refused with the original kernel's message. The
 * gradient (registered by kernel name) is unchanged.
 *
 * @example
 *   import '@tensorflow/tfjs-backend-wasm';
 *   registerSliceCopyGather('wasm');
 */
export function registerSliceCopyGather(backendName: string): boolean {
  return replaceKernel(tf.GatherV2, backendName, WRAPPED, (original) => (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    const backend = args.backend as tf.KernelBackend;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !isHeapBackend(backend)) return original.kernelFunc(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    // x as [batch, outer, dim, slice], the indices as [batch, count]; the output is [batch, outer, count, slice].
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, ax, batchDims ?? 0);
    const { batchSize, outerSize, dimSize: dim, sliceSize: slice } = info;
    const ids = backend.readSync(indices.dataId) as ArrayLike<number>;
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j]!;
      if (!(id >= 0 && id <= dim - 1)) throw new Error(`GatherV2: the index value ${id} is not in [0, ${dim - 1}]`);
    }
    const out = backend.makeOutput(info.outputShape, x.dtype);
    const count = ids.length / batchSize;
    if (batchSize * outerSize * count * slice === 0) return out;
    // Views taken after makeOutput: allocating may grow the heap, which detaches older views.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    for (let b = 0; b < batchSize; b++) {
      for (let o = 0; o < outerSize; o++) {
        const fromBase = (b * outerSize + o) * dim;
        const toBase = (b * outerSize + o) * count;
        for (let j = 0; j < count; j++) {
          const from = (fromBase + ids[b * count + j]!) * slice;
          const to = (toBase + j) * slice;
          if (slice >= SET_MIN_SLICE) {
            dst.set(src.subarray(from, from + slice), to);
          } else {
            for (let e = 0; e < slice; e++) dst[to + e] = src[from + e]!;
          }
        }
      }
    }
    return out;
  });
}
