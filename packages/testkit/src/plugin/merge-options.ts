function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Per-problem plugin options over the suite's: shallow, like `--set` on one slot. */
export function mergeOptions<O>(base: O | undefined, override: Partial<O> | undefined): O | undefined {
  if (override === undefined) return base;
  if (isRecord(base) && isRecord(override)) return { ...base, ...override } as O;
  return override as O;
}
