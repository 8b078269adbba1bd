import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng, RunStepContext, transformationOptimizer } from '@precond/core';
import { buildMlp } from '@precond/nn';
import { sgdTransformation } from '@precond/optimizer-first-order';
import { describe, expect, it } from 'vitest';
import { createShampoo, type ShampooOptionsInput, type ShampooPreconditioner } from './index.js';

/** Root tensors a device-placed preconditioner holds (host roots are float64 arrays, not tensors). */
async function rootTensors(p: ShampooPreconditioner): Promise<number> {
  if (p.placement === 'host') return 0;
  const blocks = (await Promise.all(['dense_0/kernel', 'dense_1/kernel'].map((name) => p.inspect(name)))).flat();
  return blocks.reduce((n, b) => n + (b.leftRoot ? 1 : 0) + (b.rightRoot ? 1 : 0), 0);
}

const CASES: [string, ShampooOptionsInput][] = [
  ['host, eigh', { placement: 'host' }],
  ['device, eigh', { placement: 'device' }],
  ['host, newton', { placement: 'host', rootMethod: 'newton', epsilon: 1e-4 }],
  ['device, newton', { placement: 'device', rootMethod: 'newton', epsilon: 1e-4 }],
  ['device, adam grafting, blocks of 3, diagonal vectors', { placement: 'device', graft: 'adam', maxPreconditionerDim: 3 }],
  ['host, adagrad grafting, blocks of 3, grafted vectors', { placement: 'host', graft: 'adagrad', maxPreconditionerDim: 3, vectors: 'graft' }],
];

describe('no tensor growth', () => {
  it.each(CASES)('over 50 SGD steps of a 3-5-2 MLP (%s), roots every 5 steps', async (_, options) => {
    const model = buildMlp({ inputSize: 3, outputSize: 2, hidden: [5], activation: 'tanh' }, new Rng(0));
    const x = tf.tensor2d(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [8, 3]);
    const y = tf.tensor2d(Array.from({ length: 16 }, (_, i) => Math.cos(i)), [8, 2]);
    const shampoo = createShampoo({ ...options, preconditionerUpdateEvery: 5 });
    const optimizer = transformationOptimizer(sgdTransformation({ lr: 0.05, weightDecay: 0 }), shampoo);
    optimizer.init(model.params);
    const takeStep = async (k: number) => {
      const ctx = new RunStepContext(k, model, { x, y }, mseLoss(), new Rng(k), undefined, false);
      try {
        return await optimizer.step(ctx);
      } finally {
        ctx.dispose();
      }
    };
    await takeStep(1);
    const before = tf.memory().numTensors;
    const rootsBefore = await rootTensors(shampoo);
    let info: Record<string, unknown> = {};
    for (let k = 2; k <= 51; k++) {
      info = (await takeStep(k)).info ?? {};
      // A checkpoint in the middle: the host placement's state tensors are freed at the next update.
      if (k === 25) optimizer.getState();
    }
    // A factor whose root is first accepted after the warm-up (Newton rejects some early ones) adds
    // its root tensor on the device: state that grows once, not a leak.
    expect(tf.memory().numTensors).toBe(before + (await rootTensors(shampoo)) - rootsBefore);
    // The run did precondition: roots were computed and reported.
    expect(info['shampoo.root_failures']).toBeTypeOf('number');
    expect(info['shampoo.root_residual']).toBeTypeOf('number');
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});
