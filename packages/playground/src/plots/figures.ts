import { defaultFigures, modeErrorFigure, type FigureSpec, type LoadedRun } from '@precond/report';

/** The NTK probe's eigenvalue array (PAPER.md, "What the NTK probe reports"), as the runner names it. */
export const NTK_EIGENVALUES = 'ntk.eigenvalues';

/**
 * The playground's figures of some runs: the Node report's (`defaultFigures`: loss, FFT mode errors,
 * every scalar metric), then the NTK probe's eigenvalues λ_k (k = 0..9, log axis) when its rows
 * carry them, drawn by the same builder as the mode errors, one colour per k.
 */
export function playgroundFigures(runs: readonly LoadedRun[]): FigureSpec[] {
  const figures = defaultFigures(runs);
  if (runs.some((run) => run.rows.some((row) => Array.isArray(row[NTK_EIGENVALUES])))) {
    const spec = modeErrorFigure(runs, { metric: NTK_EIGENVALUES, modes: 10, title: 'NTK eigenvalues λ_k (ntk.eigenvalues)' });
    figures.push(relabel(spec, 'λ_k', 'k'));
  }
  return figures;
}

interface Encoded {
  encoding?: { y?: { title?: unknown }; color?: { title?: unknown } };
}

/**
 * The mode-error builder titles its axes for FFT modes (`|ê_k|`, `mode k`); the same picture of
 * eigenvalues needs its own axis titles.
 */
export function relabel(spec: FigureSpec, yTitle: string, colorTitle: string): FigureSpec {
  const copy = structuredClone(spec) as FigureSpec & { spec?: Encoded & { layer?: Encoded[] } };
  const inner = copy.spec;
  if (inner?.encoding?.color) inner.encoding.color.title = colorTitle;
  for (const layer of inner?.layer ?? []) if (layer.encoding?.y) layer.encoding.y.title = yTitle;
  return copy;
}

/** A figure's title text (the key a live view is kept under). */
export function figureTitle(spec: FigureSpec): string {
  const title = (spec as { title?: string | { text?: string | string[] } }).title;
  if (typeof title === 'string') return title;
  const text = title?.text;
  return Array.isArray(text) ? text.join(' ') : (text ?? 'figure');
}
