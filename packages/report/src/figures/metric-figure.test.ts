import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { runRecord, storedRun } from '../test-support/runs.js';
import { layered } from '../test-support/spec-views.js';
import { metricFigure } from './metric-figure.js';

async function run() {
  const store = new MemoryRunStore();
  return storedRun(store, 'e/gd-s0', runRecord(), [
    { step: 0, loss: 1, accuracy: 0, test_loss: 1, 'opt.lr': 1 },
    { step: 10, loss: 0.5, accuracy: 0.5, test_loss: 0.1, 'opt.lr': 0.5 },
    { step: 20, loss: 0.25, accuracy: 1, test_loss: 0.001, 'opt.lr': 'Infinity' },
  ]);
}

describe('metricFigure', () => {
  it('plots a scalar metric against step, titled and labelled by its name', async () => {
    const spec = layered(metricFigure([await run()], 'accuracy'));
    expect(spec.title).toEqual({ text: 'accuracy' });
    expect(spec.data.values.map((p) => [p.step, p.median])).toEqual([[0, 0], [10, 0.5], [20, 1]]);
    expect(spec.layer[0]!.encoding.y).toMatchObject({ field: 'median', title: 'accuracy' });
  });

  it('uses a log axis for values spanning two decades or more, a linear one otherwise', async () => {
    const r = await run();
    const scale = (name: string) => layered(metricFigure([r], name)).layer[0]!.encoding.y.scale.type;
    expect(scale('test_loss')).toBe('log'); // 1 / 0.001 = 1000 ≥ 100, all positive
    expect(scale('accuracy')).toBe('linear'); // contains 0
    expect(scale('opt.lr')).toBe('linear'); // finite values 1 and 0.5 span a factor 2
  });

  it('drops non-finite values and, on a forced log axis, values ≤ 0', async () => {
    const r = await run();
    const lr = layered(metricFigure([r], 'opt.lr'));
    expect(lr.data.values.map((p) => p.step)).toEqual([0, 10]);
    expect(lr.title.subtitle).toBe('not shown: 1 non-finite value');
    const acc = layered(metricFigure([r], 'accuracy', { scale: 'log', title: 'Train accuracy' }));
    expect(acc.data.values.map((p) => p.step)).toEqual([10, 20]);
    expect(acc.title).toEqual({ text: 'Train accuracy', subtitle: 'not shown: 1 value ≤ 0 (log axis)' });
  });

  it('keeps a dotted metric name out of field paths', async () => {
    // Vega-Lite reads "opt.lr" as a nested field; the figure's data uses fixed field names instead.
    const spec = layered(metricFigure([await run()], 'opt.lr'));
    expect(Object.keys(spec.data.values[0]!)).toEqual(['series', 'step', 'median', 'min', 'max', 'runs']);
    expect(spec.layer[0]!.encoding.y.title).toBe('opt.lr');
  });
});
