// Saving and restoring: float64 arrays bit for bit, and a restored K-FAC continuing exactly like the
// uninterrupted one on a model K-FAC captures itself (the conformance suite covers the other path).
import * as tf from '@tensorflow/tfjs-core';
import { chain, mseLoss, Rng, transformationOptimizer, type Dataset } from '@precond/core';
import { denseLayer, embeddingLayer, sequentialModel, type Layer, type SequentialModel } from '@precond/nn';
import { loadStates, saveStates, scaleBy, snapshotDifference, snapshotState } from '@precond/testkit';
import { describe, expect, it } from 'vitest';
import { decodeFloat64, encodeFloat64, kfacOptions, kfacPreconditioner, type KfacOptionsInput } from './index.js';
import { normals, stepContext, disposeAfterEachTest } from './test-support/reference.js';

const { track } = disposeAfterEachTest();

describe('float64 in a state', () => {
  it('round-trips every bit pattern through int32 words, including -0, NaN payloads, subnormals and ±Infinity', () => {
    const values = Float64Array.of(Math.PI, -0, 0, Number.MIN_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, 1e-310, 1 / 3);
    const bits = new Uint8Array(values.buffer.slice(0));
    // A NaN with a payload: the bits survive because they never pass through a JS number.
    const withPayload = new Float64Array(values.length + 1);
    withPayload.set(values);
    new DataView(withPayload.buffer).setUint32((values.length) * 8, 0x7ff80001, true);
    new DataView(withPayload.buffer).setUint32(values.length * 8 + 4, 0x7ff80000, true);
    const t = encodeFloat64(withPayload, [withPayload.length]);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([withPayload.length, 2]);
    const back = decodeFloat64(t, 'test');
    t.dispose();
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(withPayload.buffer));
    expect(new Uint8Array(back.buffer.slice(0, bits.length))).toEqual(bits);
  });

  it('refuses a tensor that is not [..., 2] int32 words, naming the entry', () => {
    const t = tf.zeros([3]);
    expect(() => decodeFloat64(t, 'kfac state blocks.0.a')).toThrow(/kfac state blocks\.0\.a: expected float64 data as an int32 tensor \[\.\.\., 2\]/);
    t.dispose();
  });
});

/** An embedding into a tanh layer into 3 outputs: two Kronecker blocks of each kind, one fallback. */
function model(): SequentialModel {
  const gate: Layer = {
    name: 'gate',
    kind: 'gate',
    params: [{ name: 'weights', shape: [4], init: (_s, rng) => rng.fill(4, (r) => 1 + 0.1 * r.normal()) }],
    forward: (params, input) => tf.mul(input, params[0]!),
  };
  return sequentialModel(
    [
      embeddingLayer({ name: 'embedding', vocabSize: 7, dim: 2, sequenceLength: 2 }),
      gate,
      denseLayer({ name: 'hidden', inputSize: 4, outputSize: 5, activation: 'tanh' }),
      denseLayer({ name: 'out', inputSize: 5, outputSize: 3 }),
    ],
    new Rng(1),
  );
}

function data(): Dataset {
  const rng = new Rng(2);
  const ids = Array.from({ length: 12 }, () => [rng.int(7), rng.int(7)]);
  return { x: tf.tensor2d(ids), y: tf.tensor2d(normals(rng, 12, 3)) };
}

async function run(options: KfacOptionsInput, steps: number, restoreAfter: number | null) {
  const m = track(model());
  const batch = data();
  const loss = mseLoss();
  const make = () => {
    const p = kfacPreconditioner(kfacOptions.parse(options));
    const o = transformationOptimizer(chain(scaleBy(-0.5)), p);
    o.init(m.params);
    return { p, o };
  };
  let { p, o } = make();
  const rng = new Rng(3);
  for (let step = 1; step <= steps; step++) {
    if (restoreAfter !== null && step === restoreAfter + 1) {
      // A resume: fresh objects, `init`, then the saved states (through safetensors and JSON).
      const saved = await saveStates({ optimizer: o.getState(), preconditioner: p.getState() });
      const rngState = rng.getState();
      o.dispose();
      ({ p, o } = make());
      const states = loadStates(saved);
      o.setState(states.optimizer!);
      p.setState(states.preconditioner!);
      rng.setState(rngState);
    }
    const ctx = stepContext(step, m, batch, loss, rng);
    await o.step(ctx);
    ctx.dispose();
  }
  const params = m.params.map((q) => Float32Array.from(q.variable.dataSync()));
  const snapshot = await snapshotState(p.getState(), 'preconditioner');
  o.dispose();
  tf.dispose([batch.x, batch.y]);
  return { params, snapshot };
}

describe('a restored K-FAC continues bit for bit', () => {
  for (const options of [
    { estimation: 'fisher', fallback: 'diagonal', inverseUpdateEvery: 3, adaptiveDamping: { every: 2 } },
    { estimation: 'ggn', inverse: 'cholesky', factorUpdateEvery: 2, burnIn: 1 },
  ] as const) {
    it(`${JSON.stringify(options)}: parameters and state after 4 + 4 steps equal the uninterrupted run's`, async () => {
      const straight = await run(options, 8, null);
      const resumed = await run(options, 8, 4);
      expect(resumed.params).toEqual(straight.params);
      expect(snapshotDifference(straight.snapshot, resumed.snapshot)).toBeNull();
    });
  }

  it('frees everything: no tensor is left after dispose, and getState makes none per call', async () => {
    const before = tf.memory().numTensors;
    const m = model();
    const batch = data();
    const p = kfacPreconditioner(kfacOptions.parse({ fallback: 'diagonal', inverseUpdateEvery: 1 }));
    p.init(m.params);
    const ctx = stepContext(1, m, batch, mseLoss(), new Rng(0));
    await p.update(ctx);
    ctx.dispose();
    p.getState();
    const once = tf.memory().numTensors;
    p.getState();
    expect(tf.memory().numTensors).toBe(once);
    // setState with its own state (the tensors it already owns) keeps them alive and leaks none.
    p.setState(p.getState());
    expect(tf.memory().numTensors).toBe(once);
    p.dispose();
    m.dispose();
    tf.dispose([batch.x, batch.y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a state of another format, naming it', () => {
    const p = kfacPreconditioner(kfacOptions.parse({}));
    expect(() => p.setState({ format: 'shampoo/1' })).toThrow(/state format 'shampoo\/1' is not 'precond-kfac\/1'/);
  });
});
