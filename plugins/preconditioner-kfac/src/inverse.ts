import { eigh, matMulTransposed64, spdInverse, type Matrix64 } from '@precond/linalg';
import type { InverseMethod } from './options.js';

/** Why an inverse was not accepted; the diagnostics name it (`kfac.warning.<layer>.<reason>`). */
export type InverseFailure = 'non_finite_statistics' | 'singular_factor' | 'non_finite_inverse';

export type InverseResult =
  | { readonly ok: true; readonly inverse: Float64Array; readonly jitter: number }
  | { readonly ok: false; readonly reason: InverseFailure };

/** `2⁻⁵²`: the float64 unit roundoff (times 2) that bounds eigh's backward error per dimension. */
const EPS64 = 2 ** -52;

/**
 * `(M + shift·I)⁻¹` of a symmetric PSD `n × n` factor `M` (row-major float64), or `replace`:
 * `(shift·I)⁻¹` regardless of `M` (the zero case of π-damping).
 *
 * - `eigh`: `M = Q diag(d) Qᵀ` (linalg's float64 eigh), inverse `Q diag(1/(d + shift)) Qᵀ`, formed
 *   as `S Sᵀ` with `S = Q diag((d + shift)^{-1/2})` so the result is symmetric to the last bit.
 *   A damped eigenvalue `d_i + shift ≤ n·2⁻⁵²·max_j(d_j + shift)` is below the accuracy eigh
 *   guarantees (each eigenvalue is exact to O(n·u·‖M‖₂), GVL §8.3.6 with Weyl's theorem): the
 *   damped factor is singular to working precision and the inverse is refused.
 * - `cholesky`: `M + shift·I = L Lᵀ` with linalg's jitter retry (ε·mean(diag) for ε = 1e-10 … 1e-4,
 *   the remedy for a PSD matrix that rounding pushed to the boundary; the jitter used is
 *   returned); inverse `L⁻ᵀ L⁻¹` by linalg's `spdInverse` (blocked triangular inverse, about
 *   7n³/6 multiply-adds on its matrix kernel, against eigh's ~3n³ of mostly rotations).
 *   Refused when even the jitter fails.
 * Either way a non-finite result is refused.
 */
export function dampedInverse(m: Float64Array, n: number, shift: number, method: InverseMethod, replace = false): InverseResult {
  if (replace) {
    if (!(shift > 0)) return { ok: false, reason: 'singular_factor' };
    const inverse = new Float64Array(n * n);
    for (let i = 0; i < n; i++) inverse[i * n + i] = 1 / shift;
    return finite(inverse) ? { ok: true, inverse, jitter: 0 } : { ok: false, reason: 'non_finite_inverse' };
  }
  if (!finite(m)) return { ok: false, reason: 'non_finite_statistics' };
  const matrix: Matrix64 = { rows: n, cols: n, data: m };
  try {
    return method === 'eigh' ? eighInverse(matrix, shift) : choleskyInverse(matrix, shift);
  } catch {
    // linalg throws only on non-finite entries, which `finite` has ruled out; anything else
    // that goes wrong inside a factorisation is a failed inverse, never a failed run.
    return { ok: false, reason: 'non_finite_inverse' };
  }
}

function eighInverse(m: Matrix64, shift: number): InverseResult {
  const n = m.rows;
  const { values, vectors } = eigh(m);
  const damped = Float64Array.from(values, (d) => d + shift);
  const largest = Math.max(...damped);
  // values are sorted descending, so the last one is the smallest.
  const smallest = damped[n - 1]!;
  if (!(largest > 0) || !(smallest > n * EPS64 * largest)) return { ok: false, reason: 'singular_factor' };
  const s = new Float64Array(n * n);
  const q = vectors.data;
  for (let j = 0; j < n; j++) {
    const scale = 1 / Math.sqrt(damped[j]!);
    for (let i = 0; i < n; i++) s[i * n + j] = q[i * n + j]! * scale;
  }
  const inverse = matMulTransposed64({ rows: n, cols: n, data: s }).data;
  return finite(inverse) ? { ok: true, inverse, jitter: 0 } : { ok: false, reason: 'non_finite_inverse' };
}

function choleskyInverse(m: Matrix64, shift: number): InverseResult {
  const n = m.rows;
  const shifted = Float64Array.from(m.data);
  for (let i = 0; i < n; i++) shifted[i * n + i]! += shift;
  const result = spdInverse({ rows: n, cols: n, data: shifted }, { jitter: true });
  if (!result.ok) return { ok: false, reason: 'singular_factor' };
  const inverse = result.inverse.data;
  return finite(inverse) ? { ok: true, inverse, jitter: result.relativeJitter } : { ok: false, reason: 'non_finite_inverse' };
}

/** `1/(d_i + shift)` of a diagonal factor, refused when a damped entry is not positive. */
export function dampedDiagonalInverse(diagonal: Float64Array, shift: number, replace = false): InverseResult {
  if (!finite(diagonal)) return { ok: false, reason: 'non_finite_statistics' };
  const inverse = new Float64Array(diagonal.length);
  for (let i = 0; i < diagonal.length; i++) {
    const damped = (replace ? 0 : diagonal[i]!) + shift;
    if (!(damped > 0)) return { ok: false, reason: 'singular_factor' };
    inverse[i] = 1 / damped;
  }
  return finite(inverse) ? { ok: true, inverse, jitter: 0 } : { ok: false, reason: 'non_finite_inverse' };
}

/** Whether every entry is finite. */
export function finite(values: Float64Array | Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
