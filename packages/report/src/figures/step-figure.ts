import { bandAndLine, figureTitle, SOLID_LEGEND, VEGA_LITE_SCHEMA, type AxisScale, type FigureSpec } from './figure-spec.js';
import type { Bands } from './seed-bands.js';

/** The line chart shared by the loss and scalar metric figures: one colour per variant, step on x. */
export function stepFigure(bands: Bands, title: string, yTitle: string, scale: AxisScale): FigureSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: figureTitle(title, bands, scale),
    width: 480,
    height: 300,
    data: { values: bands.points },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      // A fixed domain keeps each variant's colour the same in every figure of a report.
      color: { field: 'series', type: 'nominal', title: 'variant', scale: { domain: bands.series }, legend: SOLID_LEGEND },
    },
    layer: bandAndLine(bands, yTitle, scale),
  };
}
