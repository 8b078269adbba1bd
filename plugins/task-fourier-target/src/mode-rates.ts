import type { State } from '@precond/core';

/**
 * Mode errors below this count as this when taking logarithms: a mode the model fits to the last bit
 * gives a large but finite rate instead of an infinite one.
 */
export const MODE_ERROR_FLOOR = 1e-300;

/** The mode errors logged at some steps, oldest first. */
export interface ModeHistory {
  readonly steps: readonly number[];
  readonly modes: readonly (readonly number[])[];
}

/** The decay rates at one step and the history to keep for later steps. */
export interface ModeRateUpdate {
  /** Per mode k: `−(ln|ê_k(t)| − ln|ê_k(s)|)/(t − s)`; null when no earlier step exists. */
  readonly rates: number[] | null;
  /** The step s the rates are measured from. */
  readonly from: number | null;
  readonly history: ModeHistory;
}

export const emptyModeHistory = (): ModeHistory => ({ steps: [], modes: [] });

/**
 * Per-mode decay rates over a window of W steps from the logged history (PAPER.md, E1: under GD
 * mode i decays as `(1 − ηλ_i)^t`, at rate ≈ ηλ_i per step; under GN every mode above the cutoff at
 * one rate). At step t the rate of mode k is
 *
 *   r_k(t) = −(ln|ê_k(t)| − ln|ê_k(s)|) / (t − s),
 *
 * with s the latest logged step at or before t − W; before step W (no such step) s is the first
 * logged step, so the first W steps report the rate since the start. A residual
 * `ê_k(t) = c_k e^{−a_k t}` gives `r_k = a_k` at every step.
 *
 * Pure: returns the history to keep (entries from s on, which every later step's window needs),
 * so a task that saves it resumes exactly. An entry for step t already present (metrics evaluated
 * again after a resume) is replaced, and later entries dropped.
 */
export function updateModeRates(history: ModeHistory, step: number, modes: readonly number[], window: number): ModeRateUpdate {
  const keep = history.steps.findIndex((s) => s >= step);
  const steps = keep < 0 ? [...history.steps] : history.steps.slice(0, keep);
  const rows = keep < 0 ? [...history.modes] : history.modes.slice(0, keep);
  steps.push(step);
  rows.push([...modes]);
  let ref = -1;
  for (let i = 0; i < steps.length - 1; i++) if (steps[i]! <= step - window) ref = i;
  if (ref < 0 && steps.length > 1) ref = 0;
  if (ref < 0) return { rates: null, from: null, history: { steps, modes: rows } };
  const from = steps[ref]!;
  const before = rows[ref]!;
  const log = (v: number) => Math.log(Math.max(v, MODE_ERROR_FLOOR));
  const rates = modes.map((m, k) => -(log(m) - log(before[k]!)) / (step - from));
  return { rates, from, history: { steps: steps.slice(ref), modes: rows.slice(ref) } };
}

/** The history as task state (plain numbers, saved exactly in checkpoints). */
export function modeHistoryToState(history: ModeHistory): State {
  return { steps: [...history.steps], modes: history.modes.map((m) => [...m]) };
}

/** The inverse of `modeHistoryToState`, checking the shape; `where` names the source in errors. */
export function modeHistoryFromState(state: State, where: string): ModeHistory {
  const steps = state.steps;
  const modes = state.modes;
  const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
  if (!isNumbers(steps) || !Array.isArray(modes) || modes.length !== steps.length || !modes.every(isNumbers)) {
    throw new Error(`${where}: the mode-rate history must be { steps: number[], modes: number[][] } with one row per step`);
  }
  return { steps: [...steps], modes: modes.map((m) => [...m]) };
}
