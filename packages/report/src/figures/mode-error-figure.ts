import { PrecondError } from '@precond/core';
import type { LoadedRun } from '../run/load-run.js';
import { bandAndLine, figureTitle, SOLID_LEGEND, VEGA_LITE_SCHEMA, type FigureSpec } from './figure-spec.js';
import { seedBands } from './seed-bands.js';

export interface ModeErrorFigureOptions {
  /** The array metric in the rows; default `modes` (the FFT mode errors of the residual). */
  readonly metric?: string;
  /** How many modes to draw, k = 0..modes-1; default 10 (PAPER.md, E1: the first 10 frequencies). */
  readonly modes?: number;
  /** Figure title; default `Mode errors (<metric>)`. */
  readonly title?: string;
}

/**
 * Error per mode against step for an array metric such as `modes`, the FFT mode errors |ê_k| of
 * the residual (PAPER.md, E1 / Fig. 3): one panel per variant, one colour per mode index k on a
 * sequential scale (so GD's frequency-ordered decay reads as a colour gradient), log y, median over
 * seeds with a min–max band. The y axis is shared so variants compare directly.
 *
 * @example
 *   modeErrorFigure(runs, { metric: 'modes', modes: 10 });
 */
export function modeErrorFigure(runs: readonly LoadedRun[], options: ModeErrorFigureOptions = {}): FigureSpec {
  const metric = options.metric ?? 'modes';
  const modes = options.modes ?? 10;
  if (!Number.isInteger(modes) || modes < 1) {
    throw new PrecondError('options', `modeErrorFigure: options.modes must be a positive integer, got ${String(modes)}`);
  }
  const read = (row: Readonly<Record<string, unknown>>) => {
    const values = row[metric];
    return Array.isArray(values) ? values.slice(0, modes).map((value: unknown, k) => ({ k, value })) : [];
  };
  const bands = seedBands(runs, read, true);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: figureTitle(options.title ?? `Mode errors (${metric})`, bands, 'log'),
    data: { values: bands.points },
    facet: { field: 'series', type: 'nominal', title: 'variant', sort: bands.series },
    columns: Math.min(Math.max(bands.series.length, 1), 2),
    spec: {
      width: 300,
      height: 220,
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        // viridis without its pale yellow end, which vanishes on a white page.
        color: { field: 'k', type: 'ordinal', title: 'mode k', scale: { scheme: { name: 'viridis', extent: [0, 0.9] } }, legend: SOLID_LEGEND },
      },
      layer: bandAndLine(bands, '|ê_k|', 'log'),
    },
  };
}
