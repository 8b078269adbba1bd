import type { TopLevelSpec } from 'vega-lite';
import type { Bands } from './seed-bands.js';

/** A figure: a Vega-Lite spec with its data inline, rendered by renderSvg (Node or browser) or by a live vega View in a browser. */
export type FigureSpec = TopLevelSpec;

/** Which Vega-Lite the specs are written for (vega-lite 6). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Legend entries drawn as solid strokes; otherwise they take the faint opacity of the band layer. */
export const SOLID_LEGEND = { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 } as const;

/** How a figure's y axis is scaled. */
export type AxisScale = 'log' | 'linear';

/** The figure's title, with a subtitle that says what was left out, so a gap in a curve is explained. */
export function figureTitle(text: string, bands: Bands, scale: AxisScale): { text: string; subtitle?: string } {
  if (bands.points.length === 0) {
    const any = bands.dropped.nonFinite + bands.dropped.nonPositive > 0;
    return { text, subtitle: any ? `no values to plot: ${droppedText(bands)}` : 'no values to plot' };
  }
  const note = droppedText(bands);
  return note ? { text, subtitle: `not shown: ${note}${scale === 'log' && bands.dropped.nonPositive > 0 ? ' (log axis)' : ''}` } : { text };
}

function droppedText({ dropped }: Bands): string {
  const parts: string[] = [];
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (dropped.nonFinite > 0) parts.push(`${plural(dropped.nonFinite, 'non-finite value')}`);
  if (dropped.nonPositive > 0) parts.push(`${plural(dropped.nonPositive, 'value')} ≤ 0`);
  return parts.join(', ');
}

/**
 * The layers of one panel: a min–max band over seeds (only where 2 or more runs logged the step,
 * so a single seed is drawn as a plain line) under the median line.
 */
export function bandAndLine(bands: Bands, yTitle: string, scale: AxisScale) {
  const y = { type: 'quantitative' as const, title: yTitle, scale: { type: scale } };
  const line = {
    mark: { type: 'line' as const, strokeWidth: 1.5 },
    encoding: { y: { field: 'median', ...y } },
  };
  if (!bands.points.some((p) => p.runs > 1)) return [line];
  const band = {
    transform: [{ filter: 'datum.runs > 1' }],
    mark: { type: 'area' as const, opacity: 0.2 },
    encoding: { y: { field: 'min', ...y }, y2: { field: 'max' } },
  };
  return [band, line];
}
