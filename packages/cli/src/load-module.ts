import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import { CliError, isUserError } from './errors.js';

let tsxRegistered = false;

/**
 * Let plain `import()` load TypeScript. tsx's global loader is used rather than its `tsImport`,
 * because `tsImport` namespaces the whole module graph it loads: an experiment file would then get
 * its own copies of @precond/core and tfjs-core instead of sharing the CLI's (one tfjs engine, one
 * set of DI tokens and error classes per process).
 */
function ensureTypeScriptLoader(): void {
  if (tsxRegistered) return;
  register();
  tsxRegistered = true;
}

/** Whether `spec` names a file (`./my-plugin.ts`, `/abs/x.js`) rather than a package (`@acme/p`). */
export function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('.') || path.isAbsolute(spec) || /\.(c|m)?(t|j)s$/.test(spec);
}

/**
 * Import a module given as a file path (TypeScript or JavaScript, relative to `cwd`) or as a
 * package name resolved from `cwd`. `what` names the flag or file for error messages.
 */
export async function importModule(spec: string, cwd: string, what: string): Promise<Record<string, unknown>> {
  ensureTypeScriptLoader();
  let url: string;
  if (isPathSpecifier(spec)) {
    const file = path.resolve(cwd, spec);
    if (!existsSync(file)) throw new CliError('not-found', `${what}: no such file ${file}`);
    url = pathToFileURL(file).href;
  } else {
    url = pathToFileURL(resolvePackage(spec, cwd, what)).href;
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    // Errors the module raises on purpose (defineExperiment's checks) already say what is wrong.
    if (isUserError(error)) throw error;
    throw new CliError('load', `${what}: cannot load ${fileURLToPath(url)}: ${(error as Error).message}`, { cause: error });
  }
}

const CONDITIONS = new Set(['import', 'node', 'default']);

/** Node's conditional-exports rule: the first key, in the object's order, that is an active condition. */
function exportsTarget(target: unknown): string | null {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const hit = exportsTarget(t);
      if (hit) return hit;
    }
    return null;
  }
  if (target && typeof target === 'object') {
    for (const [key, value] of Object.entries(target)) {
      if (CONDITIONS.has(key)) {
        const hit = exportsTarget(value);
        if (hit) return hit;
      }
    }
  }
  return null;
}

/**
 * Resolve a package name (optionally with a subpath) from `cwd` as an ESM import would: walk up
 * the node_modules folders, then follow the package's `exports` (or `main`). Node 20 cannot resolve
 * from an arbitrary folder with `import.meta.resolve`, hence this small resolver.
 */
function resolvePackage(spec: string, cwd: string, what: string): string {
  const parts = spec.split('/');
  const nameParts = spec.startsWith('@') ? 2 : 1;
  const pkgName = parts.slice(0, nameParts).join('/');
  const subpath = parts.length > nameParts ? `./${parts.slice(nameParts).join('/')}` : '.';
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, 'node_modules', pkgName);
    const manifestPath = path.join(pkgDir, 'package.json');
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: unknown; main?: string };
      let target: string | null = null;
      if (manifest.exports !== undefined) {
        const exp = manifest.exports;
        const isSubpathMap = exp !== null && typeof exp === 'object' && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith('.'));
        const entry = isSubpathMap ? (exp as Record<string, unknown>)[subpath] : subpath === '.' ? exp : undefined;
        target = exportsTarget(entry);
        if (!target) throw new CliError('not-found', `${what}: package '${pkgName}' (${pkgDir}) does not export '${subpath}' for import`);
      } else {
        target = subpath === '.' ? (manifest.main ?? 'index.js') : subpath;
      }
      return path.resolve(pkgDir, target);
    }
    if (path.dirname(dir) === dir) break;
  }
  throw new CliError('not-found', `${what}: cannot find package '${pkgName}' from ${cwd} (is it installed?)`);
}
