import { MemoryRunStore, runVariant } from '@precond/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { catalogEntry, DEFAULT_CHOICES } from '../experiments/catalog.js';
import { collectOverrides, variantForms } from './slots.js';

const e1 = () => catalogEntry('spectral-bias').build(DEFAULT_CHOICES);

describe('variantForms', () => {
  it("E1 adam: settings, task, the task's default model, optimizer, each resolved as a run resolves it", () => {
    const forms = variantForms(e1(), 'adam');
    expect(forms.map((f) => f.title)).toEqual([
      'settings',
      'task: fourier-target (@precond/task-fourier-target)',
      'model: mlp (@precond/nn)',
      'optimizer: adam (@precond/optimizer-first-order)',
    ]);
    // experiment.ts: steps 3000, log every 25; the variant adds nothing.
    expect(forms[0]!.initial).toEqual({ steps: 3000, seeds: [0, 1, 2], log: { every: 25 }, checkpointEvery: 0, batchSize: 'full' });
    // The seed is picked beside the form.
    expect(forms[0]!.field.fields.map((f) => f.key)).toEqual(['steps', 'log', 'eval', 'checkpointEvery', 'batchSize']);
    // The task's defaults are the paper's E1 (PAPER.md): bins 3, 5, 7 of 100 points on [-1, 1).
    expect(forms[1]!.initial).toMatchObject({ frequencies: [3, 5, 7], domain: [-1, 1], points: 100, modes: 10 });
    // The task's default model: 1-80-80-1 tanh, Glorot uniform.
    expect(forms[2]!.initial).toEqual({ hidden: [80, 80], activation: 'tanh', outputActivation: 'identity', bias: true, init: 'glorot-uniform', initScale: 1, outputScale: 1 });
    expect(forms[3]!.initial).toEqual({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  });

  it("E1 sgd: the variant's own steps (8000) and learning rate (0.3)", () => {
    const forms = variantForms(e1(), 'sgd');
    expect(forms[0]!.initial.steps).toBe(8000);
    expect(forms[3]!.initial).toEqual({ lr: 0.3, weightDecay: 0 });
  });

  it("E3: the model the task proposes for its options, α²/(2p·N) = 1/(2·23·100) on the output", () => {
    const forms = variantForms(catalogEntry('modular-addition').build(DEFAULT_CHOICES), 'sgd');
    expect(forms[2]!.initial).toMatchObject({ hidden: [100], activation: 'quadratic', bias: false, init: 'normal' });
    expect(forms[2]!.initial.outputScale).toBeCloseTo(1 / 4600, 15);
    // GD at η = 100/α² with α = 1.
    expect(forms[3]!.initial).toEqual({ lr: 100, weightDecay: 0 });
  });

  it('with the NTK probe: a form for probes.ntk, observing every 25 steps', () => {
    const forms = variantForms(catalogEntry('spectral-bias').build({ ...DEFAULT_CHOICES, ntk: true }), 'adam');
    expect(forms.at(-1)!.slot).toBe('probes.ntk');
    expect(forms.at(-1)!.initial.every).toBe(25);
  });

  it('refuses an unknown variant, listing the variants', () => {
    expect(() => variantForms(e1(), 'lbfgs')).toThrow(/lbfgs.*adam/s);
  });
});

describe('collectOverrides', () => {
  it('gives the overrides a run takes, and the run records them and their effect', async () => {
    const spec = e1();
    const forms = variantForms(spec, 'adam');
    const values = new Map(forms.map((f) => [f.slot, { ...f.initial }]));
    values.get('settings')!.steps = 2;
    values.get('optimizer')!.lr = 0.05;
    values.get('model')!.hidden = [8];
    const overrides = collectOverrides(forms, values);
    expect(overrides).toEqual({ steps: 2, 'model.hidden': [8], 'optimizer.lr': 0.05 });
    const store = new MemoryRunStore();
    const tensors = tf.memory().numTensors;
    const outcome = await runVariant({ experiment: spec, variant: 'adam', seed: 0, overrides, store, location: 'r', environment: { backend: { name: 'cpu', version: tf.version_core } } });
    expect(outcome.status).toBe('completed');
    const record = JSON.parse(await (await store.open('r')).readText('run.json')) as { overrides: unknown; config: { optimizer: { options: { lr: number } }; model: { options: { hidden: number[] } } } };
    expect(record.overrides).toEqual(overrides);
    expect(record.config.optimizer.options.lr).toBe(0.05);
    expect(record.config.model.options.hidden).toEqual([8]);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('is empty when nothing changed', () => {
    const forms = variantForms(e1(), 'sgd');
    expect(collectOverrides(forms, new Map())).toEqual({});
  });
});
