import { definePlugin, isPluginInstance, PluginRegistry, pluginOption, z, type PluginInstance } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PLUGINS } from '../plugins.js';
import { tinyExperiment } from '../test-support/cli.js';
import { experimentFromJson } from './json-experiment.js';

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  BUILT_IN_PLUGINS.forEach((f) => r.add(f));
  return r;
}

const parse = (value: unknown, reg = registry()) => experimentFromJson(JSON.stringify(value), 'exp.json', reg);

describe('experimentFromJson', () => {
  it('turns plugin ids and options into the plugin objects defineExperiment takes', () => {
    const spec = parse(tinyExperiment({ variants: { fast: { description: 'big steps', optimizer: { plugin: 'momentum', options: { lr: 0.3 } }, settings: { steps: 5 } } } }));
    expect(spec.name).toBe('tiny');
    expect(spec.task.meta.id).toBe('fourier-target');
    expect(spec.task.config).toEqual({ points: 16, testPoints: 16, modes: 5 });
    expect(spec.model?.meta.id).toBe('mlp');
    const fast = spec.variants.fast!;
    expect(fast.optimizer.meta).toMatchObject({ id: 'momentum', kind: 'optimizer', name: '@precond/optimizer-first-order' });
    expect(fast.optimizer.config).toEqual({ lr: 0.3 });
    expect(fast.settings).toEqual({ steps: 5 });
    expect(fast.description).toBe('big steps');
  });

  it('resolves { plugin, options } objects inside options to nested plugins (how run.json records them)', () => {
    const reg = registry();
    const hybrid = definePlugin({
      meta: { name: 'test-hybrid', version: '0.0.0', kind: 'optimizer', id: 'two-phase', description: 'two optimizers' },
      options: z.object({ first: pluginOption('optimizer'), then: pluginOption('optimizer'), at: z.number() }).strict(),
      register: () => undefined,
    });
    reg.add(hybrid, 'test');
    const spec = parse(
      tinyExperiment({
        variants: {
          h: { optimizer: { plugin: 'two-phase', options: { first: { plugin: 'adam', package: '@precond/optimizer-first-order', options: { lr: 0.01 } }, then: { plugin: 'sgd' }, at: 10 } } },
        },
      }),
      reg,
    );
    const config = spec.variants.h!.optimizer.config as { first: PluginInstance; then: PluginInstance; at: number };
    expect(isPluginInstance(config.first)).toBe(true);
    expect(config.first.meta.id).toBe('adam');
    expect(config.first.config).toEqual({ lr: 0.01 });
    expect(config.then.meta.id).toBe('sgd');
    expect(config.at).toBe(10);
  });

  it('names the place in the file and the known ids for an unknown id', () => {
    expect(() => parse(tinyExperiment({ task: { plugin: 'fourier' } }))).toThrow("exp.json: task: unknown task plugin 'fourier'; the known ones are: fourier-target");
    expect(() => parse(tinyExperiment({ variants: { a: { optimizer: { plugin: 'bfgs' } } } }))).toThrow(
      "exp.json: variants.a.optimizer: unknown optimizer plugin 'bfgs'; the known ones are: adam, adamw, ggn, gn, hybrid, lm, momentum, sgd",
    );
  });

  it('refuses a plugin of the wrong kind in a slot', () => {
    expect(() => parse(tinyExperiment({ model: { plugin: 'adam' } }))).toThrow("exp.json: model: plugin 'adam' (@precond/optimizer-first-order) is an optimizer plugin; a model plugin is needed here, one of: mlp");
  });

  it('names the key or field that is malformed', () => {
    expect(() => experimentFromJson('{"name": ', 'exp.json', registry())).toThrow(/^exp\.json: not valid JSON: /);
    expect(() => parse([])).toThrow('exp.json: top level: expected an object with name, task, settings and variants, got an array');
    expect(() => parse({ ...tinyExperiment(), seeds: [1] })).toThrow("exp.json: top level: unknown key 'seeds'; allowed keys are: name, description, task, model, probes, settings, variants");
    const { settings: _settings, ...noSettings } = tinyExperiment();
    expect(() => parse(noSettings)).toThrow('exp.json: top level: missing "settings"');
    expect(() => parse(tinyExperiment({ variants: { a: { optimiser: { plugin: 'sgd' } } } }))).toThrow(
      "exp.json: variants.a: unknown key 'optimiser'; allowed keys are: description, optimizer, preconditioner, task, model, probes, settings",
    );
    expect(() => parse(tinyExperiment({ variants: { a: { optimizer: 'sgd' } } }))).toThrow('exp.json: variants.a.optimizer: expected { "plugin": "<id>", "options": { ... } }, got "sgd"');
    expect(() => parse(tinyExperiment({ variants: { a: { optimizer: { plugin: 'sgd', options: [1] } } } }))).toThrow('exp.json: variants.a.optimizer.options: expected an object of options, got [1]');
    expect(() => parse(tinyExperiment({ probes: { plugin: 'ntk' } }))).toThrow('exp.json: probes: expected an array of');
  });

  it('leaves option values and settings to core, which names the bad path', () => {
    // defineExperiment checks settings; plugin options are validated when a run is composed.
    expect(() => parse(tinyExperiment({ settings: { steps: -1 } }))).toThrow("experiment 'tiny' setting 'steps'");
    expect(() => parse(tinyExperiment({ name: 'Tiny' }))).toThrow("experiment name must be lower-case letters, digits, '.' and '-', got 'Tiny'");
  });
});
