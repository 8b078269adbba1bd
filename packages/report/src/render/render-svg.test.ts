import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { lossFigure } from '../figures/loss-figure.js';
import { modeErrorFigure } from '../figures/mode-error-figure.js';
import { runRecord, storedRun } from '../test-support/runs.js';
import { renderSvg } from './render-svg.js';

async function runs() {
  const store = new MemoryRunStore();
  const rows = (scale: number) => [
    { step: 0, loss: 1 * scale, modes: [1, 1, 1] },
    { step: 10, loss: 0.1 * scale, modes: [0.1, 0.5, 0.9] },
    { step: 20, loss: 0.01 * scale, modes: [0.01, 0.25, 0.8] },
  ];
  return [
    await storedRun(store, 'e/gd-s0', runRecord({ seed: 0 }), rows(1)),
    await storedRun(store, 'e/gd-s1', runRecord({ seed: 1 }), rows(2)),
  ];
}

describe('renderSvg', () => {
  it('renders a figure to an SVG document with its title and drawn paths', async () => {
    const svg = await renderSvg(lossFigure(await runs()));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Training loss');
    expect(svg).toContain('<path');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('renders the faceted mode figure with its panels and legend', async () => {
    const svg = await renderSvg(modeErrorFigure(await runs(), { modes: 3 }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Mode errors (modes)');
    expect(svg).toContain('mode k');
    expect(svg).toContain('|ê_k|');
  });

  it('renders a figure with no values to plot on a log axis', async () => {
    const store = new MemoryRunStore();
    const empty = await storedRun(store, 'e/empty', runRecord({ status: 'failed' }), '');
    const svg = await renderSvg(lossFigure([empty]));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('no values to plot');
  });

  it('leaves the spec as it was, so the same spec can be rendered again or sent to a browser', async () => {
    const spec = lossFigure(await runs());
    const before = structuredClone(spec);
    const first = await renderSvg(spec);
    expect(spec).toStrictEqual(before);
    // Vega would otherwise tag the data objects with hidden ids; an untouched spec renders the same.
    expect(await renderSvg(spec)).toBe(first);
  });
});
