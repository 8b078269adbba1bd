import {
  decodeSafetensors,
  deserializeState,
  encodeSafetensors,
  serializeState,
  type RawTensor,
  type State,
} from '@precond/core';
import { firstDifference } from '../compare/compare.js';

/** A saved checkpoint as the runner writes one: the JSON part and the safetensors bytes. */
export interface SavedStates {
  readonly json: Record<string, unknown>;
  readonly bytes: Uint8Array;
}

/**
 * Save named states exactly as a checkpoint does (`serializeState` per part, one safetensors file,
 * JSON text), reading every tensor from the device. The live states are left untouched.
 */
export async function saveStates(states: Readonly<Record<string, State>>): Promise<SavedStates> {
  const tensors: Record<string, RawTensor> = {};
  const json: Record<string, unknown> = {};
  for (const [name, state] of Object.entries(states)) {
    const s = await serializeState(state, name);
    Object.assign(tensors, s.tensors);
    json[name] = s.json;
  }
  return { json: JSON.parse(JSON.stringify(json)) as Record<string, unknown>, bytes: encodeSafetensors(tensors) };
}

/** Rebuild the states of a checkpoint as new tensors (which the restoring plugin takes over). */
export function loadStates(saved: SavedStates): Record<string, State> {
  const { tensors } = decodeSafetensors(saved.bytes, 'conformance checkpoint');
  const json = JSON.parse(JSON.stringify(saved.json)) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(json).map(([name, part]) => [name, deserializeState(part, tensors)]));
}

/** A state read back from the device into plain data: its JSON part and each tensor's bytes. */
export interface StateSnapshot {
  readonly json: unknown;
  readonly tensors: Readonly<Record<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }>>;
}

export async function snapshotState(state: State, prefix: string): Promise<StateSnapshot> {
  const s = await serializeState(state, prefix);
  const tensors: Record<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }> = {};
  for (const [name, t] of Object.entries(s.tensors)) {
    tensors[name] = { dtype: t.dtype, shape: t.shape, bytes: new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength)) };
  }
  return { json: JSON.parse(JSON.stringify(s.json)), tensors };
}

/** Where two snapshots first differ (a JSON path or a tensor name and element), or null when bit-identical. */
export function snapshotDifference(a: StateSnapshot, b: StateSnapshot): string | null {
  const json = firstDifference(a.json, b.json);
  if (json) return json;
  for (const [name, ta] of Object.entries(a.tensors)) {
    const tb = b.tensors[name];
    if (!tb) return `${name}: a tensor vs missing`;
    if (ta.dtype !== tb.dtype) return `${name}: dtype ${ta.dtype} vs ${tb.dtype}`;
    if (ta.shape.join('x') !== tb.shape.join('x')) return `${name}: shape [${ta.shape.join(', ')}] vs [${tb.shape.join(', ')}]`;
    const width = ta.bytes.length / Math.max(1, ta.shape.reduce((p, d) => p * d, 1));
    for (let i = 0; i < ta.bytes.length; i++) {
      if (ta.bytes[i] !== tb.bytes[i]) return `${name}: element ${Math.floor(i / width)} differs in its bits`;
    }
  }
  for (const name of Object.keys(b.tensors)) if (!a.tensors[name]) return `${name}: missing vs a tensor`;
  return null;
}
