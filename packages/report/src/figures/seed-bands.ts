import type { LoadedRun } from '../run/load-run.js';

/**
 * One plotted point: a quantity at one step of one series (a variant), summarised over the runs
 * (seeds) that logged it. `k` is the mode index for array metrics.
 */
export interface BandPoint {
  series: string;
  k?: number;
  step: number;
  median: number;
  min: number;
  max: number;
  /** How many runs contributed; the min–max band is drawn only where this is 2 or more. */
  runs: number;
}

/** Values left out of a figure, counted so the figure can say so instead of hiding them. */
export interface Dropped {
  /** NaN or ±Infinity (run.json and metrics.jsonl store these as strings). */
  nonFinite: number;
  /** Zero or negative values, which have no place on a log axis. */
  nonPositive: number;
}

/** The summarised points of one figure, the series names in a fixed order, and what was dropped. */
export interface Bands {
  points: BandPoint[];
  series: string[];
  dropped: Dropped;
}

/** A raw value read from a row, with its mode index when it comes from an array metric. */
export interface RawValue {
  k?: number;
  value: unknown;
}

// The runner writes non-finite numbers as these strings so that each row stays valid JSON.
const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** A metric value as a number (non-finite strings become NaN/±Infinity), or undefined if it is not one. */
export function metricNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value];
  return undefined;
}

/**
 * The series name of each run: its variant, or `experiment/variant` when the runs come from more
 * than one experiment (two experiments may both have a variant `gd`). Names are in order of first
 * appearance, so every figure of the same runs gives a variant the same colour.
 */
export function seriesNames(runs: readonly LoadedRun[]): { of: (run: LoadedRun) => string; names: string[] } {
  const experiments = new Set(runs.map((r) => r.record.experiment));
  const of = (run: LoadedRun) => (experiments.size > 1 ? `${run.record.experiment}/${run.record.variant}` : run.record.variant);
  return { of, names: [...new Set(runs.map(of))] };
}

/** Median of a non-empty, ascending array (the mean of the middle two for an even length). */
export function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Summarise a quantity over seeds: read values from every row of every run, drop the non-finite
 * ones (and the non-positive ones when `logAxis`), and give, per series, mode index and step, the
 * median, minimum and maximum over the runs that logged it. Points are ordered by series (first
 * appearance), then k, then step.
 */
export function seedBands(
  runs: readonly LoadedRun[],
  read: (row: Readonly<Record<string, unknown>>) => readonly RawValue[],
  logAxis: boolean,
): Bands {
  const { of, names } = seriesNames(runs);
  const dropped: Dropped = { nonFinite: 0, nonPositive: 0 };
  // series → k → step → values (one per run).
  const groups = new Map<string, Map<number, Map<number, number[]>>>(names.map((n) => [n, new Map()]));
  let hasK = false;
  for (const run of runs) {
    // Per run, the last row of a step wins, so a step logged twice still counts as one seed.
    const latest = new Map<string, { k: number; step: number; value: number }>();
    for (const row of run.rows) {
      const step = row.step as number;
      for (const raw of read(row)) {
        const value = metricNumber(raw.value);
        if (value === undefined) continue;
        if (!Number.isFinite(value)) dropped.nonFinite++;
        else if (logAxis && value <= 0) dropped.nonPositive++;
        else {
          if (raw.k !== undefined) hasK = true;
          const k = raw.k ?? -1;
          latest.set(`${k}|${step}`, { k, step, value });
        }
      }
    }
    const byK = groups.get(of(run))!;
    for (const { k, step, value } of latest.values()) {
      const bySteps = byK.get(k) ?? byK.set(k, new Map()).get(k)!;
      const values = bySteps.get(step) ?? bySteps.set(step, []).get(step)!;
      values.push(value);
    }
  }
  const points: BandPoint[] = [];
  for (const [series, byK] of groups) {
    for (const k of [...byK.keys()].sort((a, b) => a - b)) {
      const bySteps = byK.get(k)!;
      for (const step of [...bySteps.keys()].sort((a, b) => a - b)) {
        const values = bySteps.get(step)!.sort((a, b) => a - b);
        const summary = { step, median: median(values), min: values[0]!, max: values[values.length - 1]!, runs: values.length };
        points.push(hasK ? { series, k, ...summary } : { series, ...summary });
      }
    }
  }
  return { points, series: names, dropped };
}
