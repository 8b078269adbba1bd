import { defineExperiment, MemoryRunStore, runVariant } from '@precond/core';
import { sgd } from '@precond/optimizer-first-order';
import { fourierTarget } from '@precond/task-fourier-target';
import { describe, expect, it } from 'vitest';
import { shampoo } from './index.js';

/** Final training loss of `variant` after `steps` steps of E1, seed 0, through core's runner. */
async function finalLoss(experiment: Parameters<typeof runVariant>[0]['experiment'], variant: string): Promise<number> {
  const store = new MemoryRunStore();
  const out = await runVariant({ experiment, variant, seed: 0, store, location: variant, environment: { backend: { name: 'cpu', version: 'test' } } });
  expect(out.status).toBe('completed');
  const rows = (await (await store.open(variant)).readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });
  const last = rows[rows.length - 1]!;
  expect(last.step).toBe(200);
  return last.loss;
}

describe('convergence on E1 (fourier-target defaults: 1-80-80-1 tanh, 100 points)', () => {
  it('SGD + Shampoo (Adam grafting) ends 200 steps at less than half the loss of SGD at the same lr', async () => {
    const experiment = defineExperiment({
      name: 'shampoo-e1',
      task: fourierTarget(),
      settings: { steps: 200, log: { every: 200 } },
      variants: {
        sgd: { optimizer: sgd({ lr: 0.3 }) },
        shampoo: { optimizer: sgd({ lr: 0.3 }), preconditioner: shampoo({ graft: 'adam' }) },
      },
    });
    const [plain, preconditioned] = [await finalLoss(experiment, 'sgd'), await finalLoss(experiment, 'shampoo')];
    // Plain GD at the paper's η = 0.3 hardly moves in 200 steps: the loss starts at 0.3848 and, by
    // PAPER.md's measurement, GD needs about 3,700 steps just to halve the error of the 3-cycle
    // mode. Measured here: 0.3846 for SGD and 0.137 for SGD + Shampoo (seed 0, cpu backend), so the
    // assertion keeps a margin of 0.192 / 0.137 ≈ 1.4 on the preconditioned side.
    expect(plain).toBeGreaterThan(0.38);
    expect(preconditioned).toBeLessThan(0.5 * plain);
  });
});
