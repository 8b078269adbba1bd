import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { deserializeState, disposeState, serializeState, stateTensors, stateValuesSync } from './state.js';

describe('safetensors', () => {
  it('writes the standard layout: u64 LE header length, JSON header, aligned little-endian data', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) } }, { step: '3' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({ __metadata__: { step: '3' }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    // 1.5f32 = 0x3FC00000 → LE bytes 00 00 C0 3F.
    expect(Array.from(bytes.subarray(8 + n, 12 + n))).toEqual([0, 0, 0xc0, 0x3f]);
  });

  it('round-trips several dtypes and reports corrupt files by name', () => {
    const src = {
      w: { dtype: 'F32' as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      k: { dtype: 'I32' as const, shape: [1], data: new Int32Array([-7]) },
      d: { dtype: 'F64' as const, shape: [1], data: new Float64Array([Math.PI]) },
    };
    const { tensors } = decodeSafetensors(encodeSafetensors(src));
    expect(Object.keys(tensors)).toEqual(['w', 'k', 'd']);
    expect(Array.from(tensors.w!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensors.d!.data[0]).toBe(Math.PI);
    expect(() => decodeSafetensors(new Uint8Array(4), 'x.safetensors')).toThrow('x.safetensors: too short');
    const broken = encodeSafetensors(src).slice(0, 40);
    expect(() => decodeSafetensors(broken, 'y.safetensors')).toThrow(/y.safetensors/);
  });
});

describe('state', () => {
  it('serialises nested states with tensors and special numbers, and restores them exactly', async () => {
    const before = tf.memory().numTensors;
    const state = { count: 3, zero: -0, beta: Infinity, flag: true, name: 'adam', m: [tf.tensor([0.1, 0.2]), tf.tensor([[1]])], inner: { v: tf.tensor([7], [1], 'int32') } };
    const { json, tensors } = await serializeState(state, 'optimizer');
    expect(Object.keys(tensors)).toEqual(['optimizer/m/0', 'optimizer/m/1', 'optimizer/inner/v']);
    const back = deserializeState(JSON.parse(JSON.stringify(json)), decodeSafetensors(encodeSafetensors(tensors)).tensors);
    expect(back.count).toBe(3);
    expect(back.beta).toBe(Infinity);
    expect(Object.is(back.zero, -0)).toBe(true); // JSON alone would turn −0 into 0
    expect(back.name).toBe('adam');
    const m = back.m as tf.Tensor[];
    expect(Array.from(m[0]!.dataSync())).toEqual(Array.from(new Float32Array([0.1, 0.2])));
    expect((back.inner as { v: tf.Tensor }).v.dtype).toBe('int32');
    expect(stateTensors(back)).toHaveLength(3);
    disposeState(state);
    disposeState(back);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposeState keeps the tensors that are still held by the new state', () => {
    const a = tf.scalar(1);
    const b = tf.scalar(2);
    disposeState({ x: a, y: b }, { y: b });
    expect(a.isDisposed).toBe(true);
    expect(b.isDisposed).toBe(false);
    b.dispose();
  });
});

describe('float64 in a state', () => {
  it('round-trips float64 values bit for bit through safetensors (−0, subnormals, extremes)', async () => {
    const { float64ToTensor, float64FromTensor, float64FromTensorSync } = await import('./float64.js');
    const values = new Float64Array([Math.PI, -0, 5e-324, 1.7976931348623157e308, 1 + 2 ** -52, -1e-300]);
    const t = float64ToTensor(values, [2, 3]);
    expect(t.shape).toEqual([2, 3, 2]);
    // Through the checkpoint format, as the runner saves it.
    const { json, tensors } = await serializeState({ k: t }, 'p');
    const back = deserializeState(json, decodeSafetensors(encodeSafetensors(tensors)).tensors).k as tf.Tensor;
    const out = await float64FromTensor(back, 'p/k');
    // Compare bit patterns: equality of numbers would hide −0 vs 0.
    expect(new Uint8Array(out.buffer)).toEqual(new Uint8Array(values.buffer));
    expect(Object.is(float64FromTensorSync(back, 'p/k')[1], -0)).toBe(true);
    expect(() => float64FromTensorSync(tf.zeros([3]), 'p/bad')).toThrow('p/bad: expected float64 data as an int32 tensor [..., 2] of words, got float32 [3]');
    tf.dispose([t, back]);
  });

  it('decodes state tensors from their host copy, not the backend, so setState works where reads are async only', async () => {
    const { float64ToTensor, float64FromTensor, float64FromTensorSync } = await import('./float64.js');
    const values = new Float64Array([Math.E, -0, 2 ** -1074]);
    const encoded = float64ToTensor(values);
    const { json, tensors } = await serializeState({ k: encoded, w: tf.tensor([0.5, -1.25]) }, 'p');
    const back = deserializeState(json, decodeSafetensors(encodeSafetensors(tensors)).tensors);
    const [k, w] = [back.k as tf.Tensor, back.w as tf.Tensor];
    // A disposed tensor cannot be read from any backend (dataSync throws "Tensor is disposed"), so
    // values that still come back were read from the host copy the state module made them from.
    tf.dispose([encoded, k, w]);
    expect(new Uint8Array(float64FromTensorSync(encoded, 'p/k').buffer)).toEqual(new Uint8Array(values.buffer));
    expect(new Uint8Array(float64FromTensorSync(k, 'p/k').buffer)).toEqual(new Uint8Array(values.buffer));
    expect(new Uint8Array((await float64FromTensor(k, 'p/k')).buffer)).toEqual(new Uint8Array(values.buffer));
    expect(Array.from(stateValuesSync(w, 'p/w'))).toEqual([0.5, -1.25]);
    // Any other tensor is read from the backend; a failed read names the state entry.
    const other = tf.tensor([3, 4]);
    expect(Array.from(stateValuesSync(other, 'p/other'))).toEqual([3, 4]);
    other.dispose();
    expect(() => stateValuesSync(other, 'p/other')).toThrow(/^p\/other: backend '\w+' cannot read this state tensor synchronously \(Tensor is disposed\.\)/);
  });
});
