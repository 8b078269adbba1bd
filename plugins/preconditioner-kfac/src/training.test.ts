// K-FAC inside real training: no tensor growth over 50 steps on a model K-FAC captures itself,
// and faster loss decrease than gradient descent on the paper's E1 through core's runner.
import * as tf from '@tensorflow/tfjs-core';
import { chain, defineExperiment, MemoryRunStore, mseLoss, Rng, runVariant, transformationOptimizer } from '@precond/core';
import { denseLayer, embeddingLayer, sequentialModel, type Layer } from '@precond/nn';
import { sgd } from '@precond/optimizer-first-order';
import { fourierTarget } from '@precond/task-fourier-target';
import { scaleBy } from '@precond/testkit';
import { describe, expect, it } from 'vitest';
import { kfac, kfacOptions, kfacPreconditioner, type KfacOptionsInput } from './index.js';
import { normals, stepContext } from './test-support/reference.js';

describe('tensors over 50 steps', () => {
  const gate: Layer = {
    name: 'gate',
    kind: 'gate',
    params: [{ name: 'weights', shape: [6], init: () => new Float32Array(6).fill(1) }],
    forward: (params, input) => tf.mul(input, params[0]!),
  };
  for (const options of [
    { estimation: 'fisher', fallback: 'diagonal', inverseUpdateEvery: 4, adaptiveDamping: { every: 3 } },
    { estimation: 'ggn', inverse: 'cholesky', factorUpdateEvery: 2, burnIn: 3 },
    { estimation: 'empirical', inverseUpdateEvery: 1 },
  ] satisfies KfacOptionsInput[]) {
    it(`${JSON.stringify(options)}: the live tensor count is the same before and after 50 steps`, async () => {
      const model = sequentialModel(
        [
          embeddingLayer({ name: 'embedding', vocabSize: 9, dim: 3, sequenceLength: 2 }),
          gate,
          denseLayer({ name: 'hidden', inputSize: 6, outputSize: 8, activation: 'tanh' }),
          denseLayer({ name: 'out', inputSize: 8, outputSize: 3 }),
        ],
        new Rng(1),
      );
      const rng = new Rng(2);
      const batch = { x: tf.tensor2d(Array.from({ length: 16 }, () => [rng.int(9), rng.int(9)])), y: tf.tensor2d(normals(rng, 16, 3)) };
      const optimizer = transformationOptimizer(chain(scaleBy(-0.1)), kfacPreconditioner(kfacOptions.parse(options)));
      optimizer.init(model.params);
      const step = async (s: number) => {
        const ctx = stepContext(s, model, batch, mseLoss(), rng);
        await optimizer.step(ctx);
        ctx.dispose();
      };
      // Warm-up past the burn-in: on device backends the first inverse's float32 copies are made
      // at the first apply that uses them, state rather than growth.
      for (let s = 1; s <= 4; s++) await step(s);
      const before = tf.memory().numTensors;
      for (let s = 5; s <= 54; s++) await step(s);
      expect(tf.memory().numTensors).toBe(before);
      optimizer.dispose();
      model.dispose();
      tf.dispose([batch.x, batch.y]);
    });
  }
});

describe('convergence on E1 (PAPER.md: 1-80-80-1 tanh MLP, 100 points, MSE)', () => {
  it('sgd(lr 1) with K-FAC (adaptive damping) lowers the loss far faster than gradient descent in 50 steps', async () => {
    const experiment = defineExperiment({
      name: 'kfac-e1',
      task: fourierTarget(),
      settings: { steps: 50, log: { every: 50 } },
      variants: {
        // The paper's GD step η = 0.3 (PAPER.md, "Numerical facts"); plain GD at η = 1 diverges here.
        gd: { optimizer: sgd({ lr: 0.3 }) },
        kfac: { optimizer: sgd({ lr: 1 }), preconditioner: kfac({ damping: 1e-3, inverseUpdateEvery: 1, adaptiveDamping: { every: 1 } }) },
      },
    });
    const lossAt50 = async (variant: string) => {
      const store = new MemoryRunStore();
      const environment = { backend: { name: tf.getBackend(), version: tf.version_core }, gitCommit: null };
      const outcome = await runVariant({ experiment, variant, seed: 0, store, environment, location: variant });
      expect(outcome.status).toBe('completed');
      const rows = new TextDecoder().decode(store.files.get(`${variant}/metrics.jsonl`)).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });
      return { start: rows.find((r) => r.step === 0)!.loss, end: rows.find((r) => r.step === 50)!.loss };
    };
    const gd = await lossAt50('gd');
    const kfacRun = await lossAt50('kfac');
    // Measured with this test's settings on the cpu backend (seed 0; seed 1 in brackets):
    // both start at 0.3848 (0.3846); GD ends at 0.38473 (0.38447), a drop of 5e-5 (1.5e-4), the
    // spectral-bias plateau; K-FAC ends at 0.156 (0.167). Asserted with margin: GD stays above
    // 0.38, K-FAC ends below 0.25 and drops more than 100 times as much as GD.
    expect(gd.start).toBeCloseTo(0.3848, 3);
    expect(gd.end).toBeGreaterThan(0.38);
    expect(kfacRun.end).toBeLessThan(0.25);
    expect(kfacRun.start - kfacRun.end).toBeGreaterThan(100 * (gd.start - gd.end));
  });
});
