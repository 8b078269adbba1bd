import { eigh, type Eigh } from './eigh.js';
import { gemmNT } from './gemm-kernels.js';
import { mirrorLowerToUpper, type Matrix64 } from './matrix64.js';

export interface PinvOptions {
  /**
   * Relative cutoff ε: eigenvalues `λ ≤ ε·λ_max` are treated as zero (negative ones, which a
   * positive semidefinite matrix only has through rounding, always are). Default `n·2⁻⁵²`, the
   * level below which a float64 eigenvalue of an n × n matrix is rounding noise (eigh's backward
   * error is O(n·u·‖A‖)).
   */
  readonly rcond?: number;
}

/** A pseudo-inverse with what it kept. */
export interface SymmetricPinv {
  /** `A⁺ = Σ_{λ_i > cutoff} v_i v_iᵀ / λ_i` (n × n, symmetric). */
  readonly pinv: Matrix64;
  /** How many eigenvalues are above the cutoff: the numerical rank. */
  readonly rank: number;
  /** The absolute cutoff ε·λ_max used. */
  readonly cutoff: number;
  /** The eigendecomposition it was built from (reuse it for `pinvSolve`). */
  readonly eigen: Eigh;
}

/**
 * Moore-Penrose pseudo-inverse of a symmetric positive semidefinite matrix by eigendecomposition
 * (Golub & Van Loan §5.5.2 with the SVD replaced by `eigh`, which coincides with it for PSD
 * matrices): eigenvalues above the relative cutoff are inverted, the rest dropped. This is the
 * truncated pseudo-inverse of PAPER.md's Gauss-Newton step `(JᵀJ)† Jᵀ r`: every mode above ε is
 * equalised, the modes below do not move. Accepts `A` or its `eigh`.
 */
export function pinvSymmetric(a: Matrix64 | Eigh, options: PinvOptions = {}): SymmetricPinv {
  const eigen = 'values' in a ? a : eigh(a);
  const n = eigen.values.length;
  const { rank, cutoff } = truncation(eigen, options, 'pinvSymmetric');
  // A⁺[i][j] = Σ_{k<rank} (V[i][k] / λ_k) V[j][k]: an NT product of V's rows with themselves.
  const v = eigen.vectors.data;
  const scaled = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < rank; k++) scaled[i * n + k] = v[i * n + k]! / eigen.values[k]!;
  const out = new Float64Array(n * n);
  gemmNT(n, n, rank, 1, scaled, 0, n, v, 0, n, out, 0, n, true);
  mirrorLowerToUpper(out, n);
  return { pinv: { rows: n, cols: n, data: out }, rank, cutoff, eigen };
}

/** `x = A⁺ b` with its rank and cutoff. */
export interface PinvSolution<T extends Float64Array | Matrix64> {
  readonly x: T;
  readonly rank: number;
  readonly cutoff: number;
}

/**
 * `x = A⁺ b` for symmetric PSD `A` (given itself or as its `eigh`), without forming A⁺:
 * `x = V_r diag(1/λ_r) V_rᵀ b`, 4·n·rank flops per column of b once the eigendecomposition exists.
 * The minimum-norm least-squares solution of `A x ≈ b` (GVL §5.5.1): the component of b along
 * eigenvalues at or below the cutoff is ignored.
 */
export function pinvSolve(a: Matrix64 | Eigh, b: Float64Array, options?: PinvOptions): PinvSolution<Float64Array>;
export function pinvSolve(a: Matrix64 | Eigh, b: Matrix64, options?: PinvOptions): PinvSolution<Matrix64>;
export function pinvSolve(a: Matrix64 | Eigh, b: Float64Array | Matrix64, options: PinvOptions = {}): PinvSolution<Float64Array | Matrix64> {
  const eigen = 'values' in a ? a : eigh(a);
  const n = eigen.values.length;
  const isVector = b instanceof Float64Array;
  const cols = isVector ? 1 : b.cols;
  const rows = isVector ? b.length : b.rows;
  if (rows !== n) throw new RangeError(`pinvSolve: b has ${rows} rows; A is ${n}×${n}`);
  const bd = isVector ? b : b.data;
  const { rank, cutoff } = truncation(eigen, options, 'pinvSolve');
  const v = eigen.vectors.data;
  // c = V_rᵀ b (rank × cols), accumulated a row of V at a time so every loop runs along rows.
  const c = new Float64Array(rank * cols);
  for (let i = 0; i < n; i++) {
    const vi = i * n;
    const bi = i * cols;
    for (let k = 0; k < rank; k++) {
      const vik = v[vi + k]!;
      if (vik === 0) continue;
      const ck = k * cols;
      for (let s = 0; s < cols; s++) c[ck + s]! += vik * bd[bi + s]!;
    }
  }
  for (let k = 0; k < rank; k++) {
    const inv = 1 / eigen.values[k]!;
    for (let s = 0; s < cols; s++) c[k * cols + s]! *= inv;
  }
  // x = V_r c
  const x = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    const vi = i * n;
    const xi = i * cols;
    for (let k = 0; k < rank; k++) {
      const vik = v[vi + k]!;
      if (vik === 0) continue;
      const ck = k * cols;
      for (let s = 0; s < cols; s++) x[xi + s]! += vik * c[ck + s]!;
    }
  }
  return { x: isVector ? x : { rows: n, cols, data: x }, rank, cutoff };
}

function truncation(eigen: Eigh, options: PinvOptions, fn: string): { rank: number; cutoff: number } {
  const n = eigen.values.length;
  const rcond = options.rcond ?? n * 2 ** -52;
  if (!(rcond >= 0) || !Number.isFinite(rcond)) throw new RangeError(`${fn}: rcond must be a finite number ≥ 0, got ${rcond}`);
  const lambdaMax = n > 0 ? eigen.values[0]! : 0;
  if (!(lambdaMax > 0)) return { rank: 0, cutoff: 0 };
  const cutoff = rcond * lambdaMax;
  let rank = 0;
  while (rank < n && eigen.values[rank]! > cutoff) rank++;
  return { rank, cutoff };
}
