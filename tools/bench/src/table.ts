/** A plain fixed-width table (the bench prints to a terminal or a log). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in Markdown (for READMEs): numbers right-aligned, the first column left-aligned. */
export function formatMarkdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`, ...rows.map((r) => line(header.map((_, i) => r[i] ?? '')))].join('\n');
}

export const fmtSeconds = (s: number) => (s >= 0.1 ? s.toFixed(3) : s >= 1e-3 ? `${(s * 1e3).toFixed(2)}m` : `${(s * 1e6).toFixed(1)}µ`);
export const fmtMiB = (b: number) => (b / 2 ** 20).toFixed(1);
/** Steps per second with three significant digits or more (0.452, 4.52, 45.2, 452). */
export const fmtRate = (r: number) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 1 ? r.toFixed(2) : r.toFixed(3));

/** How a backend is named in a column header: `webgpu` in Node runs on Dawn; `chromium` is webgpu in the playground. */
export function backendLabel(backend: string): string {
  if (backend === 'webgpu') return 'webgpu (Node, Dawn)';
  if (backend === 'chromium') return 'webgpu (Chromium)';
  return backend;
}

/** One timed case on one backend: seconds per step (or per observation). */
export interface Timing {
  readonly case: string;
  readonly backend: string;
  readonly seconds: number;
}

/**
 * Steps per second with one row per case and one column per backend, in the order given; a case
 * not measured on a backend shows `-`.
 */
export function stepsPerSecondTable(timings: readonly Timing[], cases: readonly string[], backends: readonly string[]): { header: string[]; rows: string[][] } {
  const rows = cases
    .filter((c) => timings.some((t) => t.case === c))
    .map((c) => [c, ...backends.map((b) => {
      const t = timings.find((x) => x.case === c && x.backend === b);
      return t ? fmtRate(1 / t.seconds) : '-';
    })]);
  return { header: ['case', ...backends.map(backendLabel)], rows };
}

/** `seconds` of a timing divided by its baseline case's on the same backend, or null when that was not measured. */
export function ratioToBaseline(timing: Timing, baseline: string | undefined, timings: readonly Timing[]): number | null {
  if (!baseline) return null;
  const base = timings.find((t) => t.case === baseline && t.backend === timing.backend);
  return base ? timing.seconds / base.seconds : null;
}
