import type { Metrics, State } from '@precond/core';

/**
 * The grokking markers of a run: the first evaluated step at which training accuracy, and test
 * accuracy, reached the threshold; `null` until then. Steps are those at which the task's
 * metrics ran (the experiment's `eval` schedule, which defaults to `log`), so a marker `s` says
 * the threshold was first crossed after the previous evaluated step and by step `s`.
 */
export interface GrokMarkers {
  readonly trainStep: number | null;
  readonly testStep: number | null;
}

/** Markers before any evaluation. */
export const NO_GROK_MARKERS: GrokMarkers = { trainStep: null, testStep: null };

/**
 * The markers after an evaluation at `step` with these accuracies: a marker still `null` is set to
 * `step` when its accuracy is ≥ `threshold`; a set marker never moves, even if accuracy later drops.
 */
export function updateGrokMarkers(markers: GrokMarkers, step: number, trainAccuracy: number, testAccuracy: number, threshold: number): GrokMarkers {
  return {
    trainStep: markers.trainStep ?? (trainAccuracy >= threshold ? step : null),
    testStep: markers.testStep ?? (testAccuracy >= threshold ? step : null),
  };
}

/**
 * The markers as metrics: `grok.train_step` and `grok.test_step` once set, and `grok.delay`
 * (`test_step − train_step`, the grokking delay; zero or negative when test accuracy got there
 * first) once both are. Unset markers are left out: metrics rows hold numbers only.
 */
export function grokMetrics(markers: GrokMarkers): Metrics {
  const out: Metrics = {};
  if (markers.trainStep !== null) out['grok.train_step'] = markers.trainStep;
  if (markers.testStep !== null) out['grok.test_step'] = markers.testStep;
  if (markers.trainStep !== null && markers.testStep !== null) out['grok.delay'] = markers.testStep - markers.trainStep;
  return out;
}

const STATE_KEYS = ['grokTrainStep', 'grokTestStep'] as const;

/** The markers as a task State (saved in every checkpoint). */
export function grokMarkersToState(markers: GrokMarkers): State {
  return { grokTrainStep: markers.trainStep, grokTestStep: markers.testStep };
}

/**
 * Markers from a task State written by `grokMarkersToState`. Throws, naming the key and what it
 * holds, for a state with other keys (a checkpoint of another task) or values that are not a
 * non-negative integer step or null.
 */
export function grokMarkersFromState(state: State): GrokMarkers {
  const keys = Object.keys(state);
  const foreign = keys.filter((k) => !(STATE_KEYS as readonly string[]).includes(k));
  const missing = STATE_KEYS.filter((k) => !keys.includes(k));
  if (foreign.length > 0 || missing.length > 0) {
    throw new Error(
      `task 'modular-addition' keeps the state ${STATE_KEYS.map((k) => `'${k}'`).join(', ')}, but the checkpoint holds ${keys.length > 0 ? keys.map((k) => `'${k}'`).join(', ') : 'no task state'}`,
    );
  }
  const step = (key: (typeof STATE_KEYS)[number]): number | null => {
    const v = state[key];
    if (v === null) return null;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    const given = typeof v === 'object' && v !== null && 'shape' in v ? 'a tensor' : JSON.stringify(v);
    throw new Error(`task 'modular-addition' state '${key}' must be a step (an integer ≥ 0) or null, got ${given}`);
  };
  return { trainStep: step('grokTrainStep'), testStep: step('grokTestStep') };
}
