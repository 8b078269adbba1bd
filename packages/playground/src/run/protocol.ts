import type { RunEvent, RunRecord, RunStatus } from '@precond/core';
import type { BrowserBackendInfo, BrowserBackendRequest, TarEntry } from '@precond/runtime-browser';
import type { BuildChoices } from '../experiments/catalog.js';

/** Start a run of a catalog experiment's variant in the worker. */
export interface StartMessage {
  readonly type: 'start';
  readonly experiment: string;
  readonly choices: BuildChoices;
  readonly variant: string;
  readonly seed: number;
  /** `--set`-style overrides: what the user changed in the forms. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly backend: BrowserBackendRequest;
}

/** What the page sends the run worker. */
export type ToWorker =
  | StartMessage
  /** Stop the run after the current step; core checkpoints it and marks it interrupted. */
  | { readonly type: 'stop' }
  /** Continue an interrupted run from its last checkpoint, in the same store. */
  | { readonly type: 'resume'; readonly location: string; readonly backend: BrowserBackendRequest }
  /** Send every file of a run folder (for export). */
  | { readonly type: 'export'; readonly location: string; readonly id: number };

/** How a run ended, as the page shows it. */
export interface RunEnd {
  readonly status: RunStatus;
  readonly location: string;
  readonly step: number;
  readonly error?: string;
}

/** What the run worker sends the page. */
export type FromWorker =
  /** The backend chosen for the run, with every candidate and why it was or was not taken. */
  | { readonly type: 'backend'; readonly info: BrowserBackendInfo }
  /** An event of core's runner (start, step, row, end), as it happens. */
  | { readonly type: 'event'; readonly event: RunEvent }
  /** run.json of the current run, at its start and at its end. */
  | { readonly type: 'record'; readonly location: string; readonly record: RunRecord }
  /** The run (or resume) is over; the worker takes the next request. */
  | { readonly type: 'done'; readonly end: RunEnd }
  | { readonly type: 'files'; readonly id: number; readonly files: readonly TarEntry[] }
  /** A request could not be carried out (no backend, no such run, busy): the message says why. */
  | { readonly type: 'error'; readonly message: string; readonly id?: number };
