import type { RunEnvironment, RunEvent, RunStatus } from '@precond/core';
import type { BackendRequest } from '../flags.js';

/**
 * Messages between `precond run --jobs N` and its worker processes (Node's IPC channel, JSON).
 * A worker is told once what to load, then runs one (variant, seed) at a time as the parent hands
 * them out, each into its own run folder exactly as a run in the parent process would.
 */
export type ToWorker =
  | {
      readonly type: 'init';
      /** The experiment file (absolute), as the parent resolved it. */
      readonly source: string;
      readonly cwd: string;
      /** `--plugin` modules, resolved from `cwd` as in the parent. */
      readonly plugins: readonly string[];
      readonly backend: BackendRequest;
    }
  | {
      readonly type: 'run';
      /** Position in the parent's plan; echoed in every message about this run. */
      readonly index: number;
      readonly variant: string;
      readonly seed: number;
      readonly overrides: Record<string, unknown>;
      /** Run store root (absolute). */
      readonly out: string;
      /** Everything but the backend, which is the worker's own. */
      readonly environment: Omit<RunEnvironment, 'backend'>;
      /** Write the run's own report.html when it ends (not when interrupted). */
      readonly report: boolean;
    }
  /** Ctrl-C: stop the run in progress after its step, checkpoint it, mark it `interrupted`. */
  | { readonly type: 'interrupt' }
  /** No more runs: exit. */
  | { readonly type: 'exit' };

/** An error as it crosses the process boundary. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  /** Whether the user caused it and can fix it from the message (printed without a stack). */
  readonly user: boolean;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly backend: RunEnvironment['backend']; readonly notice: string }
  | { readonly type: 'init-failed'; readonly error: WireError }
  /** A runner event of run `index`; step events are thinned to a few per second. */
  | { readonly type: 'event'; readonly index: number; readonly event: RunEvent }
  | {
      readonly type: 'done';
      readonly index: number;
      readonly status: RunStatus;
      readonly location: string;
      readonly step: number;
      readonly error?: WireError;
      /** Why summary.json or report.html could not be written, if so. */
      readonly outputError?: string;
    }
  /** An error that escaped the runner while running `index` (the run is then `failed`). */
  | { readonly type: 'crashed'; readonly index: number; readonly error: WireError };

/** The protocol's first line of defence: a message whose `type` is not one of ours is ignored. */
export function isFromWorker(value: unknown): value is FromWorker {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && ['ready', 'init-failed', 'event', 'done', 'crashed'].includes(type);
}
