import type { LoadedRun } from '../run/load-run.js';
import type { FigureSpec } from './figure-spec.js';
import { lossFigure } from './loss-figure.js';
import { metricFigure } from './metric-figure.js';
import { modeErrorFigure } from './mode-error-figure.js';
import { hasKernelDistance, ntkFigures, ntkMetricNames } from './ntk-figures.js';
import { metricNumber } from './seed-bands.js';

// Row fields that are not metrics (step, time_s) or have their own figure (loss, modes).
const NOT_SCALAR_FIGURES = new Set(['step', 'time_s', 'loss', 'modes']);

/**
 * The figures a report shows for these runs: the training loss; the mode errors when rows carry an
 * array `modes`; then one figure per other scalar metric, in the order the metrics first appear
 * (the runner writes task metrics, then `opt.*`, then probe outputs). None when there are no runs.
 */
export function defaultFigures(runs: readonly LoadedRun[]): FigureSpec[] {
  if (runs.length === 0) return [];
  const figures = [lossFigure(runs)];
  if (runs.some((run) => run.rows.some((row) => Array.isArray(row.modes)))) figures.push(modeErrorFigure(runs, { metric: 'modes', modes: 10 }));
  for (const name of scalarMetrics(runs)) figures.push(metricFigure(runs, name));
  return figures;
}

/**
 * The figures `renderReport` (and so `precond report`) shows: `defaultFigures`, with the NTK probe's
 * own figures (the spectrum at step 0 and the kernel distance on log axes, see `ntkFigures`) after
 * the mode errors when the runs logged them; the kernel distance then is not drawn a second time as
 * a plain scalar metric.
 */
export function reportFigures(runs: readonly LoadedRun[]): FigureSpec[] {
  if (runs.length === 0) return [];
  const figures = [lossFigure(runs)];
  if (runs.some((run) => run.rows.some((row) => Array.isArray(row.modes)))) figures.push(modeErrorFigure(runs, { metric: 'modes', modes: 10 }));
  figures.push(...ntkFigures(runs));
  const ownFigure = hasKernelDistance(runs) ? ntkMetricNames().kernelDistance : undefined;
  for (const name of scalarMetrics(runs)) if (name !== ownFigure) figures.push(metricFigure(runs, name));
  return figures;
}

/** Names of the scalar metrics in the rows (numbers, or the strings the runner writes for NaN/±Infinity). */
function scalarMetrics(runs: readonly LoadedRun[]): string[] {
  const names = new Set<string>();
  for (const run of runs) {
    for (const row of run.rows) {
      for (const [name, value] of Object.entries(row)) {
        if (!NOT_SCALAR_FIGURES.has(name) && metricNumber(value) !== undefined) names.add(name);
      }
    }
  }
  return [...names];
}
