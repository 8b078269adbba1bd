// Each publishable package must install and work on its own from its packed tarball, with plain
// npm, in an empty project: the promise made to users who do not use this workspace.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

interface Pkg {
  name: string;
  dir: string;
  deps: string[];
  /** Tagged platform:browser: checked by bundling for a browser instead of importing in Node. */
  browser: boolean;
  tarball?: string;
}

function publishable(): Map<string, Pkg> {
  const out = new Map<string, Pkg>();
  for (const group of ['packages', 'plugins']) {
    for (const d of readdirSync(join(root, group)).sort()) {
      const file = join(root, group, d, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.private) continue;
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((n) => n.startsWith('@precond/'));
      out.set(pkg.name, { name: pkg.name, dir: join(root, group, d), deps, browser: (pkg.nx?.tags ?? []).includes('platform:browser') });
    }
  }
  return out;
}

const packages = publishable();
const work = mkdtempSync(join(tmpdir(), 'precond-pack-'));

/** The package and every @precond package it needs, transitively. */
function closure(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const d of packages.get(name)?.deps ?? []) closure(d, seen);
  return seen;
}

function npmInstall(dir: string, specs: string[]) {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: dir, stdio: 'pipe', timeout: 600_000 });
}

beforeAll(() => {
  const dest = join(work, 'tarballs');
  mkdirSync(dest);
  for (const p of packages.values()) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: p.dir, encoding: 'utf8' });
    p.tarball = out.trim().split('\n').filter((l) => l.endsWith('.tgz')).at(-1)!;
    if (!p.tarball.startsWith('/')) p.tarball = join(dest, p.tarball);
  }
}, 600_000);

describe('packed packages', () => {
  it('ship only dist, with exports whose types come first and no workspace or catalog ranges', () => {
    for (const p of packages.values()) {
      const manifest = JSON.parse(execFileSync('tar', ['-xOzf', p.tarball!, 'package/package.json'], { encoding: 'utf8' }));
      const files = execFileSync('tar', ['-tzf', p.tarball!], { encoding: 'utf8' }).split('\n').filter(Boolean);
      expect(files.filter((f) => !/^package\/(dist\/|package\.json$|README\.md$|LICENSE)/.test(f)), p.name).toEqual([]);
      expect(files.some((f) => f.startsWith('package/dist/index.js')), p.name).toBe(true);
      expect(Object.keys(manifest.exports['.'])[0], p.name).toBe('types');
      const ranges = JSON.stringify({ ...manifest.dependencies, ...manifest.peerDependencies });
      expect(ranges, p.name).not.toMatch(/workspace:|catalog:/);
      // Shared runtimes are peers, never private copies.
      for (const shared of ['@tensorflow/tfjs-core', '@precond/core']) expect(Object.keys(manifest.dependencies ?? {}), p.name).not.toContain(shared);
      const usesTfjs = execFileSync('tar', ['-xOzf', p.tarball!, '--wildcards', 'package/dist/*.js'], { encoding: 'utf8', maxBuffer: 1 << 28 }).includes('@tensorflow/tfjs-core');
      if (usesTfjs) expect(Object.keys(manifest.peerDependencies ?? {}), p.name).toContain('@tensorflow/tfjs-core');
    }
  });

  for (const [name, pkg] of packages) {
    const how = pkg.browser ? 'bundles for a browser' : 'imports';
    it(`${name} installs alone (with the @precond packages it needs) and ${how}`, async () => {
      const dir = mkdtempSync(join(work, 'alone-'));
      const tarballs = [...closure(name)].map((n) => packages.get(n)!.tarball!);
      npmInstall(dir, tarballs);
      if (pkg.browser) {
        // A browser package is consumed through a bundler: every import must resolve from what npm
        // installed (esbuild, as Vite does, resolves the browser field and extensionless files).
        writeFileSync(join(dir, 'entry.js'), `export * from ${JSON.stringify(name)};\n`);
        const result = await build({ entryPoints: [join(dir, 'entry.js')], absWorkingDir: dir, outdir: join(dir, 'out'), bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', loader: { '.wasm': 'file' } });
        expect(result.errors).toEqual([]);
        expect(result.outputFiles.find((f) => f.path.endsWith('.js'))!.text.length).toBeGreaterThan(1000);
        return;
      }
      const script = `const m = await import(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m).length));`;
      const count = Number(execFileSync('node', ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' }).trim());
      expect(count).toBeGreaterThan(0);
    });
  }

  it('runs a small composition from the tarballs: fourier-target + mlp + adam on wasm', () => {
    const dir = mkdtempSync(join(work, 'composition-'));
    npmInstall(dir, [...packages.values()].map((p) => p.tarball!));
    writeFileSync(
      join(dir, 'main.js'),
      `
import { defineExperiment, runVariant, MemoryRunStore } from '@precond/core';
import { selectBackend } from '@precond/runtime-node';
import { fourierTarget } from '@precond/task-fourier-target';
import { adam } from '@precond/optimizer-first-order';
import { mlp } from '@precond/nn';
const backend = await selectBackend('wasm');
const experiment = defineExperiment({
  name: 'tiny',
  task: fourierTarget({ points: 32 }),
  model: mlp({ hidden: [16], activation: 'tanh' }),
  settings: { steps: 60, log: { every: 20 } },
  variants: { adam: { optimizer: adam({ lr: 1e-2 }) } },
});
const store = new MemoryRunStore();
const out = await runVariant({ experiment, variant: 'adam', seed: 0, store, location: 'r', environment: { backend } });
const folder = await store.open('r');
const rows = (await folder.readText('metrics.jsonl')).trim().split('\\n').map((l) => JSON.parse(l));
console.log(JSON.stringify({ status: out.status, backend: backend.name, first: rows[0].loss, last: rows.at(-1).loss, modes: rows.at(-1).modes.length }));
`,
    );
    const result = JSON.parse(execFileSync('node', ['main.js'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').at(-1)!);
    expect(result.status).toBe('completed');
    expect(result.backend).toBe('wasm');
    expect(result.modes).toBe(10);
    // 60 Adam steps at lr 1e-2 on the E1 target reduce the loss (independently: the NumPy peer's
    // Adam run on the full problem falls steadily from the first steps).
    expect(result.last).toBeLessThan(result.first);
  });
});
