import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway project folder whose node_modules holds the given packages, each an ES module with
 * `source` as its index.js: stand-ins for optional peers (a tfjs-node whose native library is
 * missing, say) that a test can point `resolveFrom` at.
 */
export function projectWithPackages(packages: Record<string, { version: string; source: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'precond-peers-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'project', private: true }));
  for (const [name, { version, source }] of Object.entries(packages)) {
    const dir = join(root, 'node_modules', ...name.split('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, type: 'module', main: 'index.js' }));
    writeFileSync(join(dir, 'index.js'), source);
  }
  return root;
}

/** Whether `name` can be resolved from this package, i.e. whether the real optional peer is installed. */
export function installedHere(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
