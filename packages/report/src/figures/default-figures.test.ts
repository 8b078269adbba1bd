import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { runRecord, storedRun } from '../test-support/runs.js';
import { defaultFigures } from './default-figures.js';

const titleOf = (spec: unknown) => (spec as { title: { text: string } }).title.text;

describe('defaultFigures', () => {
  it('gives loss, mode errors, then every other scalar metric in order of appearance', async () => {
    const store = new MemoryRunStore();
    const run = await storedRun(store, 'e/gd-s0', runRecord(), [
      // step and time_s are not metrics; phase (text) and ntk.eigenvalues (an array other than modes) have no default figure.
      { step: 0, time_s: 0, loss: 1, test_loss: 2, accuracy: 0.1, modes: [1, 0.5], phase: 'lazy', 'ntk.eigenvalues': [3, 2] },
      { step: 10, time_s: 1, loss: 0.5, test_loss: 'NaN', accuracy: 0.2, modes: [0.5, 0.25], 'opt.mu': 0.1 },
    ]);
    expect(defaultFigures([run]).map(titleOf)).toEqual(['Training loss', 'Mode errors (modes)', 'test_loss', 'accuracy', 'opt.mu']);
  });

  it('leaves out the mode figure when no row has an array `modes`', async () => {
    const store = new MemoryRunStore();
    const run = await storedRun(store, 'e/gd-s0', runRecord(), [{ step: 0, time_s: 0, loss: 1, accuracy: 0 }]);
    expect(defaultFigures([run]).map(titleOf)).toEqual(['Training loss', 'accuracy']);
  });

  it('gives no figures for no runs', () => {
    expect(defaultFigures([])).toEqual([]);
  });
});
