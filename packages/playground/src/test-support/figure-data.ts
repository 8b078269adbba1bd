import type { BandPoint, FigureSpec } from '@precond/report';
import { figureTitle } from '../plots/figures.js';

/** How far one figure's data is from another's. */
export interface FigureDifference {
  readonly title: string;
  /** Points (series × mode k × step) in both figures. */
  readonly points: number;
  /** max over points of |a − b| / |b|, b the reference's plotted median. */
  readonly maxRelative: number;
  /**
   * max over points of |a − b| / max_k |b_k|: the difference relative to the largest value of the
   * same series and step (for the mode figure, the largest mode). A small mode is a difference of
   * large float32 numbers, so its own relative error says little about the run.
   */
  readonly maxNormwise: number;
  /** Where the pointwise difference is worst, for messages. */
  readonly worst: string;
}

function points(spec: FigureSpec): BandPoint[] {
  return ((spec as { data?: { values?: BandPoint[] } }).data?.values ?? []) as BandPoint[];
}

/**
 * Compare two lists of figures built from different runs of the same thing: the same titles in the
 * same order, the same points (series, mode k, step; those up to `upToStep`), and per figure the
 * worst relative and normwise differences of the plotted medians. Throws when the figures do not
 * line up.
 */
export function compareFigureData(actual: readonly FigureSpec[], reference: readonly FigureSpec[], options: { readonly upToStep?: number } = {}): FigureDifference[] {
  const upTo = options.upToStep ?? Number.POSITIVE_INFINITY;
  const titles = (specs: readonly FigureSpec[]) => specs.map(figureTitle);
  if (titles(actual).join('\n') !== titles(reference).join('\n')) {
    throw new Error(`the figures differ: [${titles(actual).join(', ')}] vs [${titles(reference).join(', ')}]`);
  }
  return reference.map((ref, i) => {
    const key = (p: BandPoint) => `${p.series} k=${p.k ?? '-'} step=${p.step}`;
    const group = (p: BandPoint) => `${p.series} step=${p.step}`;
    const got = new Map(points(actual[i]!).filter((p) => p.step <= upTo).map((p) => [key(p), p.median]));
    const want = points(ref).filter((p) => p.step <= upTo);
    if (got.size !== want.length) throw new Error(`${figureTitle(ref)}: ${got.size} points vs ${want.length} in the reference`);
    const scale = new Map<string, number>();
    for (const p of want) scale.set(group(p), Math.max(scale.get(group(p)) ?? 0, Math.abs(p.median)));
    let maxRelative = -1;
    let maxNormwise = 0;
    let worst = '';
    for (const p of want) {
      const a = got.get(key(p));
      if (a === undefined) throw new Error(`${figureTitle(ref)}: no point ${key(p)}`);
      const error = Math.abs(a - p.median);
      // An all-zero step (a flag that is 0 everywhere) is compared absolutely.
      maxNormwise = Math.max(maxNormwise, error / (scale.get(group(p)) || 1));
      if (error / Math.abs(p.median) > maxRelative) {
        maxRelative = error / Math.abs(p.median);
        worst = `${key(p)}: ${a} vs ${p.median}`;
      }
    }
    return { title: figureTitle(ref), points: want.length, maxRelative, maxNormwise, worst };
  });
}
