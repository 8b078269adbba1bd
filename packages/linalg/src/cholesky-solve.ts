import type { Matrix64 } from './matrix64.js';
import { solveLower, solveLowerTransposed, type RightHandSide } from './triangular-solve.js';

/**
 * Solves `A x = b` given the Cholesky factor `L` of `A` (`A = L Lᵀ`, from `cholesky`): forward
 * substitution `L y = b`, then back substitution `Lᵀ x = y` (GVL §4.2.1). 2n² flops per column
 * of b, so factor once and solve many times.
 */
export function choleskySolve(L: Matrix64, b: Float64Array): Float64Array;
export function choleskySolve(L: Matrix64, b: Matrix64): Matrix64;
export function choleskySolve(L: Matrix64, b: RightHandSide): RightHandSide {
  return solveLowerTransposed(L, solveLower(L, b));
}
