import type { RunRecord } from '@precond/core';
import type { LoadedRun } from '@precond/report';
import { describe, expect, it } from 'vitest';
import { figureTitle, NTK_EIGENVALUES, playgroundFigures } from './figures.js';

function run(rows: Array<Record<string, unknown>>): LoadedRun {
  const record = { format: 'precond-run/1', experiment: 'spectral-bias', variant: 'adam', seed: 0 } as RunRecord;
  return { location: 'r', record, rows };
}

describe('playgroundFigures', () => {
  it("is the Node report's figures when there is no NTK probe", () => {
    const figures = playgroundFigures([run([{ step: 0, loss: 0.4, modes: [0.1, 0.2], test_loss: 0.41 }])]);
    expect(figures.map(figureTitle)).toEqual(['Training loss', 'Mode errors (modes)', 'test_loss']);
  });

  it('adds the NTK eigenvalues λ_0..λ_9, one line per k, when the probe logged them', () => {
    // Ten eigenvalues 10⁰..10⁻⁹ at step 0, halved at step 10: a log axis, all positive.
    const lambda = Array.from({ length: 12 }, (_, k) => 10 ** -k);
    const rows = [
      { step: 0, loss: 0.4, [NTK_EIGENVALUES]: lambda, 'ntk.kernel_distance': 0 },
      { step: 10, loss: 0.3, [NTK_EIGENVALUES]: lambda.map((l) => l / 2), 'ntk.kernel_distance': 0.01 },
    ];
    const figures = playgroundFigures([run(rows)]);
    expect(figures.map(figureTitle)).toEqual(['Training loss', 'ntk.kernel_distance', 'NTK eigenvalues λ_k (ntk.eigenvalues)']);
    const points = (figures[2] as { data: { values: Array<{ k: number; step: number; median: number }> } }).data.values;
    // Only the first ten of the twelve.
    expect(new Set(points.map((p) => p.k))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(points.find((p) => p.k === 3 && p.step === 10)!.median).toBeCloseTo(5e-4, 15);
    // Axis titles for eigenvalues, not for FFT modes.
    const inner = (figures[2] as unknown as { spec: { encoding: { color: { title: string } }; layer: Array<{ encoding: { y: { title: string } } }> } }).spec;
    expect(inner.encoding.color.title).toBe('k');
    expect(inner.layer.map((l) => l.encoding.y.title)).toEqual(['λ_k']);
  });

  it('figureTitle reads plain and object titles', () => {
    expect(figureTitle({ title: 'a', mark: 'point', data: { values: [] } })).toBe('a');
    expect(figureTitle({ title: { text: ['b', 'c'] }, mark: 'point', data: { values: [] } })).toBe('b c');
    expect(figureTitle({ mark: 'point', data: { values: [] } })).toBe('figure');
  });
});
