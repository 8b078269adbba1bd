import * as tf from '@tensorflow/tfjs-core';

/**
 * A linear operator on parameter-shaped vectors: a vector is a list of tensors (one per
 * parameter, e.g. a model's weights), and the operator returns a list of the same shapes. CG and
 * Lanczos call it once per iteration inside `tf.tidy`, so anything it allocates and does not return
 * is freed, and what it returns is disposed once used.
 */
export type LinearOperator = (v: tf.Tensor[]) => tf.Tensor[];

/** Total entries of a list of shapes. */
export function totalSize(shapes: readonly (readonly number[])[]): number {
  return shapes.reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * The dot products `Σ_t ⟨a_t, b_t⟩` for several pairs of lists, read back in one awaited transfer
 * (`data()`: GPU backends cannot read synchronously). Each tensor's product is summed on the device
 * (float32); the per-tensor sums are added in float64 here.
 */
export async function listDots(pairs: readonly (readonly [readonly tf.Tensor[], readonly tf.Tensor[]])[]): Promise<number[]> {
  const values = tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (const [a, b] of pairs) for (let t = 0; t < a.length; t++) parts.push(tf.sum(tf.mul(a[t]!, b[t]!)));
    return tf.stack(parts);
  });
  let data: ArrayLike<number>;
  try {
    data = (await values.data()) as Float32Array;
  } finally {
    values.dispose();
  }
  const out: number[] = [];
  let o = 0;
  for (const [a] of pairs) {
    let s = 0;
    for (let t = 0; t < a.length; t++) s += data[o++]!;
    out.push(s);
  }
  return out;
}

/**
 * Calls `op(v)` and checks that it returned a list shaped like `v`. Any returned tensor that is one
 * of the inputs (an identity operator) is cloned, so the caller owns every tensor it gets back.
 */
export function applyOperator(op: LinearOperator, v: tf.Tensor[], what: string): tf.Tensor[] {
  const out = op(v);
  if (!Array.isArray(out) || out.length !== v.length) {
    throw new TypeError(`${what} must return a list of ${v.length} tensors (one per input tensor), got ${Array.isArray(out) ? `${out.length}` : typeof out}`);
  }
  return out.map((t, i) => {
    const shape = v[i]!.shape;
    if (!(t instanceof tf.Tensor) || t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
      throw new TypeError(`${what} returned ${t instanceof tf.Tensor ? `shape [${t.shape}]` : typeof t} at index ${i}; the input there has shape [${shape}]`);
    }
    return v.includes(t) ? tf.clone(t) : t;
  });
}

/** Disposes every tensor of every list. */
export function disposeLists(...lists: readonly (readonly tf.Tensor[])[]): void {
  for (const list of lists) for (const t of list) t.dispose();
}

/** One 1-D tensor holding the entries of a list, in order. */
export function flattenList(list: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(list.map((t) => tf.reshape(t, [-1])), 0) as tf.Tensor1D);
}

/** The inverse of `flattenList` for the given shapes. */
export function unflattenList(flat: tf.Tensor, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  return tf.tidy(() => {
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const parts = tf.split(tf.reshape(flat, [-1]), sizes, 0);
    return parts.map((p, i) => tf.reshape(p, [...shapes[i]!]));
  });
}
