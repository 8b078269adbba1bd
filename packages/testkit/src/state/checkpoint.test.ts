import * as tf from '@tensorflow/tfjs-core';
import { stateTensors, type State } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { loadStates, saveStates, snapshotDifference, snapshotState } from './checkpoint.js';

describe('saveStates / loadStates', () => {
  it('round-trips tensors of every savable dtype, nested records, arrays and non-finite numbers as new tensors', async () => {
    const state: State = {
      count: 7,
      decay: Number.POSITIVE_INFINITY,
      label: 'ema',
      flag: true,
      none: null,
      moments: [tf.tensor1d([1.5, -2]), tf.tensor2d([[3]])],
      nested: { index: tf.tensor1d([4, 5], 'int32'), mask: tf.tensor1d([1, 0], 'bool') },
    };
    const saved = await saveStates({ optimizer: state });
    const restored = loadStates(saved).optimizer!;
    expect(snapshotDifference(await snapshotState(state, 'optimizer'), await snapshotState(restored, 'optimizer'))).toBeNull();
    expect(restored.decay).toBe(Number.POSITIVE_INFINITY);
    // New tensors: the restoring plugin takes them over, the saved state keeps its own.
    const before = stateTensors(state);
    stateTensors(restored).forEach((t, i) => {
      expect(t).not.toBe(before[i]);
      t.dispose();
    });
    before.forEach((t) => t.dispose());
  });
});

describe('snapshotDifference', () => {
  it('names the first difference: a tensor element, a shape, a dtype, a JSON value, a missing tensor', async () => {
    const snap = (s: State) => snapshotState(s, 'p');
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor1d([1, 2, 4]);
    const c = tf.tensor2d([[1, 2, 3]]);
    const d = tf.tensor1d([1, 2, 3], 'int32');
    expect(snapshotDifference(await snap({ v: a }), await snap({ v: b }))).toBe('p/v: element 2 differs in its bits');
    expect(snapshotDifference(await snap({ v: a }), await snap({ v: c }))).toBe('p/v: shape [3] vs [1, 3]');
    expect(snapshotDifference(await snap({ v: a }), await snap({ v: d }))).toBe('p/v: dtype F32 vs I32');
    expect(snapshotDifference(await snap({ n: 1 }), await snap({ n: 2 }))).toBe('n: 1 vs 2');
    expect(snapshotDifference(await snap({ v: a }), await snap({}))).toMatch(/^v: \{"\$tensor":"p\/v"\} vs missing/);
    // -0 and 0 are different bits (a restored sign must be the saved one).
    expect(snapshotDifference(await snap({ v: tf.scalar(-0) }), await snap({ v: tf.scalar(0) }))).toBe('p/v: element 0 differs in its bits');
    [a, b, c, d].forEach((t) => t.dispose());
  });
});
