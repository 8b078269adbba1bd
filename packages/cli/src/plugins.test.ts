import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, readJson, readRows, removeDir, runCli, runFolders, tinyExperiment, withoutTime, writeJson } from './test-support/cli.js';

let cwd: string;

beforeAll(() => {
  cwd = makeTempDir('plugins');
  // A third-party optimizer: sgd at half the given step, so its runs must equal sgd's at lr/2.
  writeFileSync(
    path.join(cwd, 'half-sgd.ts'),
    [
      "import { definePlugin, z } from '@precond/core';",
      "import { sgd } from '@precond/optimizer-first-order';",
      'export default definePlugin({',
      "  meta: { name: 'cli-test-plugins', version: '1.2.3', kind: 'optimizer', id: 'half-sgd', description: 'sgd at half the given step' },",
      '  options: z.object({ lr: z.number().positive().default(0.1) }).strict(),',
      '  register(container, options, ctx) {',
      '    const inner = sgd({ lr: options.lr / 2 });',
      '    inner.register(container, inner.options.parse(inner.config), ctx);',
      '  },',
      '});',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(cwd, 'dup.ts'), "import { sgd } from '@precond/optimizer-first-order';\nexport default [sgd];\n");
  writeFileSync(path.join(cwd, 'not-a-plugin.mjs'), 'export default 42;\n');
});
afterAll(() => removeDir(cwd));

describe('--plugin', () => {
  it('adds the plugins of a module to `list plugins`', async () => {
    const result = await runCli(['list', 'plugins', '--plugin', './half-sgd.ts'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nhalf-sgd\s+optimizer\s+cli-test-plugins\s+1\.2\.3\s+sgd at half the given step\n/);
  });

  it('lets a JSON experiment use a plugin of a module by id', async () => {
    writeJson(path.join(cwd, 'half.json'), tinyExperiment({ variants: { half: { optimizer: { plugin: 'half-sgd', options: { lr: 0.1 } } } } }));
    writeJson(path.join(cwd, 'plain.json'), tinyExperiment({ variants: { half: { optimizer: { plugin: 'sgd', options: { lr: 0.05 } } } } }));
    const withPlugin = await runCli(['run', 'half.json', '--backend', 'cpu', '--plugin', './half-sgd.ts', '--out', 'a', '--no-report'], cwd);
    expect(withPlugin.code).toBe(0);
    const plain = await runCli(['run', 'plain.json', '--backend', 'cpu', '--out', 'b', '--no-report'], cwd);
    expect(plain.code).toBe(0);
    const [a] = runFolders(path.join(cwd, 'a'), 'tiny');
    const [b] = runFolders(path.join(cwd, 'b'), 'tiny');
    const record = readJson<{ config: { optimizer: { plugin: string; package: string } }; packages: Record<string, string> }>(path.join(a!, 'run.json'));
    expect(record.config.optimizer).toMatchObject({ plugin: 'half-sgd', package: 'cli-test-plugins' });
    expect(record.packages['cli-test-plugins']).toBe('1.2.3');
    expect(withoutTime(readRows(a!))).toEqual(withoutTime(readRows(b!)));
  });

  it('fails when an id is registered twice, naming both origins', async () => {
    const result = await runCli(['list', 'plugins', '--plugin', './dup.ts'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "precond: plugin id 'sgd' is registered twice: by @precond/optimizer-first-order (built in) and by --plugin ./dup.ts (@precond/optimizer-first-order); ids must be unique\n",
    );
  });

  it('says what a plugin module must export, and names a module that is not there', async () => {
    const bad = await runCli(['list', 'plugins', '--plugin', './not-a-plugin.mjs'], cwd);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'precond: --plugin ./not-a-plugin.mjs: default export is not a plugin factory (a function with meta { id, kind, name, version }, as definePlugin returns); got number\n',
    );
    const missing = await runCli(['list', 'plugins', '--plugin', '@acme/precond-nothing'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`precond: --plugin @acme/precond-nothing: cannot find package '@acme/precond-nothing' from ${cwd} (is it installed?)\n`);
  });

  it('loads a plugin package by name, resolved from the current folder', async () => {
    const pkg = path.join(cwd, 'node_modules', '@acme', 'precond-half');
    writeJson(path.join(pkg, 'package.json'), { name: '@acme/precond-half', version: '0.0.1', type: 'module', exports: { '.': { types: './x.d.ts', import: './index.js' } } });
    writeFileSync(path.join(pkg, 'index.js'), "import { adam } from '@precond/optimizer-first-order';\nexport default adam;\n");
    // adam is built in, so loading it again must name the package's origin in the duplicate error.
    const result = await runCli(['list', 'plugins', '--plugin', '@acme/precond-half'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("plugin id 'adam' is registered twice: by @precond/optimizer-first-order (built in) and by --plugin @acme/precond-half");
  });
});
