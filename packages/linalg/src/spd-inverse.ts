import { cholesky, type CholeskyOptions } from './cholesky.js';
import { gemmNT } from './gemm-kernels.js';
import { assertSquare, mirrorLowerToUpper, transpose64, transposeBlock64, type Matrix64 } from './matrix64.js';

/** Below this order the triangular inverse runs unblocked (the products would be too small to pay). */
const TRIANGULAR_BLOCK = 48;

/**
 * `L⁻¹` of a lower-triangular `n × n` matrix (row-major; the upper triangle is not read and is
 * zero in the result).
 *
 * Recursive blocked inversion (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
 * §14.2.2, "Method 2C" in block form; LAPACK's `dtrtri`): with `L = [[L₁₁, 0], [L₂₁, L₂₂]]`,
 *
 *   L⁻¹ = [[L₁₁⁻¹, 0], [−L₂₂⁻¹ L₂₁ L₁₁⁻¹, L₂₂⁻¹]],
 *
 * so almost all of its n³/3 multiply-adds are the two products of the off-diagonal block, which
 * run on the package's NT kernel (WebAssembly SIMD where available). Small diagonal blocks are
 * inverted column by column from the last (`dtrti2`). A zero or non-finite diagonal entry gives
 * non-finite entries, as it must: the matrix is singular.
 */
export function invertLowerTriangular(L: Matrix64): Matrix64 {
  const n = assertSquare(L, 'invertLowerTriangular: L');
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) w.set(L.data.subarray(i * n, i * n + i + 1), i * n);
  invertBlock(w, n, 0, n);
  return { rows: n, cols: n, data: w };
}

/** Inverts, in place, the lower-triangular diagonal block of order `size` at (`off`, `off`) of `w` (leading dimension `ld`). */
function invertBlock(w: Float64Array, ld: number, off: number, size: number): void {
  if (size <= TRIANGULAR_BLOCK) {
    invertUnblocked(w, ld, off, size);
    return;
  }
  // A first block of a multiple of 16 keeps the kernel's tiles full.
  const n1 = Math.max(16, Math.floor(size / 32) * 16);
  const n2 = size - n1;
  const o1 = off;
  const o2 = off + n1;
  invertBlock(w, ld, o1, n1);
  invertBlock(w, ld, o2, n2);
  // Tᵀ = W₁₁ᵀ L₂₁ᵀ (n1 × n2) on the NT kernel, C[i, j] += Σ_p A[i, p] B[j, p]: A = W₁₁ᵀ (one
  // transposed copy), B = the rows of L₂₁ in place. Tᵀ is then already the B operand of the next product.
  const w11t = transposeBlock64(w, ld, o1, o1, n1, n1);
  const tt = new Float64Array(n1 * n2);
  gemmNT(n1, n2, n1, 1, w11t, 0, n1, w, o2 * ld + o1, ld, tt, 0, n2, false);
  // W₂₁ = −W₂₂ T, written over L₂₁ (read above): A = W₂₂'s rows (its upper triangle is zero).
  for (let i = 0; i < n2; i++) w.fill(0, (o2 + i) * ld + o1, (o2 + i) * ld + o1 + n1);
  gemmNT(n2, n1, n2, -1, w, o2 * ld + o2, ld, tt, 0, n2, w, o2 * ld + o1, ld, false);
}

/** Row panel height of the triangular product in `spdInverse`. */
const PRODUCT_PANEL = 64;

/**
 * `V Vᵀ` for an upper-triangular `V` (row-major `n × n`), both triangles. Entry (i, j ≤ i) is
 * `Σ_{k ≥ i} V_ik V_jk`, so each 64-row panel I multiplies only columns from its first row on:
 * `C[I, 0..i₁) = V[I, i₀..n) · V[0..i₁, i₀..n)ᵀ` (the zeros of V make the extra terms vanish),
 * n³/6 multiply-adds in all against n³/2 for a dense one-triangle product.
 */
function upperTimesTranspose(v: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i0 = 0; i0 < n; i0 += PRODUCT_PANEL) {
    const i1 = Math.min(i0 + PRODUCT_PANEL, n);
    gemmNT(i1 - i0, i1, n - i0, 1, v, i0 * n + i0, n, v, i0, n, c, i0 * n, n, false);
  }
  mirrorLowerToUpper(c, n);
  return c;
}

/**
 * `dtrti2` for a lower triangle: from the last column to the first, column j of the inverse is
 * `−(1/L_jj) W₊ ℓ` with `W₊` the already inverted trailing block and `ℓ` the column of L below the
 * diagonal (overwritten from the bottom up, so each entry is read before it is replaced).
 */
function invertUnblocked(w: Float64Array, ld: number, off: number, size: number): void {
  for (let j = size - 1; j >= 0; j--) {
    const cj = off + j;
    const d = 1 / w[cj * ld + cj]!;
    w[cj * ld + cj] = d;
    for (let i = size - 1; i > j; i--) {
      const ri = (off + i) * ld;
      let s = 0;
      for (let k = j + 1; k <= i; k++) s += w[ri + off + k]! * w[(off + k) * ld + cj]!;
      w[ri + cj] = -d * s;
    }
  }
}

/** What every attempt of the factorisation reports (see `cholesky`). */
interface SpdInverseAttempts {
  /** Absolute amount added to every diagonal entry (0 when A itself factored). */
  readonly jitter: number;
  /** That amount divided by mean(diag A). */
  readonly relativeJitter: number;
  /** Factorisations attempted. */
  readonly attempts: number;
}

/** `ok: true` with `(A + jitter·I)⁻¹` (symmetric, both triangles), or `ok: false` with the failing pivot. */
export type SpdInverseResult =
  | (SpdInverseAttempts & { readonly ok: true; readonly inverse: Matrix64 })
  | (SpdInverseAttempts & { readonly ok: false; readonly pivot: number });

/**
 * The inverse of a symmetric positive definite matrix in float64 by Cholesky: `A = L Lᵀ`,
 * `W = L⁻¹` (`invertLowerTriangular`), `A⁻¹ = Wᵀ W` (LAPACK's `dpotri` route; Higham §14.2).
 * About 5n³/6 multiply-adds (n³/3 for L, n³/3 for W, n³/6 for the triangular product), all but
 * the substitutions on the NT kernel: for n = 785 tens of milliseconds, several times faster than
 * the `eigh` route (`Q diag(1/λ) Qᵀ`), whose QL sweeps and tridiagonalisation run at a fraction of
 * the kernel's speed.
 *
 * Reads the lower triangle of `A`. The result is exactly symmetric (one triangle is computed and
 * mirrored). `jitter` is `cholesky`'s retry schedule; a matrix that does not factor even with it
 * returns `ok: false` and the pivot. Accuracy is that of any backward-stable inverse: each entry
 * of `A A⁻¹ − I` is O(n·u·κ(A)).
 *
 * @example
 * const r = spdInverse(matrix64FromRows([[4, 2], [2, 3]]));
 * if (r.ok) r.inverse.data; // [0.375, -0.25, -0.25, 0.5] = [[3, -2], [-2, 4]] / 8
 */
export function spdInverse(a: Matrix64, options: CholeskyOptions = {}): SpdInverseResult {
  assertSquare(a, 'spdInverse: A');
  const factor = cholesky(a, options);
  const { jitter, relativeJitter, attempts } = factor;
  if (!factor.ok) return { ok: false, pivot: factor.pivot, jitter, relativeJitter, attempts };
  // (L⁻¹)ᵀ L⁻¹ = V Vᵀ with V = (L⁻¹)ᵀ upper triangular: the product whose operands are both read along rows.
  const n = a.rows;
  const inverse: Matrix64 = { rows: n, cols: n, data: upperTimesTranspose(transpose64(invertLowerTriangular(factor.L)).data, n) };
  return { ok: true, inverse, jitter, relativeJitter, attempts };
}
