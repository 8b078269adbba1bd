import type { BackendRequest } from '@precond/runtime-node';
import { CliError } from './errors.js';

/** A non-negative integer flag value (`--steps 200`), with a message naming the flag otherwise. */
export function parseCount(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new CliError('usage', `${flag}: expected a non-negative integer, got '${text}'`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new CliError('usage', `${flag}: ${text} is too large`);
  return n;
}

/** `--seeds 0,1,2` → [0, 1, 2]; seeds are 32-bit unsigned integers, as core's settings allow. */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new CliError('usage', `--seeds: expected a comma-separated list of integers such as 0,1,2, got '${text}'`);
  }
  const seeds = parts.map((p) => parseCount('--seeds', p));
  for (const s of seeds) if (s > 0xffffffff) throw new CliError('usage', `--seeds: seed ${s} is larger than 4294967295`);
  return [...new Set(seeds)];
}

/**
 * `--set path=value`: the value is parsed as JSON when it is valid JSON (`0.1`, `true`, `[8,8]`,
 * `{"every":5}`), otherwise taken as a string (`full`, `cosine`), so strings need no quoting.
 */
export function parseSet(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError('usage', `--set: expected path=value (e.g. optimizer.lr=0.1), got '${text}'`);
  const path = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) {
    throw new CliError('usage', `--set: '${path}' is not a dotted option path (e.g. optimizer.lr, log.every)`);
  }
  try {
    return [path, JSON.parse(raw)];
  } catch {
    return [path, raw];
  }
}

/** Collect a repeatable flag into an array (commander's argParser for `--set` and `--plugin`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export type { BackendRequest };

/**
 * What `--backend` accepts: runtime-node's requests, listed here so that `--help` and flag errors
 * need not load tfjs (runtime-node registers its backends on import).
 */
export const BACKEND_REQUESTS = ['auto', 'cpu', 'wasm', 'tensorflow', 'webgpu'] as const satisfies readonly BackendRequest[];

/** Compiles only while BACKEND_REQUESTS lists every request runtime-node accepts. */
type AssertNever<T extends never> = T;
export type BackendRequestsComplete = AssertNever<Exclude<BackendRequest, (typeof BACKEND_REQUESTS)[number]>>;

/** Whether `name` is something `--backend` (and runtime-node's selectBackend) accepts. */
export function isBackendRequest(name: string): name is BackendRequest {
  return (BACKEND_REQUESTS as readonly string[]).includes(name);
}
