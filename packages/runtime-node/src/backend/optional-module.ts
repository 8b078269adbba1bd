import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What importing an optional package gave. */
export type OptionalModule =
  | { readonly status: 'loaded'; readonly module: Record<string, unknown>; readonly version: string | null }
  | { readonly status: 'missing' }
  | { readonly status: 'broken'; readonly error: Error };

/**
 * Import an optional peer if it is installed. It is looked up first from this package (where a
 * package manager links optional peers), then from `resolveFrom` (the user's project), because
 * pnpm's isolated layout hides packages the user installed from packages that do not declare them.
 * A package that is present but throws while loading (a native binding without its library, say)
 * is `broken`, not `missing`, so the message can say so instead of asking to install it again.
 */
export async function importOptional(name: string, resolveFrom: string): Promise<OptionalModule> {
  try {
    // The specifier is a variable so that neither TypeScript nor a bundler requires it to exist.
    const module = (await import(/* @vite-ignore */ name)) as Record<string, unknown>;
    return { status: 'loaded', module, version: versionOf(name, resolvePath(name, fileURLToPath(import.meta.url))) };
  } catch (e) {
    if (!isNotFound(e, name)) return { status: 'broken', error: asError(e) };
  }
  let path: string | null;
  try {
    path = resolvePath(name, join(resolve(resolveFrom), 'package.json'));
  } catch (e) {
    return { status: 'broken', error: asError(e) };
  }
  if (path === null) return { status: 'missing' };
  try {
    const module = (await import(/* @vite-ignore */ pathToFileURL(path).href)) as Record<string, unknown>;
    return { status: 'loaded', module, version: versionOf(name, path) };
  } catch (e) {
    return { status: 'broken', error: asError(e) };
  }
}

/** The file `name` resolves to from `fromFile`, or null when it is not installed there. */
function resolvePath(name: string, fromFile: string): string | null {
  try {
    return createRequire(fromFile).resolve(name);
  } catch (e) {
    if (isNotFound(e, name)) return null;
    throw e;
  }
}

/** The version in the package.json of the package that owns `file`. */
function versionOf(name: string, file: string | null): string | null {
  if (file === null) return null;
  let dir = dirname(file);
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (json.name === name) return json.version ?? null;
    } catch {
      // No package.json at this level (or an unreadable one): keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** True when `e` says that `name` itself (not one of its own imports) cannot be found. */
function isNotFound(e: unknown, name: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  const message = String((e as Error | null)?.message);
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${name}'`)) return true;
  // Vite-based hosts (Vitest, dev servers) replace a missing optional peer with a module that throws this.
  return message.startsWith(`Could not resolve "${name}"`);
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
