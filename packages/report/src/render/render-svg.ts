import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { FigureSpec } from '../figures/figure-spec.js';

/**
 * Render a figure to an SVG document string. Runs headless: vega's `none` renderer builds the
 * scenegraph without a canvas and writes SVG markup, so this works in Node and in a browser alike.
 *
 * @example
 *   const svg = await renderSvg(lossFigure(runs));   // '<svg xmlns=...'
 */
export async function renderSvg(spec: FigureSpec): Promise<string> {
  // vega tags every data object it ingests; a copy keeps the caller's spec exactly as it was.
  const { spec: vegaSpec } = compile(structuredClone(spec));
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    // Release the dataflow and its timers; a report renders many views in one process.
    view.finalize();
  }
}
