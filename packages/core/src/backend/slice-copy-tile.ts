import * as tf from '@tensorflow/tfjs-core';
import { isHeapBackend } from './heap-backend.js';
import { replaceKernel } from './replace-kernel.js';

/** Marks a Tile config made by `registerSliceCopyTile`, so a second call keeps it. */
const WRAPPED = Symbol.for('@precond/core:slice-copy-tile');

/** Rows shorter than this are placed element by element; longer ones with `TypedArray.set`. */
const SET_MIN_ROW = 32;

/**
 * Replaces `backendName`'s Tile kernel (every `tf.tile`) by one that writes the output on the
 * backend's heap view in JavaScript with block copies, for float32, int32 and bool values; other
 * dtypes go to the original kernel. Returns whether it replaced the kernel (false when the backend
 * has no Tile, when its tensors are not heap views, or when it is already replaced).
 *
 * How: the input's rows are placed at the first copy of every dimension, then, from the last
 * dimension to the first, each block already complete along the later dimensions is copied
 * `reps[d] − 1` more times right after itself (`copyWithin`), so every element is written once and
 * most of them by long contiguous copies.
 *
 * Why: tfjs-backend-wasm 4.22's Tile computes every element's source from its coordinates, about
 * 45 ns an element. Measured on 2 cores: a `[200, 1, 784]` batch repeated 10 times took 70 ms (K-FAC's
 * per-output rows on the MNIST-shaped network), and the `[476·23, 23]` block identity of an E3
 * Jacobian capture 11 ms.
 *
 * Values are copied, not computed, so results are bit-identical to the original kernel's. The
 * gradient (registered by kernel name) is unchanged.
 */
export function registerSliceCopyTile(backendName: string): boolean {
  return replaceKernel(tf.Tile, backendName, WRAPPED, (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    const backend = args.backend as tf.KernelBackend;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') || !isHeapBackend(backend) || reps.length !== x.shape.length) {
      return original.kernelFunc(args);
    }
    const rank = x.shape.length;
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (outShape.some((d) => d === 0)) return out;
    // Views taken after makeOutput: allocating may grow the heap, which detaches older views.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    if (rank === 0) {
      dst[0] = src[0]!;
      return out;
    }
    const inStrides = strides(x.shape);
    const outStrides = strides(outShape);
    const row = x.shape[rank - 1]!;
    // 1. Each input row to the first copy of every dimension.
    forEachPrefix(x.shape, rank - 1, inStrides, outStrides, (from, to) => {
      if (row >= SET_MIN_ROW) dst.set(src.subarray(from, from + row), to);
      else for (let e = 0; e < row; e++) dst[to + e] = src[from + e]!;
    });
    // 2. From the last dimension to the first: repeat each block complete along the later ones.
    for (let d = rank - 1; d >= 0; d--) {
      const times = reps[d]!;
      if (times === 1) continue;
      const block = x.shape[d]! * outStrides[d]!;
      forEachPrefix(x.shape, d, inStrides, outStrides, (_from, at) => {
        for (let t = 1; t < times; t++) dst.copyWithin(at + t * block, at, at + block);
      });
    }
    return out;
  });
}

/** Row-major strides of `shape`. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/**
 * Calls `visit(inputOffset, outputOffset)` for every index over the first `dims` dimensions of
 * the input (the first copy of each in the output), in row-major order.
 */
function forEachPrefix(shape: readonly number[], dims: number, inStrides: readonly number[], outStrides: readonly number[], visit: (from: number, to: number) => void): void {
  if (dims === 0) {
    visit(0, 0);
    return;
  }
  const index = new Array<number>(dims).fill(0);
  let from = 0;
  let to = 0;
  for (;;) {
    visit(from, to);
    let d = dims - 1;
    while (d >= 0) {
      index[d]!++;
      from += inStrides[d]!;
      to += outStrides[d]!;
      if (index[d]! < shape[d]!) break;
      from -= inStrides[d]! * shape[d]!;
      to -= outStrides[d]! * shape[d]!;
      index[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}
