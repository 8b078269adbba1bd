import { PrecondError } from '@precond/core';
import type { LoadedRun } from '../run/load-run.js';
import { bandAndLine, figureTitle, SOLID_LEGEND, VEGA_LITE_SCHEMA, type FigureSpec } from './figure-spec.js';
import { seedBands, type BandPoint, type Bands } from './seed-bands.js';

/** The metric names an NTK probe writes, given its id (`ntk` for @precond/probe-ntk). */
export function ntkMetricNames(prefix = 'ntk') {
  return {
    eigenvalues: `${prefix}.eigenvalues`,
    modes: `${prefix}.modes`,
    kernelDistance: `${prefix}.kernel_distance`,
  };
}

export interface NtkSpectrumFigureOptions {
  /** The probe's id, the prefix of its metrics; default `ntk`. */
  readonly prefix?: string;
  /** The observation drawn; default 0 (the kernel at initialisation). */
  readonly step?: number;
  /** Figure title; default `NTK spectrum at step <step>`. */
  readonly title?: string;
}

/** A point of the spectrum figure: one eigen-index `k` of one series, summarised over seeds. */
type SpectrumPoint = BandPoint & { k: number };

/**
 * The NTK's eigenvalues `λ_k` at one observation (step 0 by default) against their index k, largest
 * first, on a log axis; below them, when the probe logged `modes`, the training residual along each
 * eigenvector `|q_kᵀ e|` (PAPER.md: under gradient descent that component decays at a rate
 * proportional to `λ_k`, so residual that sits along small eigenvalues is slow to learn). Both
 * panels share the k axis, so a residual component reads against its eigenvalue. One colour per
 * variant, the median over seeds with a min–max band.
 *
 * Variants that start from the same weights have the same kernel at step 0; series whose points
 * are identical are drawn once, named by all of them (`sgd, adam`), instead of as lines on top of
 * each other. Eigenvalues at rounding level can be ≤ 0 (the probe reports them as computed): the
 * log axis leaves them out and the subtitle counts them.
 *
 * @example
 *   ntkSpectrumFigure(runs);              // the kernel at initialisation
 *   ntkSpectrumFigure(runs, { step: 300 });
 */
export function ntkSpectrumFigure(runs: readonly LoadedRun[], options: NtkSpectrumFigureOptions = {}): FigureSpec {
  const step = options.step ?? 0;
  if (!Number.isInteger(step) || step < 0) {
    throw new PrecondError('options', `ntkSpectrumFigure: options.step must be a non-negative integer, got ${String(step)}`);
  }
  const names = ntkMetricNames(options.prefix);
  const atStep = (metric: string) => (row: Readonly<Record<string, unknown>>) => {
    const values = row.step === step ? row[metric] : undefined;
    return Array.isArray(values) ? values.map((value: unknown, k) => ({ k, value })) : [];
  };
  const eigen = seedBands(runs, atStep(names.eigenvalues), true);
  const modes = seedBands(runs, atStep(names.modes), true);
  const { series, rename } = mergeIdenticalSeries([eigen, modes]);
  const relabel = (bands: Bands) => bands.points.map((p) => ({ ...p, series: rename.get(p.series)! }) as SpectrumPoint);
  const both: Bands = {
    points: [...eigen.points, ...modes.points],
    series,
    dropped: { nonFinite: eigen.dropped.nonFinite + modes.dropped.nonFinite, nonPositive: eigen.dropped.nonPositive + modes.dropped.nonPositive },
  };
  // Merged series carry several variant names: let the legend show them whole.
  const colour = { field: 'series', type: 'nominal' as const, title: 'variant', scale: { domain: series }, legend: { ...SOLID_LEGEND, labelLimit: 480 } };
  const kAxis = { field: 'k', type: 'quantitative' as const, title: 'eigen-index k (largest eigenvalue first)' };
  const panel = (points: SpectrumPoint[], bands: Bands, yTitle: string) => ({
    width: 480,
    height: 220,
    data: { values: points },
    encoding: { x: kAxis, color: colour },
    layer: bandAndLine({ ...bands, points }, yTitle, 'log'),
  });
  const panels = [panel(relabel(eigen), eigen, 'eigenvalue λ_k')];
  if (modes.points.length > 0) panels.push(panel(relabel(modes), modes, 'residual along eigenvector |q_kᵀ e|'));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: figureTitle(options.title ?? `NTK spectrum at step ${step}`, both, 'log'),
    vconcat: panels,
    resolve: { scale: { x: 'shared' } },
  };
}

/**
 * Series whose eigenvalue and mode points are all equal (the same initial weights give the same
 * kernel at step 0) become one series named by all of them, in order of first appearance.
 */
function mergeIdenticalSeries(parts: readonly Bands[]): { series: string[]; rename: Map<string, string> } {
  const groups = new Map<string, string[]>();
  for (const name of parts[0]!.series) {
    const key = JSON.stringify(parts.map((bands) => bands.points.filter((p) => p.series === name).map((p) => [p.k, p.median, p.min, p.max, p.runs])));
    const group = groups.get(key);
    if (group) group.push(name);
    else groups.set(key, [name]);
  }
  const rename = new Map<string, string>();
  const series: string[] = [];
  for (const group of groups.values()) {
    const label = group.join(', ');
    series.push(label);
    for (const name of group) rename.set(name, label);
  }
  return { series, rename };
}

export interface KernelDistanceFigureOptions {
  /** The probe's id, the prefix of its metrics; default `ntk`. */
  readonly prefix?: string;
  /** Figure title; default `NTK kernel distance from step 0`. */
  readonly title?: string;
}

/**
 * The kernel distance `1 − ⟨K_t, K_0⟩_F / (‖K_t‖_F ‖K_0‖_F)` against step, both axes logarithmic
 * (probes usually observe at log-spaced steps, and variants of very different lengths share the
 * figure): one line per variant, the median over seeds with a min–max band. A kernel that stays put
 * is the lazy (NTK) regime; the distance rising is training leaving it (PAPER.md, "What the NTK
 * probe reports"). Step 0 is the reference itself (distance 0 by definition) and has no place on a
 * log step axis, so it is left out; any other value ≤ 0 is counted in the subtitle.
 *
 * @example
 *   kernelDistanceFigure(runs);
 */
export function kernelDistanceFigure(runs: readonly LoadedRun[], options: KernelDistanceFigureOptions = {}): FigureSpec {
  const metric = ntkMetricNames(options.prefix).kernelDistance;
  const bands = seedBands(runs, (row) => (row.step === 0 ? [] : [{ value: row[metric] }]), true);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: figureTitle(options.title ?? 'NTK kernel distance from step 0', bands, 'log'),
    width: 480,
    height: 300,
    data: { values: bands.points },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', scale: { type: 'log' } },
      color: { field: 'series', type: 'nominal', title: 'variant', scale: { domain: bands.series }, legend: SOLID_LEGEND },
    },
    layer: bandAndLine(bands, 'kernel distance', 'log'),
  };
}

/** Whether some run logged the probe's eigenvalue array at step 0. */
export function hasNtkSpectrum(runs: readonly LoadedRun[], prefix?: string): boolean {
  const name = ntkMetricNames(prefix).eigenvalues;
  return runs.some((run) => run.rows.some((row) => row.step === 0 && Array.isArray(row[name])));
}

/** Whether some run logged the kernel distance at a step after 0. */
export function hasKernelDistance(runs: readonly LoadedRun[], prefix?: string): boolean {
  const name = ntkMetricNames(prefix).kernelDistance;
  return runs.some((run) => run.rows.some((row) => row.step !== 0 && row[name] !== undefined));
}

/**
 * The NTK figures these runs support: the spectrum at step 0 when some run logged the probe's
 * eigenvalue array there, and the kernel distance when some run logged it after step 0.
 */
export function ntkFigures(runs: readonly LoadedRun[], options: { readonly prefix?: string } = {}): FigureSpec[] {
  const figures: FigureSpec[] = [];
  if (hasNtkSpectrum(runs, options.prefix)) figures.push(ntkSpectrumFigure(runs, options));
  if (hasKernelDistance(runs, options.prefix)) figures.push(kernelDistanceFigure(runs, options));
  return figures;
}
