import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEnvironment } from '@precond/core';

/** The packages whose versions a run records when none are named. */
export const DEFAULT_RECORDED_PACKAGES = ['@precond/core', '@precond/runtime-node', '@tensorflow/tfjs-core'] as const;

export interface NodeEnvironmentOptions {
  /** The project folder: where git is asked and packages are resolved from (default `process.cwd()`). */
  readonly cwd?: string;
  /** Packages whose versions to record (default `DEFAULT_RECORDED_PACKAGES`). */
  readonly packages?: readonly string[];
}

/** What a run records about the Node process besides its backend: spread it into core's `RunEnvironment`. */
export interface NodeEnvironment extends Pick<RunEnvironment, 'packages' | 'gitCommit'> {
  /** `git rev-parse HEAD` in `cwd`; null outside a repository, before the first commit, or without git. */
  readonly gitCommit: string | null;
  /** Name → version of each requested package that could be found. */
  readonly packages: Readonly<Record<string, string>>;
  /** Requested packages that could not be found from `cwd` (nor from this package). */
  readonly unresolved: readonly string[];
}

/**
 * Collects the git commit and the package versions a run records (run.json's `git_commit` and
 * `packages`). Nothing here throws: what cannot be found is null or listed in `unresolved`.
 *
 * @example
 * const backend = await selectBackend('auto');
 * const environment: RunEnvironment = { ...(await nodeEnvironment()), backend };
 */
export async function nodeEnvironment(options: NodeEnvironmentOptions = {}): Promise<NodeEnvironment> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const names = options.packages ?? DEFAULT_RECORDED_PACKAGES;
  const [gitCommit, versions] = await Promise.all([gitHead(cwd), Promise.all(names.map((n) => packageVersion(n, cwd)))]);
  const packages: Record<string, string> = {};
  const unresolved: string[] = [];
  names.forEach((name, i) => {
    const version = versions[i];
    if (version) packages[name] = version;
    else unresolved.push(name);
  });
  return { gitCommit, packages, unresolved };
}

/** The commit checked out in `cwd`, or null. */
export function gitHead(cwd: string): Promise<string | null> {
  return new Promise((done) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 10_000, windowsHide: true }, (error, stdout) => {
      const hash = String(stdout).trim();
      // SHA-1 or SHA-256 object names; anything else (an error, an unborn HEAD echoed back) is not a commit.
      done(!error && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(hash) ? hash : null);
    });
  });
}

/**
 * The version of package `name` as seen from `cwd`, or null. Reads `<name>/package.json` through
 * Node's resolution; packages whose `exports` hide package.json are found by walking the
 * node_modules folders Node would search, then this package's own (its dependencies are what the
 * process actually loads when the project does not list them).
 */
export async function packageVersion(name: string, cwd: string): Promise<string | null> {
  const self = fileURLToPath(import.meta.url);
  for (const from of [join(resolve(cwd), 'package.json'), self]) {
    const require = createRequire(from);
    const candidates: string[] = [];
    try {
      candidates.push(require.resolve(`${name}/package.json`));
    } catch {
      // Not exported, or not installed: fall through to the folder walk.
    }
    for (const dir of require.resolve.paths(name) ?? []) candidates.push(join(dir, name, 'package.json'));
    if (from === self) candidates.push(join(dirname(self), '..', '..', 'package.json'));
    for (const file of candidates) {
      const version = await versionIn(file, name);
      if (version) return version;
    }
  }
  return null;
}

async function versionIn(file: string, name: string): Promise<string | null> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as { name?: unknown; version?: unknown };
    return json.name === name && typeof json.version === 'string' ? json.version : null;
  } catch {
    return null;
  }
}
