/**
 * Factored Tikhonov damping (Martens & Grosse 2015, §6.3).
 *
 * `A ⊗ G + λI` has no Kronecker-factored inverse, so it is replaced by
 * `(A + π√λ I) ⊗ (G + (1/π)√λ I)`, whose expansion `A ⊗ G + λI + π√λ I ⊗ G + (√λ/π) A ⊗ I` adds
 * the requested `λI` plus two cross terms; π is chosen to minimise the cross terms' size bound,
 * `π = sqrt((tr(A)/dim A) / (tr(G)/dim G))` (M&G eq. 6.3 with the trace norm).
 *
 * When a factor is zero (tr = 0: a layer that sees no input, or whose outputs do not reach the
 * loss) π is undefined; then `A ⊗ G = 0` and the exact damped block is `λI = (√λ I) ⊗ (√λ I)`, so
 * both factors are replaced by `√λ I` (kfac-jax's zero case of `pi_adjusted_kronecker_factors`).
 */
export interface FactoredDamping {
  /** `regular`: add the shifts to the factors; `zero`: replace both factors by `√λ I`. */
  readonly kind: 'regular' | 'zero';
  /** π (1 in the zero case). */
  readonly pi: number;
  /** Added to A's diagonal (`π√λ`), or A's replacement scale (`√λ`) in the zero case. */
  readonly shiftA: number;
  /** Added to G's diagonal (`√λ/π`), or G's replacement scale (`√λ`) in the zero case. */
  readonly shiftG: number;
}

/**
 * π-adjusted shifts for factors with mean diagonals `meanA = tr(A)/dim A` and `meanG = tr(G)/dim G`
 * and damping `λ ≥ 0`. Both means are ≥ 0 for PSD factors; a zero (or non-positive) one gives the
 * zero case.
 */
export function factoredDamping(meanA: number, meanG: number, damping: number): FactoredDamping {
  const root = Math.sqrt(damping);
  if (!(meanA > 0) || !(meanG > 0)) return { kind: 'zero', pi: 1, shiftA: root, shiftG: root };
  const pi = Math.sqrt(meanA / meanG);
  return { kind: 'regular', pi, shiftA: pi * root, shiftG: root / pi };
}

/** `tr(M)/n` of an `n × n` row-major matrix. */
export function meanDiagonal(m: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += m[i * n + i]!;
  return n > 0 ? s / n : 0;
}

/** The mean of a diagonal factor stored as its diagonal. */
export function meanOf(diagonal: Float64Array): number {
  let s = 0;
  for (const v of diagonal) s += v;
  return diagonal.length > 0 ? s / diagonal.length : 0;
}
