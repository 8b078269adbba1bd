// The claims of E3 on shortened runs (seed 0, wasm): under gradient descent the step at which the
// network generalises grows with α; Levenberg-Marquardt reaches 95% test accuracy within a few
// steps at every α; K-FAC and Shampoo (Adam grafting) do within 100 steps at the laziest α. The
// full sweep is in the README figures.
import { MemoryRunStore, runVariant } from '@precond/core';
import { selectBackend } from '@precond/runtime-node';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import experiment, { ALPHAS, evaluationSteps, GD_STEPS } from '../experiment.js';

interface Row {
  step: number;
  loss: number;
  train_accuracy: number;
  test_accuracy: number;
  'grok.train_step'?: number;
  'grok.test_step'?: number;
  'grok.delay'?: number;
}

async function history(variant: string, steps: number): Promise<Row[]> {
  const backend = await selectBackend('wasm');
  const store = new MemoryRunStore();
  const out = await runVariant({
    experiment,
    variant,
    seed: 0,
    store,
    location: 'run',
    overrides: { steps },
    environment: { backend: { name: backend.name, version: backend.version } },
  });
  expect(out.status).toBe('completed');
  return (await (await store.open('run')).readText('metrics.jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

describe('grokking-mlp (E3): the experiment', () => {
  it('evaluates every step to 20, every 5 to 100, every 10 to 1,000 and every 25 after, ending at the last step', () => {
    const grid = evaluationSteps(1100);
    expect(grid.slice(0, 22)).toEqual([...Array.from({ length: 21 }, (_, i) => i), 25]);
    expect(grid.filter((s) => s > 100 && s <= 1000)).toHaveLength(90);
    expect(grid.slice(-5)).toEqual([1000, 1025, 1050, 1075, 1100]);
    expect(evaluationSteps(1010).at(-1)).toBe(1010);
  });

  it('names one variant per optimizer and α', () => {
    const names = Object.keys(experiment.variants);
    for (const optimizer of ['gd', 'lm', 'kfac', 'shampoo', 'adam']) {
      for (const alpha of ALPHAS) expect(names).toContain(`${optimizer}-a${alpha}`);
    }
    expect(names).toHaveLength(5 * ALPHAS.length);
  });
});

describe('grokking-mlp (E3) under gradient descent, η = 100/α²', () => {
  it('generalises by step 600 at α = 0.5 but not by step 1,200 at α = 1', async () => {
    // PAPER.md ("Numerical facts", NumPy peer): GD groks at α = 1 within about 3,000 steps and at
    // α = 2 after 13,000-15,000, so the grok step grows roughly as α²; at α = 0.5 that is ~750.
    // Measured here (wasm, full runs, seeds 0-2): α = 0.5 reaches 95% test accuracy at steps
    // 450-470, α = 1 at 2,300-2,325 with test accuracy 0 at step 1,200 (training accuracy 0.63-0.65
    // there: it is memorising). Asserted: the α = 0.5 marker is set by step 600, the α = 1 run has
    // none and test accuracy ≤ 0.1 at step 1,200, so grok step(α = 1) > 1,200 > 600 ≥ grok step(α = 0.5).
    expect(GD_STEPS[0.5]).toBeGreaterThanOrEqual(600);
    const half = await history('gd-a0.5', 600);
    const halfLast = half.at(-1)!;
    expect(halfLast.step).toBe(600);
    expect(halfLast['grok.test_step']).toBeLessThanOrEqual(600);
    // The training set is fitted first: the delay is positive (measured 70-100 steps).
    expect(halfLast['grok.delay']).toBeGreaterThan(0);

    const one = await history('gd-a1', 1200);
    const oneLast = one.at(-1)!;
    expect(oneLast.step).toBe(1200);
    expect(oneLast).not.toHaveProperty('grok.test_step');
    expect(oneLast.test_accuracy).toBeLessThanOrEqual(0.1);
    // ... while it fits the training pairs: training accuracy well above chance (1/23).
    expect(oneLast.train_accuracy).toBeGreaterThan(0.4);
  }, 600_000);
});

describe('grokking-mlp (E3) under Levenberg-Marquardt, μ = 1e-3/α², CG 30, η = 1', () => {
  it('reaches 95% test accuracy within 15 steps at every α of the sweep, leaving no tensors behind', async () => {
    // Issue claim: within 100 steps for every α. The NumPy peer (`numpy_peer.py e3 --opt lm
    // --alpha 2`, seed 0) reaches 94% test accuracy at step 5 and 100% at step 6; measured here
    // (wasm, seed 0) the marker is set at step 5 for α = 0.5, 1 and 2. Asserted with margin: by
    // step 15, and at most 10 steps apart across α (GD's differ by thousands).
    const before = tf.memory().numTensors;
    const grokSteps: number[] = [];
    for (const alpha of ALPHAS) {
      const last = (await history(`lm-a${alpha}`, 15)).at(-1)!;
      expect(last['grok.test_step'], `α = ${alpha}`).toBeLessThanOrEqual(15);
      expect(last.test_accuracy, `α = ${alpha}`).toBeGreaterThanOrEqual(0.95);
      grokSteps.push(last['grok.test_step']!);
    }
    expect(Math.max(...grokSteps) - Math.min(...grokSteps)).toBeLessThanOrEqual(10);
    // A run disposes everything it made (model, data, optimizer and CG state).
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);
});

describe('grokking-mlp (E3) with Kronecker-factored curvature at α = 2', () => {
  it('K-FAC (adaptive damping, η = 1) reaches 95% test accuracy within 100 steps', async () => {
    // Measured (wasm, seed 0): training accuracy ≥ 95% at step 50, test at step 65; GD at the
    // same α needs thousands of steps (PAPER.md: 13,000-15,000 in NumPy).
    const last = (await history('kfac-a2', 100)).at(-1)!;
    expect(last['grok.test_step']).toBeLessThanOrEqual(100);
    expect(last.test_accuracy).toBeGreaterThanOrEqual(0.95);
  }, 600_000);

  it('Shampoo with Adam grafting (η = 0.03) reaches 95% test accuracy within 100 steps, before Adam at the same η', async () => {
    // Measured (wasm, seeds 0-1): Shampoo's training accuracy ≥ 95% at step 40, test at step 70;
    // Adam alone (the step length Shampoo grafts) at steps 55 and 95-100. Asserted: Shampoo's
    // marker by step 100 and earlier than Adam's, so the Kronecker-factored direction, not only
    // Adam's step length, is what speeds it up.
    const shampooLast = (await history('shampoo-a2', 100)).at(-1)!;
    expect(shampooLast['grok.test_step']).toBeLessThanOrEqual(100);
    expect(shampooLast.test_accuracy).toBeGreaterThanOrEqual(0.95);
    const adamLast = (await history('adam-a2', 120)).at(-1)!;
    expect(adamLast['grok.test_step']).toBeDefined();
    expect(shampooLast['grok.test_step']!).toBeLessThan(adamLast['grok.test_step']!);
  }, 600_000);
});
