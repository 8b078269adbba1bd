import { assertSquare, type Matrix64 } from './matrix64.js';

/**
 * Triangular solves by substitution, Golub & Van Loan §3.1.1-3.1.4, for a vector right-hand side
 * (`Float64Array`) or a matrix one (`Matrix64`, one system per column; solved a row of X at a time
 * so the inner loops run along contiguous rows). The triangle named is the only one read.
 */
export type RightHandSide = Float64Array | Matrix64;

/** Solves `L x = b` for lower-triangular `L` (forward substitution, GVL Alg. 3.1.1). */
export function solveLower(L: Matrix64, b: Float64Array): Float64Array;
export function solveLower(L: Matrix64, b: Matrix64): Matrix64;
export function solveLower(L: Matrix64, b: RightHandSide): RightHandSide;
export function solveLower(L: Matrix64, b: RightHandSide): RightHandSide {
  const n = assertSquare(L, 'solveLower: L');
  const { x, r } = copyRhs(b, n, 'solveLower');
  const l = L.data;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const xi = i * r;
    // x_i -= Σ_{j<i} L_ij x_j, as r-long axpys over the already solved rows of X.
    for (let j = 0; j < i; j++) {
      const lij = l[ri + j]!;
      if (lij === 0) continue;
      const xj = j * r;
      for (let c = 0; c < r; c++) x[xi + c]! -= lij * x[xj + c]!;
    }
    const d = l[ri + i]!;
    for (let c = 0; c < r; c++) x[xi + c]! /= d;
  }
  return wrap(b, x, n, r);
}

/**
 * Solves `Lᵀ x = b` for lower-triangular `L` (back substitution with the transpose, the second
 * half of a Cholesky solve). Column-oriented form (GVL Alg. 3.1.4): once x_i is known, it is
 * eliminated from the rows above using row i of L, which is contiguous.
 */
export function solveLowerTransposed(L: Matrix64, b: Float64Array): Float64Array;
export function solveLowerTransposed(L: Matrix64, b: Matrix64): Matrix64;
export function solveLowerTransposed(L: Matrix64, b: RightHandSide): RightHandSide;
export function solveLowerTransposed(L: Matrix64, b: RightHandSide): RightHandSide {
  const n = assertSquare(L, 'solveLowerTransposed: L');
  const { x, r } = copyRhs(b, n, 'solveLowerTransposed');
  const l = L.data;
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = i * r;
    const d = l[ri + i]!;
    for (let c = 0; c < r; c++) x[xi + c]! /= d;
    for (let j = 0; j < i; j++) {
      const lij = l[ri + j]!;
      if (lij === 0) continue;
      const xj = j * r;
      for (let c = 0; c < r; c++) x[xj + c]! -= lij * x[xi + c]!;
    }
  }
  return wrap(b, x, n, r);
}

/** Solves `U x = b` for upper-triangular `U` (back substitution, GVL Alg. 3.1.2). */
export function solveUpper(U: Matrix64, b: Float64Array): Float64Array;
export function solveUpper(U: Matrix64, b: Matrix64): Matrix64;
export function solveUpper(U: Matrix64, b: RightHandSide): RightHandSide;
export function solveUpper(U: Matrix64, b: RightHandSide): RightHandSide {
  const n = assertSquare(U, 'solveUpper: U');
  const { x, r } = copyRhs(b, n, 'solveUpper');
  const u = U.data;
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = i * r;
    for (let j = i + 1; j < n; j++) {
      const uij = u[ri + j]!;
      if (uij === 0) continue;
      const xj = j * r;
      for (let c = 0; c < r; c++) x[xi + c]! -= uij * x[xj + c]!;
    }
    const d = u[ri + i]!;
    for (let c = 0; c < r; c++) x[xi + c]! /= d;
  }
  return wrap(b, x, n, r);
}

function copyRhs(b: RightHandSide, n: number, fn: string): { x: Float64Array; r: number } {
  if (b instanceof Float64Array) {
    if (b.length !== n) throw new RangeError(`${fn}: b has ${b.length} entries; the matrix is ${n}×${n}`);
    return { x: b.slice(), r: 1 };
  }
  if (b.rows !== n) throw new RangeError(`${fn}: b has ${b.rows} rows; the matrix is ${n}×${n}`);
  return { x: b.data.slice(), r: b.cols };
}

function wrap(b: RightHandSide, x: Float64Array, n: number, r: number): RightHandSide {
  return b instanceof Float64Array ? x : { rows: n, cols: r, data: x };
}
