import * as tf from '@tensorflow/tfjs-core';
import { hostValuesOf, rememberHostValues, type HostValues } from './host-values.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsDtype } from './safetensors.js';

/**
 * The state of an optimizer, preconditioner or probe: a named, ordered record of tensors and plain
 * values that can be saved and restored exactly. Nested records are allowed; key order is kept.
 */
export type StateValue = tf.Tensor | number | boolean | string | null | readonly number[] | State | readonly StateValue[];
export interface State {
  [name: string]: StateValue;
}

/** Marker the JSON part of a saved state uses where a tensor stood. */
interface TensorRef {
  $tensor: string;
}

function isTensor(v: unknown): v is tf.Tensor {
  return v instanceof tf.Tensor;
}

function isPlainRecord(v: unknown): v is State {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isTensor(v);
}

/** Every tensor in a state, in key order. */
export function stateTensors(state: StateValue): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (v: StateValue) => {
    if (isTensor(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainRecord(v)) Object.values(v).forEach(walk);
  };
  walk(state);
  return out;
}

/** Dispose every tensor of `state` that is not also held by `keep`. */
export function disposeState(state: StateValue, keep?: StateValue): void {
  const kept = new Set(keep === undefined ? [] : stateTensors(keep));
  for (const t of stateTensors(state)) if (!kept.has(t) && !t.isDisposed) t.dispose();
}

const DTYPE_OUT: Record<string, SafetensorsDtype> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/** Split a state into JSON and raw tensors (names are `prefix/path/to/key`). Reads tensors from the device. */
export async function serializeState(
  state: State,
  prefix: string,
): Promise<{ json: unknown; tensors: Record<string, RawTensor> }> {
  const tensors: Record<string, RawTensor> = {};
  const walk = async (v: StateValue, path: string): Promise<unknown> => {
    if (isTensor(v)) {
      const dtype = DTYPE_OUT[v.dtype];
      if (!dtype) throw new Error(`state '${path}': tensors of dtype ${v.dtype} cannot be saved`);
      const data = await v.data();
      tensors[path] = {
        dtype,
        shape: [...v.shape],
        data: dtype === 'BOOL' ? Uint8Array.from(data as Uint8Array) : (data.slice() as Float32Array | Int32Array),
      };
      return { $tensor: path } satisfies TensorRef;
    }
    if (Array.isArray(v)) return Promise.all(v.map((x, i) => walk(x, `${path}/${i}`)));
    if (isPlainRecord(v)) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = await walk(x, `${path}/${k}`);
      return o;
    }
    // JSON has no NaN, ±Infinity or −0; keep them exact for a bit-identical resume.
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { $number: Object.is(v, -0) ? '-0' : String(v) };
    return v;
  };
  const json = await walk(state, prefix);
  return { json, tensors };
}

/** Inverse of `serializeState`: rebuild tensors (on the current backend) from raw data. */
export function deserializeState(json: unknown, tensors: Record<string, RawTensor>): State {
  const walk = (v: unknown): StateValue => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$tensor === 'string') {
        const raw = tensors[o.$tensor];
        if (!raw) throw new Error(`saved state refers to tensor '${o.$tensor}', which the checkpoint does not hold`);
        const dtype = raw.dtype === 'I32' ? 'int32' : raw.dtype === 'BOOL' ? 'bool' : 'float32';
        const t = tf.tensor(raw.data as Float32Array, raw.shape, dtype);
        // setState may decode it synchronously: stateValuesSync reads this array, not the backend.
        if (raw.data instanceof Float32Array || raw.data instanceof Int32Array || raw.data instanceof Uint8Array) rememberHostValues(t, raw.data);
        return t;
      }
      if (typeof o.$number === 'string') return Number(o.$number);
      const out: State = {};
      for (const [k, x] of Object.entries(o)) out[k] = walk(x);
      return out;
    }
    return v as StateValue;
  };
  return walk(json) as State;
}

/**
 * The values of a state tensor, synchronously, for `setState` (synchronous in every contract). A
 * tensor made by `deserializeState` or `float64ToTensor` is read from the host array it was made
 * from, never from the backend, so this works on every backend, WebGPU included. Any other tensor
 * is read with `dataSync()`, which backends that cannot read synchronously (WebGPU in Node) refuse:
 * the error then names `what` (the state entry) and says which tensors can be read.
 */
export function stateValuesSync(t: tf.Tensor, what: string): HostValues {
  const host = hostValuesOf(t);
  if (host) return host;
  try {
    return t.dataSync() as HostValues;
  } catch (error) {
    throw new Error(
      `${what}: backend '${tf.getBackend()}' cannot read this state tensor synchronously (${(error as Error).message}); ` +
        'setState reads tensors made by deserializeState or float64ToTensor from the host, and others only on backends that read synchronously (cpu, wasm)',
    );
  }
}

/** Save a set of named tensors (parameters) as safetensors bytes. */
export async function tensorsToSafetensors(named: ReadonlyArray<{ name: string; tensor: tf.Tensor }>, metadata?: Record<string, string>): Promise<Uint8Array> {
  const raw: Record<string, RawTensor> = {};
  for (const { name, tensor } of named) {
    const data = await tensor.data();
    raw[name] = { dtype: 'F32', shape: [...tensor.shape], data: Float32Array.from(data as Float32Array) };
  }
  return encodeSafetensors(raw, metadata);
}

export { decodeSafetensors, encodeSafetensors };
export type { HostValues };
export type { RawTensor, SafetensorsDtype };
