import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, deserializeState, encodeSafetensors, serializeState } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { float64BitsTensor, float64FromBitsTensor } from './float64-state.js';

describe('float64 values through a checkpoint', () => {
  it('come back bit for bit, through serializeState and safetensors', async () => {
    // Values float32 cannot hold: 1/3 (53 significant bits), 1e-300 and 1e300 (out of float32's
    // range), the smallest subnormal, −0 and NaN (whose payload the bit pattern also keeps).
    const values = Float64Array.of(1 / 3, 1e-300, 1e300, 5e-324, -0, Number.NaN, -2.5, Math.PI * 1e-13);
    const tensor = float64BitsTensor(values);
    expect(tensor.dtype).toBe('int32');
    expect(tensor.shape).toEqual([values.length, 2]);
    const saved = await serializeState({ kernel: tensor }, 'probe');
    tensor.dispose();
    const bytes = encodeSafetensors(saved.tensors);
    const restored = deserializeState(saved.json, decodeSafetensors(bytes).tensors);
    const back = await float64FromBitsTensor(restored.kernel as tf.Tensor, 'kernel');
    (restored.kernel as tf.Tensor).dispose();
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(values.buffer));
  });

  it('stores the low word first (little-endian), as safetensors stores numbers', async () => {
    // 1.0 is 0x3FF00000_00000000: low word 0, high word 0x3FF00000 = 1072693248.
    const t = float64BitsTensor(Float64Array.of(1));
    expect(Array.from(await t.data())).toEqual([0, 1072693248]);
    t.dispose();
  });

  it('rejects a tensor that is not a bit pattern', async () => {
    const t = tf.zeros([3, 2]);
    await expect(float64FromBitsTensor(t, "probe 'ntk' state initialKernel")).rejects.toThrow(
      "probe 'ntk' state initialKernel: expected float64 data as an int32 tensor [..., 2] of words, got float32 [3, 2]",
    );
    t.dispose();
  });
});
