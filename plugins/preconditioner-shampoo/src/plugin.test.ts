import { defineExperiment, MemoryRunStore, OptionsError, parsePluginOptions, runVariant } from '@precond/core';
import { sgd } from '@precond/optimizer-first-order';
import { fourierTarget } from '@precond/task-fourier-target';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import shampooDefault, { shampoo, shampooOptions } from './index.js';

describe('the shampoo plugin', () => {
  it('carries the package identity and is the default export', () => {
    expect(shampoo.meta).toMatchObject({ name: packageJson.name, version: packageJson.version, kind: 'preconditioner', id: 'shampoo' });
    expect(shampooDefault).toBe(shampoo);
  });

  it('fills in the documented defaults (README, "Options")', () => {
    expect(shampooOptions.parse({})).toEqual({
      beta2: 1,
      exponent: 4,
      epsilon: 1e-12,
      rootMethod: 'eigh',
      preconditionerUpdateEvery: 10,
      startStep: 1,
      graft: 'sgd',
      graftBeta1: 0.9,
      graftBeta2: 0.999,
      graftEpsilon: 1e-8,
      maxPreconditionerDim: 1024,
      vectors: 'diagonal',
      maxRootResidual: 0.1,
      newtonTolerance: 1e-6,
      newtonMaxIterations: 100,
      placement: 'auto',
    });
  });

  it('names the option, the value and what is allowed in every error', () => {
    const parse = (config: unknown) => () => parsePluginOptions(shampoo(config as never), config, 'preconditioner');
    expect(parse({ graft: 'lamb' })).toThrow(OptionsError);
    expect(parse({ graft: 'lamb' })).toThrow(/option 'preconditioner\.graft' of plugin 'shampoo'.*given 'lamb'/);
    expect(parse({ beta2: 0 })).toThrow(/preconditioner\.beta2.*must be in \(0, 1\]/);
    expect(parse({ exponent: 2.5 })).toThrow(/preconditioner\.exponent.*must be a positive integer/);
    expect(parse({ maxPreconditionerDim: 0 })).toThrow(/preconditioner\.maxPreconditionerDim.*must be a positive integer/);
    expect(parse({ epsilon: -1 })).toThrow(/preconditioner\.epsilon.*must be >= 0/);
    expect(parse({ updateEvery: 5 })).toThrow(/unknown option 'preconditioner\.updateEvery' for plugin 'shampoo'.*its options are: beta2, exponent/);
  });

  it('runs the README example', async () => {
    const experiment = defineExperiment({
      name: 'shampoo-example',
      task: fourierTarget(),
      settings: { steps: 12, log: { every: 4 } },
      variants: { shampoo: { optimizer: sgd({ lr: 0.1 }), preconditioner: shampoo({ graft: 'adam' }) } },
    });
    const store = new MemoryRunStore();
    const out = await runVariant({ experiment, variant: 'shampoo', seed: 0, store, location: 'r', environment: { backend: { name: 'cpu', version: 'test' } } });
    expect(out.status).toBe('completed');
    const folder = await store.open('r');
    const record = JSON.parse(await folder.readText('run.json')) as { config: Record<string, { options?: Record<string, unknown> }> };
    expect(record.config.preconditioner?.options).toMatchObject({ graft: 'adam', preconditionerUpdateEvery: 10, placement: 'auto' });
    const rows = (await folder.readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    // The diagnostics are logged as opt.shampoo.*; 12 steps from startStep 1 hold two root updates.
    expect(rows.at(-1)).toMatchObject({ step: 12, 'opt.shampoo.root_failures': 0 });
    expect(rows.at(-1)!['opt.shampoo.root_residual']).toBeTypeOf('number');
  });
});
