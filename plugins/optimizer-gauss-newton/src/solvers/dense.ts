import { cholesky, choleskySolve, pinvSolve, type Matrix64 } from '@precond/linalg';

/** A dense symmetric solve's answer: `x`, with the rank kept (pseudo-inverse) or the shift used (Cholesky). */
export interface DenseSolve {
  readonly x: Float64Array;
  readonly info: Record<string, number>;
}

/**
 * `x = (A + μI)⁻¹ b` for symmetric positive semidefinite `A` and μ > 0 by float64 Cholesky
 * (GVL §4.2), or `x = A⁺ b` with the truncated pseudo-inverse when `cutoff` is given
 * (eigenvalues ≤ cutoff·λ_max dropped, GVL §5.5.2). `A` is not modified. The Cholesky is retried
 * with a diagonal jitter when rounding has made `A + μI` indefinite (μ far below A's scale); the
 * shift it needed is reported as `jitter` so a run record shows it.
 */
export function solveSymmetric(a: Matrix64, b: Float64Array, damping: number, cutoff: number | null, what: string): DenseSolve {
  const n = a.rows;
  if (cutoff !== null) {
    const { x, rank } = pinvSolve(a, b, { rcond: cutoff });
    return { x, info: { rank } };
  }
  const shifted = new Float64Array(a.data);
  for (let i = 0; i < n; i++) shifted[i * n + i]! += damping;
  const factor = cholesky({ rows: n, cols: n, data: shifted }, { jitter: true });
  if (!factor.ok) {
    throw new Error(
      `${what}: the ${n}×${n} damped system μI + JᵀHJ (μ = ${damping}) is not positive definite even with a diagonal jitter of ` +
        `${factor.relativeJitter} × its mean diagonal (pivot ${factor.pivot}); the curvature holds non-finite values or μ is far too small`,
    );
  }
  return { x: choleskySolve(factor.L, b), info: factor.jitter > 0 ? { jitter: factor.jitter } : {} };
}

/** `Σ_i a_i b_i` in float64. */
export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
