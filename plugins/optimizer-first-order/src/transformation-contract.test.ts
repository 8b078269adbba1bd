// The contract every transformation of this package honours (core's GradientTransformation):
// inputs survive `update`, outputs are fresh tensors, nothing leaks, and a saved state restores
// to a bit-identical next update. One table, every stage and every plugin chain.
import * as tf from '@tensorflow/tfjs-core';
import { deserializeState, disposeState, serializeState, stateTensors, type GradientTransformation, type State } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { addDecoupledWeightDecay } from './add-decoupled-weight-decay.js';
import { addWeightDecay } from './add-weight-decay.js';
import { adamOptions, adamTransformation } from './adam.js';
import { adamwOptions, adamwTransformation } from './adamw.js';
import { momentumOptions, momentumTransformation } from './momentum.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { sgdOptions, sgdTransformation } from './sgd.js';
import { traceMomentum } from './trace-momentum.js';

const cosine = { type: 'cosine', value: 0.1, steps: 20, warmup: 2 } as const;
const table: Array<[string, () => GradientTransformation]> = [
  ['scaleByLearningRate', () => scaleByLearningRate(cosine)],
  ['traceMomentum', () => traceMomentum({ beta: 0.9 })],
  ['traceMomentum (nesterov)', () => traceMomentum({ beta: 0.9, nesterov: true })],
  ['scaleByAdam', () => scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, epsRoot: 1e-12 })],
  ['addWeightDecay', () => addWeightDecay(0.1)],
  ['addDecoupledWeightDecay', () => addDecoupledWeightDecay(0.1, cosine)],
  ['sgd chain', () => sgdTransformation(sgdOptions.parse({ lr: cosine, weightDecay: 0.01 }))],
  ['momentum chain', () => momentumTransformation(momentumOptions.parse({ lr: cosine, nesterov: true, weightDecay: 0.01 }))],
  ['adam chain', () => adamTransformation(adamOptions.parse({ lr: cosine }))],
  ['adamw chain', () => adamwTransformation(adamwOptions.parse({ lr: cosine, weightDecay: 0.1 }))],
];

/** Two parameters of different shapes, and a deterministic gradient that changes with the step. */
function makeParams(): tf.Tensor[] {
  return [tf.tensor2d([[0.5, -1], [2, 0.25]]), tf.tensor1d([1, -3, 0.125])];
}
function makeGrads(k: number): tf.Tensor[] {
  return [tf.tensor2d([[1 + k, -0.5], [0.25 * k, 3]]), tf.tensor1d([-1, 0.5 - k, 2])];
}

/** `steps` updates from `state`; returns the final state, owning nothing else. */
function advance(t: GradientTransformation, state: State, params: tf.Tensor[], from: number, steps: number): State {
  for (let k = from; k < from + steps; k++) {
    const g = makeGrads(k);
    const out = t.update(g, state, { count: k, params });
    tf.dispose([...g, ...out.updates]);
    disposeState(state, out.state);
    state = out.state;
  }
  return state;
}

describe.each(table)('%s', (_name, make) => {
  it('leaves its inputs alive and returns tensors of its own', () => {
    const t = make();
    const params = makeParams();
    const state = advance(t, t.init(params), params, 0, 2);
    const g = makeGrads(2);
    const out = t.update(g, state, { count: 2, params });
    expect([...g, ...params, ...stateTensors(state)].every((x) => !x.isDisposed)).toBe(true);
    const held = new Set<tf.Tensor>([...g, ...params, ...stateTensors(state), ...stateTensors(out.state)]);
    expect(out.updates.some((u) => held.has(u))).toBe(false);
    expect(out.updates.map((u) => u.shape)).toEqual(params.map((p) => p.shape));
    // Disposing what the caller owns (the updates and the old state) leaves the new state usable.
    tf.dispose(out.updates);
    disposeState(state, out.state);
    const next = advance(t, out.state, params, 3, 1);
    disposeState(next);
    tf.dispose([...g, ...params]);
  });

  it('keeps the tensor count flat over 50 updates', () => {
    const t = make();
    const params = makeParams();
    const warm = advance(t, t.init(params), params, 0, 1);
    const before = tf.memory().numTensors;
    const after50 = advance(t, warm, params, 1, 50);
    expect(tf.memory().numTensors).toBe(before);
    disposeState(after50);
    tf.dispose(params);
  });

  it('restores a saved state to a bit-identical next update', async () => {
    const t = make();
    const params = makeParams();
    const state = advance(t, t.init(params), params, 0, 3);
    const saved = await serializeState(state, 'transform');
    const restored = deserializeState(saved.json, saved.tensors);
    const g = makeGrads(3);
    const a = t.update(g, state, { count: 3, params });
    // A fresh instance, as after a process restart, continues from the restored state.
    const b = make().update(g, restored, { count: 3, params });
    expect(a.updates.map((u) => u.dataSync())).toEqual(b.updates.map((u) => u.dataSync()));
    expect(stateTensors(a.state).map((x) => x.dataSync())).toEqual(stateTensors(b.state).map((x) => x.dataSync()));
    tf.dispose([...g, ...params, ...a.updates, ...b.updates]);
    for (const s of [state, restored, a.state, b.state]) disposeState(s);
  });
});
