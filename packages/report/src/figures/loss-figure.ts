import type { LoadedRun } from '../run/load-run.js';
import type { FigureSpec } from './figure-spec.js';
import { seedBands } from './seed-bands.js';
import { stepFigure } from './step-figure.js';

/**
 * Training loss against step on a log axis: one line per variant, the median over its seeds, with a
 * min–max band where several seeds logged the step. Non-finite and non-positive losses are dropped
 * and counted in the subtitle.
 *
 * @example
 *   const spec = lossFigure([await loadRun(folder)]);
 *   const svg = await renderSvg(spec);
 */
export function lossFigure(runs: readonly LoadedRun[]): FigureSpec {
  const bands = seedBands(runs, (row) => [{ value: row.loss }], true);
  return stepFigure(bands, 'Training loss', 'loss', 'log');
}
