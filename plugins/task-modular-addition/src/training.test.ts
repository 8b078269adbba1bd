// Full runs through core's runner: the GD smoke test of E3 against the NumPy peer, and the grokking
// markers across a real checkpoint and resume.
import { defineExperiment, MemoryRunStore, resumeRun, runVariant, type ExperimentSpec } from '@precond/core';
import { sgd } from '@precond/optimizer-first-order';
import { describe, expect, it } from 'vitest';
import { modularAddition, paperLearningRate, type ModularAdditionOptionsInput } from './index.js';

const environment = { backend: { name: 'cpu', version: 'test' } };

type Row = Record<string, number>;

function gdExperiment(options: ModularAdditionOptionsInput, steps: number, logEvery: number): ExperimentSpec {
  return defineExperiment({
    name: 'modular-addition-test',
    task: modularAddition(options),
    settings: { steps, log: { every: logEvery } },
    variants: { gd: { optimizer: sgd({ lr: paperLearningRate(100, options.alpha ?? 1) }) } },
  });
}

async function readRows(store: MemoryRunStore, location: string): Promise<Row[]> {
  const text = await (await store.open(location)).readText('metrics.jsonl');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
}

describe('gradient descent on E3 (p = 23, N = 100, α = 1, η = 100/α²)', () => {
  it('lowers the training loss from 1/2 by about 4.6% in 300 full-batch steps, as the NumPy peer does', async () => {
    const store = new MemoryRunStore();
    const out = await runVariant({ experiment: gdExperiment({}, 300, 100), variant: 'gd', seed: 0, store, location: 'gd', environment });
    expect(out.status).toBe('completed');
    const rows = await readRows(store, 'gd');
    expect(rows.map((r) => r.step)).toEqual([0, 100, 200, 300]);
    const first = rows[0]!;
    const last = rows[3]!;
    // At initialisation f ≈ 0 (each output has standard deviation ≈ 0.0075), so the loss is
    // ½ mean ‖y‖² = ½ up to ~0.003: measured 0.4994 to 0.5023 here (seeds 0-4), 0.4983 to 0.5017 by
    // the peer (seeds 0-9).
    expect(Math.abs(first.loss! - 0.5)).toBeLessThan(0.01);
    // `python3 /work/shared/peers/numpy_peer.py e3 --opt gd --steps 300` prints train_acc 0.0336 at
    // step 1 and 0.1197 at step 300 (test_acc 0.0). Its loss, computed from the same run (the
    // peer's run_e3 with the loss added to each history row), falls from 0.5004 to 0.4783: a factor
    // 1.046; over seeds 0-9 it falls by a factor 1.044 to 1.049 to 0.4770-0.4787. Here (float32
    // tfjs, other initial weights and split) seed 0 goes from 0.5003 to 0.4783, a factor 1.046, and
    // seeds 1-4 give 1.045 to 1.051. Asserted with margin: between 1.03 and 1.07, so a slower or
    // faster descent (a wrong loss scale or gradient) fails.
    const factor = first.loss! / last.loss!;
    expect(factor).toBeGreaterThan(1.03);
    expect(factor).toBeLessThan(1.07);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.loss).toBeLessThan(rows[i - 1]!.loss!);
    // Training accuracy rises as the peer's does (0.034 → 0.120; 0.09-0.15 at step 300 over seeds
    // 0-9); here 0.040 → 0.101 for seed 0 and 0.10-0.13 at step 300 for seeds 1-4. Test accuracy
    // stays near chance (at most 0.11 on the 53 test pairs in every row measured): no grokking
    // within 300 steps, which takes ~3,000 at α = 1 (PAPER.md).
    expect(last.train_accuracy).toBeGreaterThan(first.train_accuracy! + 0.03);
    expect(last.train_accuracy).toBeGreaterThan(0.07);
    expect(last.train_accuracy).toBeLessThan(0.2);
    expect(last.test_accuracy).toBeLessThan(0.2);
    expect(last).not.toHaveProperty('grok.train_step');
  });
});

describe('grokking markers through checkpoint and resume', () => {
  it('a run interrupted at step 300 and resumed writes the same rows, markers included, as one that was not', async () => {
    // p = 11 groks within a few hundred GD steps (measured, seed 0: train accuracy ≥ 0.9 at step
    // 200, test accuracy 0.917 ≥ 0.9 at step 500, so grok.delay = 300). The peer
    // (`numpy_peer.py e3 --opt gd --p 11 --steps 600`, seeds 0-2) reaches train accuracy 0.9 at
    // steps 168-216 and test accuracy 0.58-0.75 by step 600 on its 12 test pairs.
    const options = { p: 11, grokThreshold: 0.9 };
    const experiment = gdExperiment(options, 600, 50);
    const store = new MemoryRunStore();
    const whole = await runVariant({ experiment, variant: 'gd', seed: 0, store, location: 'whole', environment });
    expect(whole.status).toBe('completed');

    const controller = new AbortController();
    const cut = await runVariant({
      experiment,
      variant: 'gd',
      seed: 0,
      store,
      location: 'cut',
      environment,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 300) controller.abort();
      },
    });
    expect(cut.status).toBe('interrupted');
    expect(cut.step).toBe(300);
    const resumed = await resumeRun({ experiment, store, location: 'cut', environment });
    expect(resumed.status).toBe('completed');

    const strip = (rows: Row[]) => rows.map(({ time_s: _time, ...rest }) => rest);
    const expected = strip(await readRows(store, 'whole'));
    // The precondition that makes this a test of the state: the training marker is set before the
    // checkpoint (only the saved task state can carry it over) and the test marker after it.
    const final = expected.at(-1)!;
    expect(final['grok.train_step']).toBeLessThan(300);
    expect(final['grok.test_step']).toBeGreaterThan(300);
    expect(final['grok.delay']).toBe(final['grok.test_step']! - final['grok.train_step']!);
    expect(strip(await readRows(store, 'cut'))).toEqual(expected);
  });
});
