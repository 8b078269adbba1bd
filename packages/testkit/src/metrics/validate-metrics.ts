/**
 * Problems with a `Metrics` record as sentences: it must be a plain object whose names are
 * non-empty and not in `reserved` (names the runner writes itself), and whose values are finite
 * numbers or arrays of finite numbers (what metrics.jsonl holds).
 */
export function metricsProblems(metrics: unknown, who: string, reserved: readonly string[] = []): string[] {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    return [`${who} returned ${Array.isArray(metrics) ? 'an array' : String(metrics)}, not a record of named numbers`];
  }
  const problems: string[] = [];
  for (const [name, value] of Object.entries(metrics)) {
    if (name.length === 0) problems.push(`${who} returned a metric with an empty name`);
    if (reserved.some((r) => (r.endsWith('.') ? name.startsWith(r) : name === r))) {
      problems.push(`${who} returned a metric named '${name}', which the runner writes itself (reserved: ${reserved.join(', ')})`);
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push(`${who} returned ${name} = ${value}, not a finite number`);
    } else if (Array.isArray(value)) {
      const bad = value.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
      if (bad >= 0) problems.push(`${who} returned ${name}[${bad}] = ${String(value[bad])}, not a finite number`);
    } else {
      problems.push(`${who} returned ${name} as ${value === null ? 'null' : typeof value}, not a number or an array of numbers`);
    }
  }
  return problems;
}
