import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version_core } from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { gitHead, nodeEnvironment, packageVersion } from './node-environment.js';

const ownVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('nodeEnvironment', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'precond-env-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('records the commit of a git repository', async () => {
    const repo = join(scratch, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();
    git('init', '-q');
    expect(await gitHead(repo)).toBeNull(); // no commit yet
    writeFileSync(join(repo, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'a');
    const head = git('rev-parse', 'HEAD');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect((await nodeEnvironment({ cwd: repo, packages: [] })).gitCommit).toBe(head);
  });

  it('gives null outside a repository, and for a folder that does not exist', async () => {
    const plain = join(scratch, 'plain');
    mkdirSync(plain);
    // The system temp folder is not inside a repository.
    expect(await gitHead(plain)).toBeNull();
    expect(await gitHead(join(scratch, 'nowhere'))).toBeNull();
  });

  it("reads versions of the project's packages, including ones whose exports hide package.json", async () => {
    const project = join(scratch, 'project');
    const pkg = (name: string, json: object) => {
      const dir = join(project, 'node_modules', ...name.split('/'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, ...json }));
      writeFileSync(join(dir, 'index.js'), '');
    };
    pkg('open-pkg', { version: '1.0.0', main: 'index.js' });
    pkg('@scope/closed-pkg', { version: '2.3.4', exports: { '.': './index.js' } });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'project' }));
    const env = await nodeEnvironment({ cwd: project, packages: ['open-pkg', '@scope/closed-pkg', 'not-installed-anywhere'] });
    expect(env.packages).toEqual({ 'open-pkg': '1.0.0', '@scope/closed-pkg': '2.3.4' });
    expect(env.unresolved).toEqual(['not-installed-anywhere']);
  });

  it("falls back to this package's own dependencies, and records itself, by default", async () => {
    // From an empty folder nothing resolves through the project; runtime-node's own copy is used.
    const env = await nodeEnvironment({ cwd: scratch });
    expect(env.packages['@tensorflow/tfjs-core']).toBe(version_core);
    expect(env.packages['@precond/runtime-node']).toBe(ownVersion);
    expect(env.packages['@precond/core']).toMatch(/^\d+\.\d+\.\d+/);
    expect(env.unresolved).toEqual([]);
    expect(await packageVersion('not-installed-anywhere', scratch)).toBeNull();
  });
});
