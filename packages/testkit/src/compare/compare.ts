/**
 * Exact comparisons for conformance findings: they return where two values first differ (or null),
 * so a failed check can say which option, state entry or parameter element is at fault.
 */

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v === undefined) return 'undefined';
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * The path of the first difference between two plain values (JSON-like, nested), comparing numbers
 * exactly (`NaN` equals `NaN`), or null when they are equal. Object key order is ignored.
 */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  const here = path || '(root)';
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || (Number.isNaN(a) && Number.isNaN(b)) ? null : `${here}: ${show(a)} vs ${show(b)}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${here}: ${show(a)} vs ${show(b)}`;
    if (a.length !== b.length) return `${here}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!(k in a) || !(k in b)) return `${path ? `${path}.` : ''}${k}: ${k in a ? show(a[k]) : 'missing'} vs ${k in b ? show(b[k]) : 'missing'}`;
      const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) || a === b ? null : `${here}: ${show(a)} vs ${show(b)}`;
}

/**
 * Where a value would not survive `JSON.stringify` unchanged (non-finite numbers, undefined,
 * functions, class instances such as Date or Map), or null when it would. Values accepted by
 * `accept` (nested plugin objects, which run.json records by id) are not entered.
 */
export function notJsonAt(value: unknown, accept: (v: unknown) => boolean = () => false, path = ''): string | null {
  const here = path || '(root)';
  if (accept(value)) return null;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${here} is ${value}, which JSON cannot hold`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const d = notJsonAt(value[i], accept, `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const d = notJsonAt(v, accept, path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  const what =
    value === undefined ? 'undefined' : typeof value === 'object' ? `a ${(value as object).constructor?.name ?? 'non-plain'} object` : `a ${typeof value}`;
  return `${here} is ${what}, which JSON cannot hold`;
}

/** Index of the first element whose bits differ (so -0 ≠ 0 and NaN payloads count), or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

/** Whether every element is a finite number. */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
