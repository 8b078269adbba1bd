import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { defineExperiment } from '../experiment/experiment.js';
import { decodeSafetensors } from '../state/safetensors.js';
import { MemoryRunStore } from '../store/run-store.js';
import { Rng } from '../rng/rng.js';
import { linearTaskPlugin, momentumPlugin } from '../test-support/linear-problem.js';
import { readRunRecord, resumeRun, runVariant, type RunRequest } from './run.js';

const environment = { backend: { name: 'cpu', version: tf.version_core }, gitCommit: null };

const experiment = defineExperiment({
  name: 'linear',
  task: linearTaskPlugin({ points: 32 }),
  settings: { steps: 60, seeds: [0], log: { every: 10 }, checkpointEvery: 20 },
  variants: {
    gd: { optimizer: momentumPlugin({ lr: 0.1, beta: 0.5 }) },
    minibatch: { optimizer: momentumPlugin({ lr: 0.05 }), settings: { batchSize: 8 } },
  },
});

async function rows(store: MemoryRunStore, location: string) {
  const folder = await store.open(location);
  return (await folder.readText('metrics.jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
const withoutTime = (rs: Record<string, unknown>[]) => rs.map(({ time_s: _t, ...rest }) => rest);

async function run(extra: Partial<RunRequest> = {}) {
  const store = (extra.store as MemoryRunStore | undefined) ?? new MemoryRunStore();
  const out = await runVariant({ experiment, variant: 'gd', seed: 0, store, environment, location: `r${Math.random()}`, ...extra });
  return { store, out };
}

describe('runVariant', () => {
  it('writes a complete run record and converges to the least-squares solution', async () => {
    const before = tf.memory().numTensors;
    const { store, out } = await run({ overrides: { steps: 400 } });
    expect(out.status).toBe('completed');
    expect(tf.memory().numTensors).toBe(before);
    const folder = await store.open(out.location);
    const record = await readRunRecord(folder);
    expect(record.status).toBe('completed');
    expect(record.backend.name).toBe('cpu');
    expect(record.config?.optimizer).toEqual({
      plugin: 'test-momentum',
      package: 'core-test',
      version: '0.0.0',
      options: { lr: 0.1, beta: 0.5 },
    });
    // Defaults the experiment did not state are on record too.
    expect((record.config?.model as { options: unknown }).options).toEqual({ initScale: 0.1 });
    expect(record.timing.s_per_step).toBeGreaterThan(0);
    expect(record.timing.steps_timed).toBe(399); // the first step is excluded
    const rs = await rows(store, out.location);
    expect(rs.map((r) => r.step)).toEqual(Array.from({ length: 41 }, (_, i) => i * 10));
    // Step-0 checkpoint holds the initial parameters, in safetensors format.
    const bytes = await folder.readBytes('checkpoints/step-0/params.safetensors');
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header['dense_0/kernel']).toMatchObject({ dtype: 'F32', shape: [3, 1] });
    const initial = decodeSafetensors(bytes).tensors['dense_0/kernel']!.data;
    expect(Array.from(initial)).toEqual((rs[0]!.w as number[]).map((v) => Math.fround(v)));

    // Independent check: the least-squares solution of the same data from the normal equations
    // (float64, plain JS). GD with momentum on a convex quadratic converges to it.
    const data = new Rng(0).fork('data');
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 32; i++) X.push([0, 0, 0].map(() => Math.fround(data.normal())));
    for (let i = 0; i < 32; i++) y.push(0);
    // Re-draw exactly as the task does: all x first, then per point y with one noise draw.
    const d2 = new Rng(0).fork('data');
    const xs = Array.from({ length: 96 }, () => Math.fround(d2.normal()));
    for (let i = 0; i < 32; i++) {
      X[i] = [xs[3 * i]!, xs[3 * i + 1]!, xs[3 * i + 2]!, 1];
      y[i] = Math.fround(xs[3 * i]! - 2 * xs[3 * i + 1]! + 0.5 * xs[3 * i + 2]! + 0.3 + 0.1 * d2.normal());
    }
    const A = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => X.reduce((s, row) => s + row[r]! * row[c]!, 0)));
    const b = [0, 1, 2, 3].map((r) => X.reduce((s, row, i) => s + row[r]! * y[i]!, 0));
    for (let k = 0; k < 4; k++) {
      for (let r = k + 1; r < 4; r++) {
        const f = A[r]![k]! / A[k]![k]!;
        for (let c = k; c < 4; c++) A[r]![c]! -= f * A[k]![c]!;
        b[r]! -= f * b[k]!;
      }
    }
    const theta = [0, 0, 0, 0];
    for (let r = 3; r >= 0; r--) theta[r] = (b[r]! - [0, 1, 2, 3].slice(r + 1).reduce((s, c) => s + A[r]![c]! * theta[c]!, 0)) / A[r]![r]!;
    const finalW = rs.at(-1)!.w as number[];
    finalW.forEach((w, i) => expect(w).toBeCloseTo(theta[i]!, 4));
  });

  it('gives identical metrics for the same seed, and different ones for another seed', async () => {
    const a = await run();
    const b = await run();
    const c = await run({ seed: 1 });
    expect(withoutTime(await rows(b.store, b.out.location))).toEqual(withoutTime(await rows(a.store, a.out.location)));
    expect(withoutTime(await rows(c.store, c.out.location))).not.toEqual(withoutTime(await rows(a.store, a.out.location)));
  });

  for (const variant of ['gd', 'minibatch']) {
    it(`resumes an interrupted ${variant} run bit-exactly`, async () => {
      const reference = await run({ variant });
      const store = new MemoryRunStore();
      const controller = new AbortController();
      const stopped = await runVariant({
        experiment,
        variant,
        seed: 0,
        store,
        environment,
        location: 'interrupted',
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'step' && e.step === 33) controller.abort();
        },
      });
      expect(stopped.status).toBe('interrupted');
      const folder = await store.open('interrupted');
      expect((await readRunRecord(folder)).last_checkpoint).toBe(33);
      expect(await folder.exists('checkpoints/step-33/params.safetensors')).toBe(true);
      const resumed = await resumeRun({ experiment, store, location: 'interrupted', environment });
      expect(resumed.status).toBe('completed');
      expect(withoutTime(await rows(store, 'interrupted'))).toEqual(withoutTime(await rows(reference.store, reference.out.location)));
      expect((await readRunRecord(folder)).resumes).toHaveLength(1);
    });
  }

  it('lets the event loop run during a run, so an abort from a timer or signal handler is honoured', async () => {
    // Every await of a step resolves at once on cpu with a memory store, so without turns given to
    // the event loop this timer would only fire after all 100,000 steps.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 100);
    const { store, out } = await run({ overrides: { steps: 100_000 }, signal: controller.signal });
    clearTimeout(timer);
    expect(out.status).toBe('interrupted');
    expect(out.step).toBeGreaterThan(0);
    expect(out.step).toBeLessThan(100_000);
    const record = await readRunRecord(await store.open(out.location));
    expect(record.last_checkpoint).toBe(out.step);
  });

  it('marks a run failed on a NaN loss and keeps the metrics written so far', async () => {
    // lr 50 on this quadratic (largest curvature ≈ 1-4) makes every step overshoot by a growing
    // factor, so the loss overflows float32 after a few dozen steps.
    const { store, out } = await run({ overrides: { 'optimizer.lr': 50, steps: 500, log: { every: 1 } } });
    expect(out.status).toBe('failed');
    expect(out.error?.message).toMatch(/(loss|training loss) became (NaN|Infinity)/);
    const record = await readRunRecord(await store.open(out.location));
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('non-finite-loss');
    const rs = await rows(store, out.location);
    expect(rs.length).toBeGreaterThan(3);
    expect(rs.every((r) => Number.isFinite(r.loss as number))).toBe(true);
    expect(rs.at(-1)!.step).toBeLessThan(500);
  });

  it('fails with a message naming the option path on a bad option or override', async () => {
    const bad = await run({ overrides: { 'optimizer.lr': 'fast' } });
    expect(bad.out.status).toBe('failed');
    expect(bad.out.error?.message).toContain("option 'optimizer.lr' of plugin 'test-momentum'");
    const unknown = await run({ overrides: { 'optimizer.lrr': 0.1 } });
    expect(unknown.out.error?.message).toContain("unknown option 'optimizer.lrr'");
    expect(unknown.out.error?.message).toContain('its options are: lr, beta');
    const nowhere = await run({ overrides: { 'optimiser.lr': 0.1 } });
    expect(nowhere.out.error?.message).toContain("there is no 'optimiser' to set");
    const record = await readRunRecord(await nowhere.store.open(nowhere.out.location));
    expect(record.status).toBe('failed');
  });

  it('refuses an unknown variant, naming the known ones', async () => {
    await expect(run({ variant: 'adam' })).rejects.toThrow("unknown variant 'adam' in experiment 'linear'; the known ones are: gd, minibatch");
  });
});
