import { createRunContainer, OptionsError, parsePluginOptions, PROBE, resolveAll } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { ntkOptions, ntkSchedule } from './options.js';
import { ntk } from './plugin.js';

describe('ntk options', () => {
  it('fills every default, with the schedule every 100 steps when none is given', () => {
    expect(ntkOptions.parse({})).toEqual({ probeSet: { type: 'train' }, maxDense: 2000, topK: 20, modes: 10, seconds: true, every: 100 });
  });

  it('keeps a logSpaced schedule as given and maps both schedules to core When', () => {
    const o = ntkOptions.parse({ logSpaced: 4 });
    expect(o.every).toBeUndefined();
    expect(ntkSchedule(o)).toEqual({ logSpaced: 4 });
    expect(ntkSchedule(ntkOptions.parse({ every: 7 }))).toEqual({ every: 7 });
  });

  it('rejects two schedules, naming both', () => {
    expect(() => parsePluginOptions(ntk({ every: 10, logSpaced: 3 }), { every: 10, logSpaced: 3 }, 'probes.ntk')).toThrow(
      "option 'probes.ntk.logSpaced' of plugin 'ntk' (@precond/probe-ntk): give one schedule: every (10) or logSpaced (3), not both",
    );
  });

  it('rejects unknown options and lists the valid ones', () => {
    const bad = { evry: 10 } as never;
    expect(() => parsePluginOptions(ntk(bad), bad, 'probes.ntk')).toThrow(
      "unknown option 'probes.ntk.evry' for plugin 'ntk' (@precond/probe-ntk); its options are: every, logSpaced, probeSet, maxDense, topK, modes, seconds",
    );
  });

  it('validates probe sets', () => {
    expect(ntkOptions.safeParse({ probeSet: { type: 'first', count: 0 } }).success).toBe(false);
    expect(ntkOptions.safeParse({ probeSet: { type: 'indices', indices: [] } }).success).toBe(false);
    const repeated = ntkOptions.safeParse({ probeSet: { type: 'indices', indices: [3, 1, 3] } });
    expect(repeated.error?.issues[0]).toMatchObject({ path: ['probeSet', 'indices'], message: expect.stringContaining('indices must be distinct') });
    expect(ntkOptions.safeParse({ probeSet: { type: 'random', count: 3 } }).success).toBe(false);
    expect(ntkOptions.parse({ probeSet: { type: 'indices', indices: [4, 0] } }).probeSet).toEqual({ type: 'indices', indices: [4, 0] });
  });
});

describe('ntk plugin', () => {
  it('registers one probe with id ntk and the requested schedule', () => {
    const plugin = ntk({ logSpaced: 5 });
    expect(plugin.meta).toEqual(expect.objectContaining({ name: '@precond/probe-ntk', version: '0.1.0', kind: 'probe', id: 'ntk' }));
    const container = createRunContainer();
    plugin.register(container, parsePluginOptions(plugin, plugin.config, 'probes.ntk'), { slot: 'probes.ntk' });
    const probes = resolveAll(container, PROBE);
    expect(probes).toHaveLength(1);
    expect(probes[0]!.id).toBe('ntk');
    expect(probes[0]!.schedule).toEqual({ logSpaced: 5 });
    probes[0]!.dispose();
  });

  it('is an OptionsError that the CLI prints as is', () => {
    const bad = { modes: -1 };
    expect(() => parsePluginOptions(ntk(bad), bad, 'probes.ntk')).toThrow(OptionsError);
  });
});
