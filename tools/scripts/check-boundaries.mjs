#!/usr/bin/env node
// Module boundaries from Nx tags (package.json "nx.tags"), checked for one project (the cwd) or all:
// - type:plugin may depend only on @precond/core, @precond/nn, @precond/linalg (testkit and
//   runtimes only in tests and devDependencies);
// - type:core may depend only on other type:core projects, except a `role:host` project (the CLI,
//   which ships the built-in plugin table) that may also depend on published plugins;
// - platform:universal and platform:browser code imports no Node built-ins and no platform:node project.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const groups = ['packages', 'plugins', 'experiments', 'tools'];
const projects = new Map();
for (const g of groups) {
  if (!existsSync(join(root, g))) continue;
  for (const d of readdirSync(join(root, g))) {
    const file = join(root, g, d, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    projects.set(pkg.name, { dir: join(root, g, d), pkg, tags: pkg.nx?.tags ?? [] });
  }
}

const PLUGIN_ALLOWED = new Set(['@precond/core', '@precond/nn', '@precond/linalg']);
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) yield p;
  }
}

const isTestFile = (f) => /\.test\.ts$/.test(f) || f.includes('/test-support/');

function check(name) {
  const { dir, pkg, tags } = projects.get(name);
  const errors = [];
  const has = (t) => tags.includes(t);
  const noNode = has('platform:universal') || has('platform:browser');
  const allowed = (dep, inTest) => {
    const target = projects.get(dep);
    if (!target) return true; // third-party packages are judged by review, not here
    if (inTest) return true;
    if (has('type:plugin')) return PLUGIN_ALLOWED.has(dep);
    if (has('type:core')) return target.tags.includes('type:core') || (has('role:host') && target.tags.includes('type:plugin'));
    return true;
  };
  for (const field of ['dependencies', 'peerDependencies']) {
    for (const dep of Object.keys(pkg[field] ?? {})) {
      if (!allowed(dep, false)) errors.push(`${name}: ${field} may not include ${dep} (tags ${tags.join(', ')})`);
      const t = projects.get(dep);
      if (t && noNode && t.tags.includes('platform:node')) errors.push(`${name} runs in browsers but depends on platform:node ${dep}`);
    }
  }
  const src = join(dir, 'src');
  if (existsSync(src)) {
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8');
      const inTest = isTestFile(file);
      for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? m[2] ?? m[3];
        const pkgName = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        const where = relative(root, file);
        if (!inTest && !allowed(pkgName, false)) errors.push(`${where}: ${name} (${tags.join(', ')}) may not import ${pkgName}`);
        if (!inTest && noNode && builtins.has(spec)) errors.push(`${where}: code that runs in browsers may not import the Node built-in '${spec}'`);
        const t = projects.get(pkgName);
        if (!inTest && t && noNode && t.tags.includes('platform:node')) errors.push(`${where}: code that runs in browsers may not import platform:node ${pkgName}`);
      }
    }
  }
  return errors;
}

const here = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).name;
const targets = projects.has(here) ? [here] : [...projects.keys()];
const errors = targets.flatMap(check);
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(1);
}
console.log(`module boundaries hold for ${targets.length} project(s)`);
