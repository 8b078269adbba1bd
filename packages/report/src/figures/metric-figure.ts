import type { LoadedRun } from '../run/load-run.js';
import type { AxisScale, FigureSpec } from './figure-spec.js';
import { metricNumber, seedBands } from './seed-bands.js';
import { stepFigure } from './step-figure.js';

export interface MetricFigureOptions {
  /** Figure title; default the metric's name. */
  readonly title?: string;
  /** y axis scale; default `log` when every finite value is positive and they span two decades or more, else `linear`. */
  readonly scale?: AxisScale;
}

/**
 * Any scalar metric of the rows (`test_loss`, `accuracy`, `opt.mu`, `ntk.kernel_distance`, ...)
 * against step: one line per variant, the median over seeds with a min–max band.
 *
 * @example
 *   metricFigure(runs, 'accuracy');                    // linear: accuracies include 0
 *   metricFigure(runs, 'opt.mu', { scale: 'log' });
 */
export function metricFigure(runs: readonly LoadedRun[], name: string, options: MetricFigureOptions = {}): FigureSpec {
  const read = (row: Readonly<Record<string, unknown>>) => [{ value: row[name] }];
  const scale = options.scale ?? defaultScale(runs, name);
  return stepFigure(seedBands(runs, read, scale === 'log'), options.title ?? name, name, scale);
}

/**
 * A log axis suits quantities that fall by orders of magnitude (losses, errors, damping); a linear
 * one suits bounded ones (accuracy) and anything that can be zero or negative.
 */
function defaultScale(runs: readonly LoadedRun[], name: string): AxisScale {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const run of runs) {
    for (const row of run.rows) {
      const v = metricNumber(row[name]);
      if (v === undefined || !Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo > 0 && hi >= 100 * lo ? 'log' : 'linear';
}
