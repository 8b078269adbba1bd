import { readFileSync } from 'node:fs';
import { z, type PluginInstance, type PluginMeta } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { TESTKIT_PACKAGE } from '../package-meta.js';
import { checkPluginMetadata, KEBAB_CASE_ID } from './metadata.js';

function plugin(meta: Partial<PluginMeta>): PluginInstance {
  return { meta: { name: 'example', version: '1.0.0', kind: 'optimizer', id: 'example', ...meta } as PluginMeta, options: z.object({}).strict(), config: {}, register: () => undefined };
}

describe('checkPluginMetadata', () => {
  it.each([
    ['1.0.0', true],
    ['0.1.0-beta.1+build.5', true],
    ['1.0', false],
    ['v1.0.0', false],
    ['01.0.0', false],
  ])('semver %s → %s', (version, ok) => {
    expect(checkPluginMetadata(plugin({ version }), 'optimizer').passed).toBe(ok);
  });

  it.each([
    ['@precond/optimizer-first-order', true],
    ['optimizer-foo', true],
    ['@Scope/Optimizer', false],
    ['has space', false],
  ])('package name %s → %s', (name, ok) => {
    expect(checkPluginMetadata(plugin({ name }), 'optimizer').passed).toBe(ok);
  });

  it.each([
    ['gauss-newton', true],
    ['lm', true],
    ['kfac2', true],
    ['adam-', false],
    ['a--b', false],
    ['Adam', false],
    ['2nd-order', false],
    ['snake_case', false],
  ])('id %s → %s', (id, ok) => {
    expect(KEBAB_CASE_ID.test(id)).toBe(ok);
    expect(checkPluginMetadata(plugin({ id }), 'optimizer').passed).toBe(ok);
  });

  it('requires the kind the suite tests and one-line descriptions', () => {
    expect(checkPluginMetadata(plugin({ kind: 'task' }), 'optimizer').message).toMatch(/meta\.kind is "task", this suite tests 'optimizer' plugins/);
    expect(checkPluginMetadata(plugin({ description: 'two\nlines' }), 'optimizer').message).toMatch(/one line/);
    expect(checkPluginMetadata({} as PluginInstance, 'optimizer').message).toMatch(/no `meta` object/);
  });
});

describe('TESTKIT_PACKAGE', () => {
  it("matches package.json, so the testkit's own plugins carry its real name and version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect(TESTKIT_PACKAGE).toEqual({ name: pkg.name, version: pkg.version });
  });
});
