// E6's variants on a case small enough for CI: (a + b) mod 11 with half of the 121 pairs for
// training (60 train, 61 validation), a 1-block transformer with d_model 32 and 2 heads, full
// batch. The full experiment (p = 97, 2 blocks, d_model 128) is in the README figures.
import * as tf from '@tensorflow/tfjs-core';
import { MemoryRunStore, runVariant, type Overrides } from '@precond/core';
import { selectBackend } from '@precond/runtime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import experiment, { GGN_BATCH, GGN_CG_ITERATIONS, SWITCH_AT } from '../experiment.js';

interface Row {
  step: number;
  loss: number;
  train_accuracy: number;
  test_accuracy: number;
  'opt.phase'?: string;
  'opt.first.mu'?: number;
}

const P = 11;
const SMALL: Overrides = { 'task.p': P, 'task.dModel': 32, 'task.heads': 2, 'task.layers': 1, batchSize: 'full' };

async function run(variant: string, steps: number, logEvery: number, extra: Overrides = {}, onStep?: (step: number) => void): Promise<Row[]> {
  const store = new MemoryRunStore();
  const out = await runVariant({
    experiment,
    variant,
    seed: 0,
    store,
    location: 'run',
    overrides: { ...SMALL, steps, log: { every: logEvery }, ...extra },
    environment: { backend: { name: tf.getBackend(), version: tf.version_core } },
    ...(onStep ? { onEvent: (e: { type: string; step?: number }) => e.type === 'step' && onStep(e.step!) } : {}),
  });
  if (out.status !== 'completed') throw out.error ?? new Error(`run ended ${out.status}`);
  return (await (await store.open('run')).readText('metrics.jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

/** The small case's GGN: same rule as the experiment's, μ started at the small batch's scale (60 pairs; see experiment.ts). */
const SMALL_GGN: Overrides = { 'optimizer.mu': { type: 'adaptive', initial: 60 } };

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('grokking-transformer (E6) settings', () => {
  it('keeps the paper’s switch point and states its GGN budget', () => {
    // PAPER.md, E6: GGN for 3000 steps then Adam. The GGN budget is this project's choice (README).
    expect(SWITCH_AT).toBe(3000);
    expect(GGN_BATCH).toBe(128);
    expect(GGN_CG_ITERATIONS).toBe(5);
    const hybrid = experiment.variants['ggn-then-adam'].optimizer;
    expect(hybrid.meta.id).toBe('hybrid');
  });
});

describe('grokking-transformer (E6), shortened', () => {
  it('Adam fits the training pairs while validation accuracy stays near chance', async () => {
    const rows = await run('adam', 150, 50);
    // Chance is 1/11 ≈ 0.09. Measured (seed 0, wasm; `precond run` with the same settings): training
    // accuracy 0.05, 0.38, 1, 1 at steps 0, 50, 100, 150 (loss 3.03 → 0.017) while validation accuracy
    // falls from 0.18 (one class guessed at step 0) to 0 and stays there through step 300: the
    // memorising phase before grokking (the task README shows the same for p = 7). Asserted with
    // margins: ≥ 0.9 on training, ≤ 0.3 on validation, loss below half its start.
    const last = rows.at(-1)!;
    expect(rows[0]!.train_accuracy).toBeLessThan(0.3);
    expect(last.train_accuracy).toBeGreaterThanOrEqual(0.9);
    expect(last.test_accuracy).toBeLessThanOrEqual(0.3);
    expect(last.loss).toBeLessThan(0.5 * rows[0]!.loss);
  });

  it('GGN lowers the training loss faster per step than Adam in the first steps', async () => {
    const adam = await run('adam', 10, 10);
    const ggn = await run('ggn', 10, 10, SMALL_GGN);
    // Both start from the same weights (seed 0), so the same loss at step 0 (3.03 here; ln 11 =
    // 2.40 for uniform outputs, above it from the normal-initialised embeddings). Measured after
    // 10 steps: Adam 2.29, GGN 0.35 with μ from 60 (0.34 from μ = 100, 0.79 from μ = 10, 1.65 from
    // μ = 1 after 7 rejected steps). Asserted: GGN below 0.8× Adam's loss and below half its start.
    expect(ggn[0]!.loss).toBeCloseTo(adam[0]!.loss, 5);
    expect(ggn.at(-1)!.loss).toBeLessThan(0.8 * adam.at(-1)!.loss);
    expect(ggn.at(-1)!.loss).toBeLessThan(0.5 * ggn[0]!.loss);
  });

  it('the hybrid runs GGN up to its switch step, then Adam, records the phase and leaks no tensor', async () => {
    const switchAt = 4;
    const steps = 9;
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const rows = await run('ggn-then-adam', steps, 1, { 'optimizer.switchAt': switchAt, 'optimizer.first.mu': { type: 'adaptive', initial: 60 } }, () => {
      counts[counts.length] = tf.memory().numTensors;
    });
    // Row s holds the diagnostics of step s: steps 1..switchAt are GGN's, the rest Adam's.
    for (const row of rows.slice(1)) {
      if (row.step <= switchAt) {
        expect(row['opt.phase'], `step ${row.step}`).toBe('first');
        expect(row['opt.first.mu'], `step ${row.step}`).toBeGreaterThan(0);
      } else {
        expect(row['opt.phase'], `step ${row.step}`).toBe('then');
        // Adam reports no diagnostics of its own, so GGN's (first.*) must be gone.
        expect(row['opt.first.mu'], `step ${row.step}`).toBeUndefined();
      }
    }
    // Tensors alive after each step: constant within a phase once the phase's state exists (GGN's
    // CG warm start after its first step, Adam's moments after its first), and back to the count
    // before the run once it has ended.
    const ggnPhase = counts.slice(1, switchAt);
    const adamPhase = counts.slice(switchAt + 1, steps);
    expect(new Set(ggnPhase).size, `tensors after GGN steps 2..${switchAt}: ${ggnPhase.join(', ')}`).toBe(1);
    expect(new Set(adamPhase).size, `tensors after Adam steps: ${adamPhase.join(', ')}`).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
