import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { traceMomentum } from './trace-momentum.js';
import { expectClose, runUpdates } from './test-support/harness.js';

const theta = [[0, 0]]; // the parameters do not enter this stage
const steps = [
  { grads: [[1, -2]], params: theta },
  { grads: [[0.5, 1]], params: theta },
  { grads: [[-1, 0]], params: theta },
];

describe('traceMomentum', () => {
  it('accumulates the heavy-ball trace v_k = β·v_{k-1} + g_k', () => {
    // β = 0.9, v₀ = 0:
    // v₁ = g₁ = [1, -2]
    // v₂ = 0.9·[1, -2] + [0.5, 1] = [1.4, -0.8]
    // v₃ = 0.9·[1.4, -0.8] + [-1, 0] = [0.26, -0.72]
    const out = runUpdates(traceMomentum({ beta: 0.9 }), steps);
    expectClose(out[0]![0]!, [1, -2]);
    expectClose(out[1]![0]!, [1.4, -0.8]);
    expectClose(out[2]![0]!, [0.26, -0.72]);
  });

  it('looks ahead with Nesterov: u_k = g_k + β·v_k', () => {
    // Same traces as above (β = 0.9):
    // u₁ = [1, -2] + 0.9·[1, -2] = [1.9, -3.8]
    // u₂ = [0.5, 1] + 0.9·[1.4, -0.8] = [1.76, 0.28]
    // u₃ = [-1, 0] + 0.9·[0.26, -0.72] = [-0.766, -0.648]
    const out = runUpdates(traceMomentum({ beta: 0.9, nesterov: true }), steps);
    expectClose(out[0]![0]!, [1.9, -3.8]);
    expectClose(out[1]![0]!, [1.76, 0.28]);
    expectClose(out[2]![0]!, [-0.766, -0.648]);
  });

  it('keeps the trace (not the Nesterov output) as its state', () => {
    // After g = [1, -2] with β = 0.5: v = [1, -2], while the Nesterov output is g + 0.5·v = [1.5, -3].
    const t = traceMomentum({ beta: 0.5, nesterov: true });
    const p = tf.tensor1d([0, 0]);
    const g = tf.tensor1d([1, -2]);
    const s0 = t.init([p]);
    const { updates, state } = t.update([g], s0, { count: 0, params: [p] });
    expect(Array.from(updates[0]!.dataSync())).toEqual([1.5, -3]);
    expect(Array.from((state.trace as tf.Tensor[])[0]!.dataSync())).toEqual([1, -2]);
    tf.dispose([p, g, ...updates, ...(s0.trace as tf.Tensor[]), ...(state.trace as tf.Tensor[])]);
  });

  it('rejects β outside [0, 1)', () => {
    expect(() => traceMomentum({ beta: 1 })).toThrow(/traceMomentum\.beta must be in \[0, 1\), got 1/);
    expect(() => traceMomentum({ beta: -0.1 })).toThrow(/traceMomentum\.beta/);
  });
});
