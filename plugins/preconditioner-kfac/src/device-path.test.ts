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
    const hostBlocks = (await k.inspect()).blocks;
    (await onDeviceFactors.inspect()).blocks.forEach((b, i) => {
      const host = hostBlocks[i]!.factors!;
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

  it('keeps the moving average on the device between inverse updates: the same factors as the host path, and a state that restores on either path', async () => {
    const model = sequentialModel(
      [denseLayer({ name: 'hidden', inputSize: 3, outputSize: 4, activation: 'tanh' }), denseLayer({ name: 'out', inputSize: 4, outputSize: 2 })],
      new Rng(4),
    );
    const rng = new Rng(5);
    const before = tf.memory().numTensors;
    const batches = Array.from({ length: 4 }, () => ({ x: tf.tensor2d(normals(rng, 8, 3)), y: tf.tensor2d(normals(rng, 8, 2)) }));
    // Inverses at update 1 only (period 100): updates 2-4 stay pending on the device path.
    const options = { estimation: 'empirical' as const, decay: 0.5, inverseUpdateEvery: 100, damping: 1e-2 };
    const host = makeKfac(model, options);
    const device = makeKfac(model, options);
    for (const [i, batch] of batches.entries()) {
      const ctx = stepContext(i + 1, model, batch, mseLoss(), new Rng(9));
      placement.host = true;
      await host.update(ctx);
      placement.host = false;
      await device.update(ctx);
      ctx.dispose();
    }
    placement.host = true;
    // decay·old + (1 − decay)·batch three times after the first: on the host in float64, on the device
    // in float32 with weight 1/8 on the float64 average of update 1 (0.5³), so they agree to float32
    // rounding of a few sums.
    const state = device.getState();
    const savedBlocks = state.blocks as Record<string, Record<string, unknown>>;
    expect(savedBlocks['0']!.pendingA).toBeInstanceOf(tf.Tensor);
    expect(savedBlocks['0']!.pendingWeight).toBe(0.125);
    expect(host.getState().blocks).not.toHaveProperty('0.pendingA', expect.anything());
    const deviceBlocks = (await device.inspect()).blocks;
    (await host.inspect()).blocks.forEach((b, i) => {
      const d = deviceBlocks[i]!.factors!;
      expect(relativeError(d.a, b.factors!.a)).toBeLessThan(1e-6);
      expect(relativeError(d.g, b.factors!.g)).toBeLessThan(1e-6);
    });
    // A fresh preconditioner on the host path takes the device's state: it sees the same factors
    // (the same float64 combination of the saved parts), bit for bit.
    const resumed = makeKfac(model, options);
    resumed.setState(state);
    (await resumed.inspect()).blocks.forEach((b, i) => {
      const d = deviceBlocks[i]!.factors!;
      expect(Array.from(b.factors!.a)).toEqual(Array.from(d.a));
      expect(Array.from(b.factors!.g)).toEqual(Array.from(d.g));
    });
    tf.dispose([...batches.flatMap((b) => [b.x, b.y])]);
    for (const k of [host, device, resumed]) k.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
