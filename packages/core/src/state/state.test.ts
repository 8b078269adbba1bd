import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { deserializeState, disposeState, serializeState, stateTensors } from './state.js';

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
