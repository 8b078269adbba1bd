/** A plain fixed-width table (the bench prints to a terminal or a log). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmtSeconds = (s: number) => (s >= 0.1 ? s.toFixed(3) : s >= 1e-3 ? `${(s * 1e3).toFixed(2)}m` : `${(s * 1e6).toFixed(1)}µ`);
export const fmtMiB = (b: number) => (b / 2 ** 20).toFixed(1);
