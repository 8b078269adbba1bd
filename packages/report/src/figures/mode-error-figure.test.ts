import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { runRecord, storedRun } from '../test-support/runs.js';
import { faceted } from '../test-support/spec-views.js';
import { modeErrorFigure } from './mode-error-figure.js';

/** Mode k of seed s at step t: (k + 1)·(s + 1)·2^(-t/10), twelve modes per row. */
const modes = (seed: number, step: number) => Array.from({ length: 12 }, (_, k) => (k + 1) * (seed + 1) * 2 ** (-step / 10));

async function runs() {
  const store = new MemoryRunStore();
  const gd0 = await storedRun(store, 'e/gd-s0', runRecord({ variant: 'gd', seed: 0 }), [
    { step: 0, loss: 1, modes: modes(0, 0) },
    { step: 10, loss: 0.5, modes: modes(0, 10) },
  ]);
  const gd1 = await storedRun(store, 'e/gd-s1', runRecord({ variant: 'gd', seed: 1 }), [
    { step: 0, loss: 1, modes: modes(1, 0) },
    { step: 10, loss: 0.5, modes: modes(1, 10) },
  ]);
  // gn's mode 0 hits exactly 0 at step 10 and its mode 11 is NaN (beyond the 10 drawn, so not counted).
  const gnLast = modes(0, 10);
  const gnRow: unknown[] = [0, ...gnLast.slice(1, 11), 'NaN'];
  const gn = await storedRun(store, 'e/gn-s0', runRecord({ variant: 'gn', seed: 0 }), [
    { step: 0, loss: 1, modes: modes(0, 0) },
    { step: 10, loss: 0.1, modes: gnRow },
  ]);
  return [gd0, gd1, gn];
}

describe('modeErrorFigure', () => {
  it('has one series per mode in each variant panel, coloured by k', async () => {
    const spec = faceted(modeErrorFigure(await runs(), { metric: 'modes', modes: 10 }));
    const series = new Set(spec.data.values.map((p) => `${p.series}:${p.k}`));
    // 2 variants × modes 0..9 (10 of the 12 logged) = 20 series.
    expect(series.size).toBe(20);
    for (const variant of ['gd', 'gn']) {
      const ks = [...new Set(spec.data.values.filter((p) => p.series === variant).map((p) => p.k))];
      expect(ks).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(spec.facet).toMatchObject({ field: 'series', sort: ['gd', 'gn'] });
    expect(spec.spec.encoding.color).toMatchObject({ field: 'k', type: 'ordinal', title: 'mode k' });
    expect(spec.spec.encoding.x).toMatchObject({ field: 'step', title: 'step' });
    const line = spec.spec.layer.at(-1)!;
    expect(line.encoding.y).toMatchObject({ field: 'median', title: '|ê_k|', scale: { type: 'log' } });
  });

  it('summarises each mode over seeds', async () => {
    const spec = faceted(modeErrorFigure(await runs()));
    const point = (series: string, k: number, step: number) => spec.data.values.find((p) => p.series === series && p.k === k && p.step === step);
    // gd, k = 3, step 10: seed 0 gives 4·1·½ = 2, seed 1 gives 4·2·½ = 4 → median 3, min 2, max 4.
    expect(point('gd', 3, 10)).toEqual({ series: 'gd', k: 3, step: 10, median: 3, min: 2, max: 4, runs: 2 });
    // gn, k = 0, step 10 was 0: dropped from the log axis, so mode 0 of gn has step 0 only.
    expect(spec.data.values.filter((p) => p.series === 'gn' && p.k === 0).map((p) => p.step)).toEqual([0]);
    expect(spec.title).toEqual({ text: 'Mode errors (modes)', subtitle: 'not shown: 1 value ≤ 0 (log axis)' });
  });

  it('draws only the modes asked for', async () => {
    const spec = faceted(modeErrorFigure(await runs(), { modes: 3 }));
    expect([...new Set(spec.data.values.map((p) => p.k))]).toEqual([0, 1, 2]);
  });

  it('rejects a mode count that is not a positive integer', async () => {
    const all = await runs();
    expect(() => modeErrorFigure(all, { modes: 0 })).toThrow('modeErrorFigure: options.modes must be a positive integer, got 0');
  });
});
