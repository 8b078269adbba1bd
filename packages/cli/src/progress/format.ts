/** `1.234e-2`: losses span many decades, so a fixed number of significant digits reads best. */
export function formatLoss(loss: number | undefined): string {
  if (loss === undefined) return '-';
  return Number.isFinite(loss) ? loss.toExponential(3) : String(loss);
}

/** `38.1`, or `1.2e+4` for rates that would not fit a progress line. */
export function formatRate(stepsPerSecond: number): string {
  if (!Number.isFinite(stepsPerSecond) || stepsPerSecond <= 0) return '-';
  return stepsPerSecond >= 1e4 ? stepsPerSecond.toExponential(1) : stepsPerSecond.toFixed(1);
}

/** `42s`, `3m05s`, `2h07m`: the coarsest two units, which is what an ETA can promise. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
