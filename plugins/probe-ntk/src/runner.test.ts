import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, defineExperiment, MemoryRunStore, resumeRun, runVariant, type PluginInstance } from '@precond/core';
import { mlp } from '@precond/nn';
import { sgd } from '@precond/optimizer-first-order';
import { fourierTarget } from '@precond/task-fourier-target';
import { describe, expect, it } from 'vitest';
import { ntk } from './plugin.js';

const environment = { backend: { name: 'cpu', version: tf.version_core }, gitCommit: null };

function experiment(probe: PluginInstance, options: { steps: number; log?: number; model?: PluginInstance; lr?: number; checkpointEvery?: number }) {
  return defineExperiment({
    name: 'ntk-probe',
    // 16 points carry at most ⌊16/2⌋ + 1 = 9 FFT modes (the task's own default asks for 10).
    task: fourierTarget({ points: 16, testPoints: 0, modes: 8 }),
    model: options.model ?? mlp({ hidden: [8] }),
    probes: [probe],
    settings: { steps: options.steps, log: { every: options.log ?? 1000 }, checkpointEvery: options.checkpointEvery ?? 0 },
    variants: { gd: { optimizer: sgd({ lr: options.lr ?? 0.1 }) } },
  });
}

type Row = Record<string, unknown>;

async function rowsOf(store: MemoryRunStore, location: string): Promise<Row[]> {
  const text = await (await store.open(location)).readText('metrics.jsonl');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

async function run(spec: ReturnType<typeof experiment>) {
  const store = new MemoryRunStore();
  const out = await runVariant({ experiment: spec, variant: 'gd', seed: 0, store, environment, location: 'run' });
  expect(out.error).toBeUndefined();
  expect(out.status).toBe('completed');
  return { store, rows: await rowsOf(store, 'run') };
}

const observedSteps = (rows: Row[]) => rows.filter((r) => 'ntk.eigenvalues' in r).map((r) => r.step);

describe('the ntk probe in a run', () => {
  it('observes every N steps (and at the last step), not at the other logged steps', async () => {
    const { rows } = await run(experiment(ntk({ every: 3 }), { steps: 10, log: 5 }));
    // Rows exist at the log steps 0, 5, 10 and the probe steps 0, 3, 6, 9; the runner also
    // observes every probe at the final step 10.
    expect(rows.map((r) => r.step)).toEqual([0, 3, 5, 6, 9, 10]);
    expect(observedSteps(rows)).toEqual([0, 3, 6, 9, 10]);
    const row = rows[0]!;
    expect(Object.keys(row).filter((k) => k.startsWith('ntk.'))).toEqual([
      'ntk.eigenvalues',
      'ntk.modes',
      'ntk.kernel_distance',
      'ntk.alignment',
      'ntk.param_distance',
      'ntk.weight_norm',
      'ntk.seconds',
    ]);
    // 16 samples, one output: all 16 eigenvalues (16 ≤ maxDense), the default 10 modes.
    expect(row['ntk.eigenvalues']).toHaveLength(16);
    expect(row['ntk.modes']).toHaveLength(10);
  });

  it('observes at log-spaced steps: round(10^(k/perDecade))', async () => {
    // 2 per decade: 10^0 = 1, 10^0.5 ≈ 3.16 → 3, 10, 10^1.5 ≈ 31.6 → 32; plus steps 0 and 40.
    const { rows } = await run(experiment(ntk({ logSpaced: 2 }), { steps: 40 }));
    expect(observedSteps(rows)).toEqual([0, 1, 3, 10, 32, 40]);
  });

  it('records the resolved options, with the default schedule filled in', async () => {
    const store = new MemoryRunStore();
    await runVariant({ experiment: experiment(ntk(), { steps: 1 }), variant: 'gd', seed: 0, store, environment, location: 'run' });
    const record = JSON.parse(await (await store.open('run')).readText('run.json'));
    expect(record.config.probes).toEqual([
      {
        plugin: 'ntk',
        package: '@precond/probe-ntk',
        version: '0.1.0',
        options: { probeSet: { type: 'train' }, maxDense: 2000, topK: 20, modes: 10, seconds: true, every: 100 },
      },
    ]);
  });

  it('a linear model keeps its kernel exactly while its parameters move', async () => {
    // f(x) = x w + b: J = [x_i, 1] does not depend on θ, so K is the same matrix at every step.
    const linear = mlp({ hidden: [], activation: 'identity' });
    const { rows } = await run(experiment(ntk({ every: 25 }), { steps: 300, model: linear, lr: 0.5 }));
    const observed = rows.filter((r) => 'ntk.kernel_distance' in r);
    expect(observed.map((r) => r.step)).toEqual([0, 25, 50, 75, 100, 125, 150, 175, 200, 225, 250, 275, 300]);
    for (const r of observed) expect(r['ntk.kernel_distance'], `step ${r.step}`).toBe(0);
    const moved = observed.map((r) => r['ntk.param_distance'] as number);
    expect(moved[0]).toBe(0);
    // GD moves (w, b) towards the least-squares fit of the sine sum: far from a rounding error.
    expect(moved[moved.length - 1]).toBeGreaterThan(0.1);
  });

  it('a nonlinear network moves its kernel away from K₀', async () => {
    const { rows } = await run(experiment(ntk({ every: 50 }), { steps: 200, lr: 0.5, model: mlp({ hidden: [8], initScale: 2 }) }));
    const distances = rows.filter((r) => 'ntk.kernel_distance' in r).map((r) => r['ntk.kernel_distance'] as number);
    expect(distances[0]).toBe(0);
    // Far above the ~1e-7 relative rounding of a float32-factored kernel (see ntk-probe.test.ts).
    expect(distances[distances.length - 1]).toBeGreaterThan(1e-4);
  });

  it('saves K₀ exactly in the checkpoint and, resumed, reports what an uninterrupted run reports', async () => {
    const spec = experiment(ntk({ every: 4 }), { steps: 30, lr: 0.5, model: mlp({ hidden: [8], initScale: 2 }) });
    const { rows: reference } = await run(spec);

    const store = new MemoryRunStore();
    const controller = new AbortController();
    const first = await runVariant({
      experiment: spec,
      variant: 'gd',
      seed: 0,
      store,
      environment,
      location: 'interrupted',
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 13) controller.abort();
      },
    });
    expect(first.status).toBe('interrupted');
    expect(first.step).toBe(13);
    const folder = await store.open('interrupted');
    const { tensors } = decodeSafetensors(await folder.readBytes('checkpoints/step-13/state.safetensors'));
    // K₀ of 16 samples × 1 output: 16·17/2 packed entries, two int32 words each; θ₀ as float32.
    expect(tensors['probes/ntk/initialKernel']).toMatchObject({ dtype: 'I32', shape: [136, 2] });
    expect(tensors['probes/ntk/initialParameters/0']).toMatchObject({ dtype: 'F32', shape: [1, 8] });

    const resumed = await resumeRun({ experiment: spec, store, location: 'interrupted', environment });
    expect(resumed.status).toBe('completed');
    const rows = await rowsOf(store, 'interrupted');
    // Everything but the clocks: the same steps, the same numbers to the last bit.
    const strip = (rs: Row[]) => rs.map(({ time_s: _t, 'ntk.seconds': _s, ...rest }) => rest);
    expect(strip(rows)).toEqual(strip(reference));
    // The observations after the resume measure from the restored K₀ and θ₀: not trivially 0.
    const after = rows.filter((r) => (r.step as number) > 13 && 'ntk.kernel_distance' in r);
    expect(after.length).toBe(5);
    for (const r of after) {
      expect(r['ntk.kernel_distance']).toBeGreaterThan(0);
      expect(r['ntk.param_distance']).toBeGreaterThan(0);
    }
  });

  it('fails the run with a message naming the option when the probe set does not fit the data', async () => {
    const store = new MemoryRunStore();
    const out = await runVariant({
      experiment: experiment(ntk({ probeSet: { type: 'first', count: 20 } }), { steps: 5 }),
      variant: 'gd',
      seed: 0,
      store,
      environment,
      location: 'run',
    });
    expect(out.status).toBe('failed');
    expect(out.error?.message).toBe("option 'probes.ntk.probeSet.count' is 20, but the training set has 16 samples; use at most 16");
  });
});
