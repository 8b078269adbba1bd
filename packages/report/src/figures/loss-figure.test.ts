import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { runRecord, storedRun } from '../test-support/runs.js';
import { layered } from '../test-support/spec-views.js';
import { lossFigure } from './loss-figure.js';

async function threeSeedsAndOne() {
  const store = new MemoryRunStore();
  // gd, three seeds. Values are powers of two where a mean is taken, so medians are exact.
  const gd = [
    [{ step: 0, loss: 1 }, { step: 10, loss: 0.5 }, { step: 20, loss: 0.25 }],
    [{ step: 0, loss: 4 }, { step: 10, loss: 0.1 }, { step: 20, loss: 0.125 }],
    [{ step: 0, loss: 2 }, { step: 10, loss: 0.3 }, { step: 20, loss: 'NaN' }],
  ];
  const runs = [];
  for (const [seed, rows] of gd.entries()) runs.push(await storedRun(store, `e/gd-s${seed}`, runRecord({ variant: 'gd', seed }), rows));
  // gn, one seed, whose loss reaches exactly 0 (possible in float32): no place on a log axis.
  runs.push(await storedRun(store, 'e/gn-s0', runRecord({ variant: 'gn', seed: 0 }), [{ step: 0, loss: 1 }, { step: 10, loss: 0 }]));
  return runs;
}

describe('lossFigure', () => {
  it('gives the median and min/max over seeds at each step', async () => {
    const spec = layered(lossFigure(await threeSeedsAndOne()));
    expect(spec.data.values).toEqual([
      // step 0: seeds give 1, 4, 2 → sorted 1, 2, 4: median 2, min 1, max 4.
      { series: 'gd', step: 0, median: 2, min: 1, max: 4, runs: 3 },
      // step 10: 0.5, 0.1, 0.3 → sorted 0.1, 0.3, 0.5: median 0.3.
      { series: 'gd', step: 10, median: 0.3, min: 0.1, max: 0.5, runs: 3 },
      // step 20: seed 2 logged "NaN", leaving 0.25 and 0.125: median (0.25 + 0.125) / 2 = 0.1875.
      { series: 'gd', step: 20, median: 0.1875, min: 0.125, max: 0.25, runs: 2 },
      // gn has one seed: its value is median, min and max; its loss of 0 at step 10 is dropped.
      { series: 'gn', step: 0, median: 1, min: 1, max: 1, runs: 1 },
    ]);
    // The two dropped values (gd's NaN, gn's 0) are counted where the reader sees them.
    expect(spec.title).toEqual({ text: 'Training loss', subtitle: 'not shown: 1 non-finite value, 1 value ≤ 0 (log axis)' });
  });

  it('draws a min–max band under a median line on a log axis, one colour per variant', async () => {
    const spec = layered(lossFigure(await threeSeedsAndOne()));
    expect(spec.encoding.x).toMatchObject({ field: 'step', title: 'step' });
    expect(spec.encoding.color).toMatchObject({ field: 'series', title: 'variant', scale: { domain: ['gd', 'gn'] } });
    const [band, line] = spec.layer;
    expect(band!.mark.type).toBe('area');
    expect(band!.encoding.y).toMatchObject({ field: 'min', title: 'loss', scale: { type: 'log' } });
    expect(band!.encoding.y2).toEqual({ field: 'max' });
    // The band is limited to steps that several seeds logged, so gn's single seed has none.
    expect(band!.transform).toEqual([{ filter: 'datum.runs > 1' }]);
    expect(line!.mark.type).toBe('line');
    expect(line!.encoding.y).toMatchObject({ field: 'median', title: 'loss', scale: { type: 'log' } });
  });

  it('draws no band when every variant has one seed', async () => {
    const store = new MemoryRunStore();
    const run = await storedRun(store, 'e/gd-s0', runRecord(), [{ step: 0, loss: 1 }, { step: 10, loss: 0.5 }]);
    const spec = layered(lossFigure([run]));
    expect(spec.layer.map((l) => l.mark.type)).toEqual(['line']);
    expect(spec.title).toEqual({ text: 'Training loss' });
  });

  it('is a pure function of the runs', async () => {
    const runs = await threeSeedsAndOne();
    const before = structuredClone(runs);
    expect(lossFigure(runs)).toEqual(lossFigure(runs));
    expect(runs).toEqual(before);
  });

  it('names runs of different experiments by experiment and variant', async () => {
    const store = new MemoryRunStore();
    const a = await storedRun(store, 'a/gd', runRecord({ experiment: 'a' }), [{ step: 0, loss: 1 }]);
    const b = await storedRun(store, 'b/gd', runRecord({ experiment: 'b' }), [{ step: 0, loss: 2 }]);
    const spec = layered(lossFigure([a, b]));
    expect(spec.data.values.map((p) => p.series)).toEqual(['a/gd', 'b/gd']);
  });

  it('says so when there is nothing to plot', async () => {
    const store = new MemoryRunStore();
    const run = await storedRun(store, 'e/nan', runRecord(), [{ step: 0, loss: 'NaN' }, { step: 1, loss: 'Infinity' }]);
    const spec = layered(lossFigure([run]));
    expect(spec.data.values).toEqual([]);
    expect(spec.title.subtitle).toBe('no values to plot: 2 non-finite values');
  });
});
