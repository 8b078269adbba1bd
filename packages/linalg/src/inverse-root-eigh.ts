import { eigh } from './eigh.js';
import { gemmNT } from './gemm-kernels.js';
import { assertSquare, matMul64, matMulTransposed64, mirrorLowerToUpper, type Matrix64 } from './matrix64.js';

export interface InverseRootEighOptions {
  /** Added to every eigenvalue (after negative rounding noise is clamped to 0): X^{-1/p} → (X + εI)^{-1/p}. Default 0. */
  readonly epsilon?: number;
  /** Compute the residual diagnostic (p matrix products); default true. */
  readonly residual?: boolean;
}

export interface InverseRoot64 {
  /** `(X + εI)^{-1/p}`, symmetric. */
  readonly root: Matrix64;
  /** `max_ij |(R^p (X + εI) - I)_ij|` for the returned R (NaN when `residual: false`). */
  readonly residual: number;
  /** X's eigenvalues, descending (before ε). */
  readonly eigenvalues: Float64Array;
}

/**
 * Inverse p-th root `(X + εI)^{-1/p}` of a symmetric positive semidefinite matrix by eigen-
 * decomposition in float64: `V diag((max(λ, 0) + ε)^{-1/p}) Vᵀ` (Higham, Functions of Matrices,
 * 2008, §1.2 and ch. 7). The reference method: exact up to eigh's backward error, any p, cost one
 * `eigh`. Shampoo preconditions with `L^{-1/4} G R^{-1/4}` (PAPER.md) and with p = 2 for one-sided
 * variants; Meta's Distributed Shampoo uses this "eigen" root method by default.
 */
export function inverseRootEigh(x: Matrix64, p: number, options: InverseRootEighOptions = {}): InverseRoot64 {
  const n = assertSquare(x, 'inverseRootEigh: X');
  checkRootOrder(p, 'inverseRootEigh');
  const epsilon = options.epsilon ?? 0;
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`inverseRootEigh: epsilon must be a finite number ≥ 0, got ${epsilon}`);
  const { values, vectors } = eigh(x);
  const v = vectors.data;
  // R = Σ_k v_k (λ̃_k^{-1/p}) v_kᵀ as an NT product of V's rows with V scaled column-wise.
  const scaled = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const lambda = Math.max(values[k]!, 0) + epsilon;
    if (!(lambda > 0)) {
      throw new RangeError(
        `inverseRootEigh: X has eigenvalue ${values[k]} and epsilon is ${epsilon}, so X + εI is singular; pass epsilon > 0 (Shampoo uses e.g. 1e-12·λ_max or larger)`,
      );
    }
    const f = lambda ** (-1 / p);
    for (let i = 0; i < n; i++) scaled[i * n + k] = v[i * n + k]! * f;
  }
  const root = new Float64Array(n * n);
  gemmNT(n, n, n, 1, scaled, 0, n, v, 0, n, root, 0, n, true);
  mirrorLowerToUpper(root, n);
  const rootMatrix: Matrix64 = { rows: n, cols: n, data: root };
  const residual = options.residual === false ? Number.NaN : inverseRootResidual64(rootMatrix, x, p, epsilon);
  return { root: rootMatrix, residual, eigenvalues: values };
}

/**
 * `max_ij |(R^p (X + εI) - I)_ij|`: how far R is from (X + εI)^{-1/p}, in the diagnostic every root
 * method reports (NaN when any entry is NaN).
 *
 * For an exactly symmetric R (every `inverseRootEigh` root; a Newton root usually is not) `R^p` is
 * formed by repeated squaring, each square `R Rᵀ` from one triangle (`matMulTransposed64`): for
 * p = 4, n³/2 + n³/2 for `R⁴` and n³ for `R⁴(X + εI)`, 2n³ multiply-adds against the 4n³ of p
 * successive products, which is the route for any other R.
 */
export function inverseRootResidual64(r: Matrix64, x: Matrix64, p: number, epsilon = 0): number {
  const n = assertSquare(r, 'inverseRootResidual64: R');
  checkRootOrder(p, 'inverseRootResidual64');
  const shifted: Matrix64 = { rows: n, cols: n, data: x.data.slice() };
  for (let i = 0; i < n; i++) shifted.data[i * n + i]! += epsilon;
  let prod: Matrix64;
  if (exactlySymmetric(r)) {
    let power: Matrix64 | null = null;
    let base = r;
    for (let e = p; e > 0; e >>= 1) {
      if (e & 1) power = power ? matMul64(power, base) : base;
      if (e > 1) base = matMulTransposed64(base);
    }
    prod = matMul64(power!, shifted);
  } else {
    prod = shifted;
    for (let i = 0; i < p; i++) prod = matMul64(r, prod);
  }
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = Math.abs(prod.data[i * n + j]! - (i === j ? 1 : 0));
      // A NaN must not be lost to the comparison: it is the answer.
      if (Number.isNaN(v)) return Number.NaN;
      if (v > worst) worst = v;
    }
  }
  return worst;
}

function exactlySymmetric(a: Matrix64): boolean {
  const n = a.rows;
  const d = a.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (d[i * n + j] !== d[j * n + i]) return false;
  return true;
}

export function checkRootOrder(p: number, fn: string): void {
  if (!Number.isInteger(p) || p < 1) throw new RangeError(`${fn}: p must be a positive integer (Shampoo uses 2 or 4), got ${p}`);
}
