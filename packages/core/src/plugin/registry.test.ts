import { describe, expect, it } from 'vitest';
import { linearModelPlugin, linearTaskPlugin, momentumPlugin } from '../test-support/linear-problem.js';
import { definePlugin } from './define-plugin.js';
import { parsePluginOptions } from './options.js';
import { PluginRegistry } from './registry.js';
import { z } from 'zod';

describe('PluginRegistry', () => {
  it('maps ids to factories and lists the known ids when one is unknown', () => {
    const r = new PluginRegistry().add(momentumPlugin).add(linearTaskPlugin).add(linearModelPlugin);
    expect(r.get('test-momentum', 'optimizer')).toBe(momentumPlugin);
    expect(() => r.get('adam')).toThrow("unknown plugin 'adam'; the known ones are: linear, linear-task, test-momentum");
    expect(() => r.get('adam', 'optimizer')).toThrow("unknown optimizer plugin 'adam'; the known ones are: test-momentum");
    expect(() => r.get('linear-task', 'optimizer')).toThrow("plugin 'linear-task' (core-test) is a task plugin; an optimizer plugin is needed here");
  });

  it('refuses a second plugin with the same id, naming both origins', () => {
    const r = new PluginRegistry().add(momentumPlugin, 'built-in @precond/x');
    expect(() => r.add(momentumPlugin, './my-plugin.js')).toThrow(
      "plugin id 'test-momentum' is registered twice: by built-in @precond/x and by ./my-plugin.js",
    );
  });
});

describe('definePlugin and option parsing', () => {
  const p = definePlugin({
    meta: { name: 'pkg', version: '1.0.0', kind: 'optimizer', id: 'thing' },
    options: z.object({ lr: z.number().positive().default(0.1), nested: z.object({ k: z.number().int() }).strict().default({ k: 1 }) }).strict(),
    register: () => undefined,
  });

  it('fills defaults and keeps the factory metadata', () => {
    expect(p.meta.id).toBe('thing');
    expect(parsePluginOptions(p(), p().config, 'optimizer')).toEqual({ lr: 0.1, nested: { k: 1 } });
  });

  it('names the option path, the plugin, the value and what is allowed', () => {
    expect(() => parsePluginOptions(p({ lr: -1 }), { lr: -1 }, 'optimizer')).toThrow(
      /option 'optimizer.lr' of plugin 'thing' \(pkg\): .*>0.*\(given -1\)/,
    );
    expect(() => parsePluginOptions(p(), { nested: { k: 1.5 } }, 'optimizer')).toThrow(/option 'optimizer.nested.k'.*\(given 1.5\)/);
  });

  it('rejects ids that are not kebab-case', () => {
    expect(() => definePlugin({ meta: { name: 'pkg', version: '1.0.0', kind: 'task', id: 'Bad Id' }, options: z.object({}), register: () => undefined })).toThrow(
      /kebab-case, got 'Bad Id'/,
    );
  });
});
