// K-FAC's statistics from the step's nn curvature context (one reverse sweep from its linearisation;
// ggn's k rows per sample without repeating the forward pass) against its own capture of the batch
// with each row repeated k times (the route for steps without nn's context).
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, mseLoss, Rng, RunStepContext, type Loss } from '@precond/core';
import { denseLayer, NnCurvatureContext, sequentialModel } from '@precond/nn';
import { describe, expect, it, vi } from 'vitest';
import type { EstimationMode } from './options.js';
import { makeKfac, normals, relativeError, stepContext } from './test-support/reference.js';

const model = () =>
  sequentialModel(
    [
      denseLayer({ name: 'hidden', inputSize: 5, outputSize: 6, activation: 'tanh' }),
      denseLayer({ name: 'mid', inputSize: 6, outputSize: 4, activation: 'relu', bias: false }),
      denseLayer({ name: 'out', inputSize: 4, outputSize: 3 }),
    ],
    new Rng(4),
  );

const CASES: ReadonlyArray<{ mode: EstimationMode; loss: () => Loss }> = [
  { mode: 'ggn', loss: () => mseLoss() },
  { mode: 'ggn', loss: () => crossEntropyLoss() },
  { mode: 'fisher', loss: () => crossEntropyLoss() },
  { mode: 'empirical', loss: () => mseLoss() },
];

describe('statistics from the shared curvature context', () => {
  it.each(CASES)('$mode with $loss.name: the same factors as K-FAC’s own capture of the repeated batch, and no tensor left', async ({ mode, loss }) => {
    const m = model();
    const rng = new Rng(5);
    const y = normals(rng, 9, 3).map((row) => (mode === 'ggn' && loss().name === 'mse' ? row : row.map((_, j) => (j === row.indexOf(Math.max(...row)) ? 1 : 0))));
    const batch = { x: tf.tensor2d(normals(rng, 9, 5)), y: tf.tensor2d(y) };
    const before = tf.memory().numTensors;
    const factorsOf = async (ctx: RunStepContext) => {
      const k = makeKfac(m, { estimation: mode, damping: 1e-2 });
      await k.update(ctx);
      const blocks = (await k.inspect()).blocks.map((b) => b.factors!);
      k.dispose();
      ctx.dispose();
      return blocks;
    };
    // Same step number and RNG seed: fisher samples the same targets on both routes.
    const captures = vi.spyOn(NnCurvatureContext.prototype, 'capture');
    const shared = await factorsOf(stepContext(1, m, batch, loss(), new Rng(6)));
    expect(captures).toHaveBeenCalledTimes(1);
    expect(captures.mock.calls[0]![1]).toBe(mode === 'ggn' ? 3 : 1);
    const own = await factorsOf(new RunStepContext(1, m, batch, loss(), new Rng(6), undefined, false));
    expect(captures).toHaveBeenCalledTimes(1);
    captures.mockRestore();
    expect(shared).toHaveLength(3);
    shared.forEach((f, i) => {
      expect(f.a.length).toBeGreaterThan(0);
      expect(relativeError(f.a, own[i]!.a)).toBeLessThan(1e-6);
      expect(relativeError(f.g, own[i]!.g)).toBeLessThan(1e-5);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.x, batch.y]);
    m.dispose();
  });
});
