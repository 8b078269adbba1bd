import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { renderSvg } from '../render/render-svg.js';
import { runRecord, storedRun } from '../test-support/runs.js';
import { layered, type LayeredView, type PanelView } from '../test-support/spec-views.js';
import { defaultFigures, reportFigures } from './default-figures.js';
import { kernelDistanceFigure, ntkFigures, ntkSpectrumFigure } from './ntk-figures.js';
import type { BandPoint } from './seed-bands.js';

interface SpectrumView {
  title: { text: string; subtitle?: string };
  vconcat: Array<PanelView & { data: { values: BandPoint[] } }>;
  resolve: unknown;
}
const spectrum = (spec: unknown) => spec as SpectrumView;
const titleOf = (spec: unknown) => (spec as { title: { text: string } }).title.text;

// The probe's rows at step 0 for two seeds. Seed 0's last eigenvalue is a rounding-level negative
// number (the probe reports eigenvalues as computed), which a log axis cannot show.
const EIGEN = [
  [4, 2, 1, -1e-15],
  [8, 2, 0.5, 1e-16],
];
const MODES = [
  [0.5, 0.25, 0.125, 1],
  [0.25, 0.25, 0.5, 2],
];

/**
 * `sgd` and `adam` start from the same weights per seed (the same rows at step 0, as in E1), `lm`
 * from others (every eigenvalue doubled, one seed). Later observations carry other values, which
 * the step-0 figure must ignore.
 */
async function ntkRuns() {
  const store = new MemoryRunStore();
  const runs = [];
  for (const variant of ['sgd', 'adam']) {
    for (const seed of [0, 1]) {
      runs.push(
        await storedRun(store, `e/${variant}-s${seed}`, runRecord({ variant, seed }), [
          { step: 0, loss: 1, 'ntk.eigenvalues': EIGEN[seed], 'ntk.modes': MODES[seed], 'ntk.kernel_distance': 0, 'ntk.alignment': 0.5 },
          { step: 1, loss: 0.9, 'ntk.eigenvalues': [99, 99, 99, 99], 'ntk.modes': [9, 9, 9, 9], 'ntk.kernel_distance': variant === 'sgd' ? 1e-6 * (seed + 1) : 1e-3 * (seed + 1), 'ntk.alignment': 0.5 },
          { step: 10, loss: 0.5, 'ntk.kernel_distance': variant === 'sgd' ? 4e-6 * (seed + 1) : 0, 'ntk.alignment': 0.6 },
          // A logged row without an observation: nothing for the NTK figures.
          { step: 20, loss: 0.25 },
        ]),
      );
    }
  }
  runs.push(
    await storedRun(store, 'e/lm-s0', runRecord({ variant: 'lm', seed: 0 }), [
      { step: 0, loss: 1, 'ntk.eigenvalues': EIGEN[0]!.map((v) => 2 * v), 'ntk.modes': MODES[0], 'ntk.kernel_distance': 0 },
      { step: 100, loss: 0.1, 'ntk.kernel_distance': 0.25 },
    ]),
  );
  return runs;
}

describe('ntkSpectrumFigure', () => {
  it('draws the step-0 eigenvalues and residual components per eigen-index, median and min–max over seeds', async () => {
    const spec = spectrum(ntkSpectrumFigure(await ntkRuns()));
    const [eigen, modes] = spec.vconcat;
    const at = (values: BandPoint[], series: string, k: number) => values.find((p) => p.series === series && p.k === k);
    // k = 0: seeds give 4 and 8 → median (4 + 8)/2 = 6, min 4, max 8.
    expect(at(eigen!.data.values, 'sgd, adam', 0)).toEqual({ series: 'sgd, adam', k: 0, step: 0, median: 6, min: 4, max: 8, runs: 2 });
    // k = 2: 1 and 0.5 → median 0.75.
    expect(at(eigen!.data.values, 'sgd, adam', 2)).toMatchObject({ median: 0.75, min: 0.5, max: 1, runs: 2 });
    // k = 3: seed 0's −1e-15 has no place on the log axis, leaving seed 1's 1e-16 alone.
    expect(at(eigen!.data.values, 'sgd, adam', 3)).toMatchObject({ median: 1e-16, min: 1e-16, max: 1e-16, runs: 1 });
    // lm (one seed): its own eigenvalues, doubled; its −2e-15 at k = 3 is dropped too.
    expect(eigen!.data.values.filter((p) => p.series === 'lm').map((p) => [p.k, p.median])).toEqual([[0, 8], [1, 4], [2, 2]]);
    // Residual components: k = 3 gives 1 and 2 → median 1.5.
    expect(at(modes!.data.values, 'sgd, adam', 3)).toMatchObject({ median: 1.5, min: 1, max: 2, runs: 2 });
    expect(at(modes!.data.values, 'lm', 0)).toMatchObject({ median: 0.5, runs: 1 });
    // Only the step-0 observation is drawn (step 1's 99s and 9s are not).
    for (const panel of spec.vconcat) expect(panel.data.values.every((p) => p.step === 0)).toBe(true);
    // Three negative eigenvalues were dropped: sgd s0, adam s0 (−1e-15) and lm s0 (−2e-15).
    expect(spec.title).toEqual({ text: 'NTK spectrum at step 0', subtitle: 'not shown: 3 values ≤ 0 (log axis)' });
  });

  it('draws variants with identical step-0 kernels once, named by all of them', async () => {
    const spec = spectrum(ntkSpectrumFigure(await ntkRuns()));
    // sgd and adam logged the same numbers at step 0 for every seed; lm did not.
    expect(spec.vconcat[0]!.encoding.color.scale.domain).toEqual(['sgd, adam', 'lm']);
    expect(new Set(spec.vconcat[0]!.data.values.map((p) => p.series))).toEqual(new Set(['sgd, adam', 'lm']));
  });

  it('stacks the two panels on one eigen-index axis, each on a log y axis', async () => {
    const spec = spectrum(ntkSpectrumFigure(await ntkRuns()));
    expect(spec.resolve).toEqual({ scale: { x: 'shared' } });
    expect(spec.vconcat.map((p) => p.encoding.x)).toEqual([
      { field: 'k', type: 'quantitative', title: 'eigen-index k (largest eigenvalue first)' },
      { field: 'k', type: 'quantitative', title: 'eigen-index k (largest eigenvalue first)' },
    ]);
    expect(spec.vconcat.map((p) => p.layer.at(-1)!.encoding.y)).toMatchObject([
      { field: 'median', title: 'eigenvalue λ_k', scale: { type: 'log' } },
      { field: 'median', title: 'residual along eigenvector |q_kᵀ e|', scale: { type: 'log' } },
    ]);
    // Two seeds somewhere → a band under each line.
    expect(spec.vconcat.map((p) => p.layer.map((l) => l.mark.type))).toEqual([['area', 'line'], ['area', 'line']]);
  });

  it('has one panel when the probe logged no modes, and draws another step when asked', async () => {
    const store = new MemoryRunStore();
    const run = await storedRun(store, 'e/gd-s0', runRecord(), [
      { step: 0, loss: 1, 'ntk.eigenvalues': [2, 1] },
      { step: 5, loss: 1, 'ntk.eigenvalues': [3, 1.5] },
    ]);
    const first = spectrum(ntkSpectrumFigure([run]));
    expect(first.vconcat).toHaveLength(1);
    expect(first.vconcat[0]!.data.values.map((p) => p.median)).toEqual([2, 1]);
    // One run: a line, no band.
    expect(first.vconcat[0]!.layer.map((l) => l.mark.type)).toEqual(['line']);
    const later = spectrum(ntkSpectrumFigure([run], { step: 5 }));
    expect(later.title.text).toBe('NTK spectrum at step 5');
    expect(later.vconcat[0]!.data.values.map((p) => p.median)).toEqual([3, 1.5]);
  });

  it('reads the metrics of a probe with another id', async () => {
    const store = new MemoryRunStore();
    const run = await storedRun(store, 'e/gd-s0', runRecord(), [{ step: 0, loss: 1, 'kernel.eigenvalues': [5, 1], 'ntk.eigenvalues': [7, 7] }]);
    expect(spectrum(ntkSpectrumFigure([run], { prefix: 'kernel' })).vconcat[0]!.data.values.map((p) => p.median)).toEqual([5, 1]);
  });

  it('rejects a step that is not a non-negative integer', async () => {
    expect(() => ntkSpectrumFigure([], { step: -1 })).toThrow('ntkSpectrumFigure: options.step must be a non-negative integer, got -1');
  });

  it('renders to SVG', async () => {
    const svg = await renderSvg(ntkSpectrumFigure(await ntkRuns()));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('NTK spectrum at step 0');
    expect(svg).toContain('sgd, adam');
  });
});

describe('kernelDistanceFigure', () => {
  it('draws the distance after step 0 per variant on log axes, median and min–max over seeds', async () => {
    const spec = layered(kernelDistanceFigure(await ntkRuns())) as LayeredView & { encoding: { x: { scale: unknown } } };
    expect(spec.data.values).toEqual([
      // sgd, step 1: seeds 1e-6 and 2e-6 → median 1.5e-6.
      { series: 'sgd', step: 1, median: 1.5e-6, min: 1e-6, max: 2e-6, runs: 2 },
      // step 10: 4e-6 and 8e-6 → 6e-6.
      { series: 'sgd', step: 10, median: 6e-6, min: 4e-6, max: 8e-6, runs: 2 },
      // adam, step 1: 1e-3 and 2e-3; its step-10 zeros are not on the log axis.
      { series: 'adam', step: 1, median: 1.5e-3, min: 1e-3, max: 2e-3, runs: 2 },
      { series: 'lm', step: 100, median: 0.25, min: 0.25, max: 0.25, runs: 1 },
    ]);
    // Step 0 (the reference, 0 by definition) is not counted; adam's two zeros at step 10 are.
    expect(spec.title).toEqual({ text: 'NTK kernel distance from step 0', subtitle: 'not shown: 2 values ≤ 0 (log axis)' });
    expect(spec.encoding.x).toMatchObject({ field: 'step', scale: { type: 'log' } });
    expect(spec.encoding.color).toMatchObject({ field: 'series', scale: { domain: ['sgd', 'adam', 'lm'] } });
    expect(spec.layer.map((l) => [l.mark.type, l.encoding.y.field, l.encoding.y.scale.type])).toEqual([
      ['area', 'min', 'log'],
      ['line', 'median', 'log'],
    ]);
  });

  it('renders to SVG', async () => {
    expect(await renderSvg(kernelDistanceFigure(await ntkRuns()))).toContain('NTK kernel distance from step 0');
  });
});

describe('ntkFigures and reportFigures', () => {
  it('give the NTK figures only for runs that logged the probe', async () => {
    const store = new MemoryRunStore();
    const plain = await storedRun(store, 'e/gd-s0', runRecord(), [{ step: 0, loss: 1 }, { step: 10, loss: 0.5 }]);
    expect(ntkFigures([plain])).toEqual([]);
    // Observed after step 0 only (a resumed run's rows, say): no spectrum at step 0, a distance figure.
    const later = await storedRun(store, 'e/gd-s1', runRecord({ seed: 1 }), [{ step: 10, loss: 0.5, 'ntk.eigenvalues': [1], 'ntk.kernel_distance': 0.1 }]);
    expect(ntkFigures([later]).map(titleOf)).toEqual(['NTK kernel distance from step 0']);
    expect(ntkFigures(await ntkRuns()).map(titleOf)).toEqual(['NTK spectrum at step 0', 'NTK kernel distance from step 0']);
  });

  it('reportFigures puts them after the loss and draws the kernel distance once', async () => {
    const runs = await ntkRuns();
    expect(reportFigures(runs).map(titleOf)).toEqual(['Training loss', 'NTK spectrum at step 0', 'NTK kernel distance from step 0', 'ntk.alignment']);
    // defaultFigures keeps its rule: every scalar metric, the kernel distance included.
    expect(defaultFigures(runs).map(titleOf)).toEqual(['Training loss', 'ntk.kernel_distance', 'ntk.alignment']);
    expect(reportFigures([])).toEqual([]);
  });
});
