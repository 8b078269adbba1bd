// The device path of the dense products (every backend but tfjs's `cpu`, where they run on the host
// in float64; see placement.ts): forced here, and checked against the host path.
import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng } from '@precond/core';
import { denseLayer, embeddingLayer, sequentialModel } from '@precond/nn';
import { describe, expect, it, vi } from 'vitest';
import { normals, makeKfac, relativeError, stepContext } from './test-support/reference.js';

const placement = vi.hoisted(() => ({ host: true }));
vi.mock('./placement.js', () => ({ productsOnHost: () => placement.host }));

describe('apply on the device', () => {
  it('factor products and apply match the float64 host path to float32 accuracy (dense and embedding blocks) and free their tensors', async () => {
    const model = sequentialModel(
      [
        embeddingLayer({ name: 'embedding', vocabSize: 6, dim: 3, sequenceLength: 2 }),
        denseLayer({ name: 'hidden', inputSize: 6, outputSize: 4, activation: 'tanh' }),
        denseLayer({ name: 'out', inputSize: 4, outputSize: 2, bias: false }),
      ],
      new Rng(1),
    );
    const rng = new Rng(2);
    const ids = Array.from({ length: 10 }, () => [rng.int(6), rng.int(6)]);
    const batch = { x: tf.tensor2d(ids), y: tf.tensor2d(normals(rng, 10, 2)) };
    const before = tf.memory().numTensors;
    const k = makeKfac(model, { damping: 1e-2 });
    const ctx = stepContext(1, model, batch, mseLoss(), rng);
    // The factor products on the device (float32) agree with the host's float64 ones.
    placement.host = false;
    const onDeviceFactors = makeKfac(model, { damping: 1e-2 });
    await onDeviceFactors.update(ctx);
    placement.host = true;
    await k.update(ctx);
    onDeviceFactors.inspect().blocks.forEach((b, i) => {
      const host = k.inspect().blocks[i]!.factors!;
      expect(relativeError(b.factors!.a, host.a)).toBeLessThan(1e-6);
      expect(relativeError(b.factors!.g, host.g)).toBeLessThan(1e-5);
    });
    onDeviceFactors.dispose();
    const { grads } = ctx.valueAndGrads();
    placement.host = true;
    const onHost = k.apply(grads);
    placement.host = false;
    const counted = tf.memory().numTensors;
    const onDevice = k.apply(grads);
    // 4 directions plus the float32 copies of 3 blocks' two inverses: the device path ran.
    expect(tf.memory().numTensors - counted).toBe(4 + 6);
    // The device copies of the inverses are made once and reused.
    const kept = tf.memory().numTensors;
    tf.dispose(k.apply(grads));
    expect(tf.memory().numTensors).toBe(kept);
    onHost.forEach((h, i) => expect(relativeError(onDevice[i]!.dataSync(), h.dataSync())).toBeLessThan(1e-5));
    tf.dispose([...onHost, ...onDevice]);
    ctx.dispose();
    k.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose([batch.x, batch.y]);
  });
});
