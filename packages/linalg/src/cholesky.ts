import { dot, gemmNT, gemmNTInWasmMemory } from './gemm-kernels.js';
import { assertSquare, type Matrix64 } from './matrix64.js';
import { wasmKernels } from './wasm-kernels.js';

/** Retry schedule for a factorisation that fails: `A + ε·mean(diag A)·I` with ε = initial, initial·growth, ... ≤ max. */
export interface CholeskyJitter {
  /** First relative jitter ε tried after the unshifted attempt fails (default 1e-10). */
  readonly initial?: number;
  /** Factor ε grows by between attempts (default 10). */
  readonly growth?: number;
  /** Largest ε tried (default 1e-4); past it the factorisation reports failure. */
  readonly max?: number;
}

export interface CholeskyOptions {
  /** `true` for the default retry schedule, an object to set it, `false`/absent to fail at once. */
  readonly jitter?: boolean | CholeskyJitter;
}

/** What every attempt reports: the shift that was on the diagonal and how many factorisations ran. */
interface CholeskyAttempts {
  /** Absolute amount added to every diagonal entry (0 when the unshifted matrix factored). */
  readonly jitter: number;
  /** That amount divided by mean(diag A): the ε of the retry schedule. */
  readonly relativeJitter: number;
  /** Factorisations attempted, the unshifted one included. */
  readonly attempts: number;
}

/**
 * `ok: true` with the lower factor `L` (`L Lᵀ = A + jitter·I`, upper triangle zero), or
 * `ok: false` with the 0-based index of the pivot that was not positive in the last attempt.
 */
export type CholeskyResult =
  | (CholeskyAttempts & { readonly ok: true; readonly L: Matrix64 })
  | (CholeskyAttempts & { readonly ok: false; readonly pivot: number });

const DEFAULT_JITTER: Required<CholeskyJitter> = { initial: 1e-10, growth: 10, max: 1e-4 };
/**
 * Block sizes. JavaScript kernels: a 64-row panel of L (64 × n doubles, 1 MB at n = 2000) stays in
 * L2 while a block row is formed (48 measured the same, 96 slower: the substitutions grow as
 * n²·NB/2). Wasm kernel in place: the products are cheap enough that the substitutions, still in
 * JavaScript, set the pace, and 16-32 measured best (n = 2000: 0.19 s against 0.22 s at 64).
 */
const NB_JS = 64;
const NB_WASM = 32;

/**
 * Cholesky factorisation `A = L Lᵀ` of a symmetric positive definite matrix, in float64.
 *
 * Reads the lower triangle of `A` only. Blocked "dot-product" (left-looking) form by block rows,
 * Golub & Van Loan, Matrix Computations (4th ed.), §4.2.9 (block Cholesky): for block row I and
 * block column J ≤ I, `S_IJ = A_IJ - L_I,<J · L_J,<Jᵀ` (a matrix multiply on the NT kernel, where
 * both operands are rows of L and contiguous in row-major storage), then `L_IJ = S_IJ L_JJ⁻ᵀ` by
 * substitution, or `L_II = chol(S_II)` unblocked (§4.2.5) on the diagonal. n³/3 flops. (The
 * right-looking order, one large trailing update per block column, measured 20% slower here: it
 * rewrites the whole trailing triangle at every step.)
 *
 * A pivot that is not positive (or NaN) stops the factorisation and is reported by index: the
 * leading (pivot+1)×(pivot+1) block of A is not positive definite (GVL Thm 4.2.7). With `jitter`,
 * the factorisation is retried on `A + ε·mean(diag A)·I` with growing ε, the standard remedy for a
 * positive semidefinite matrix that rounding has pushed to the boundary.
 *
 * @example
 * const r = cholesky(matrix64FromRows([[4, 2], [2, 3]]));
 * if (r.ok) r.L.data; // [2, 0, 1, √2]
 */
export function cholesky(a: Matrix64, options: CholeskyOptions = {}): CholeskyResult {
  const n = assertSquare(a, 'cholesky: A');
  const schedule = options.jitter === true ? DEFAULT_JITTER : options.jitter ? { ...DEFAULT_JITTER, ...options.jitter } : undefined;
  if (schedule) validateJitter(schedule);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a.data[i * n + i]!;
  meanDiag = n > 0 ? meanDiag / n : 0;
  // A zero (or negative-mean) diagonal has no scale of its own; shift by ε itself.
  const scale = meanDiag > 0 && Number.isFinite(meanDiag) ? meanDiag : 1;

  const work = new Float64Array(n * n);
  let attempts = 0;
  let epsilon = 0;
  for (;;) {
    attempts++;
    work.set(a.data);
    const shift = epsilon * scale;
    if (shift !== 0) for (let i = 0; i < n; i++) work[i * n + i]! += shift;
    const pivot = factor(work, n);
    if (pivot < 0) {
      zeroUpper(work, n);
      return { ok: true, L: { rows: n, cols: n, data: work }, jitter: shift, relativeJitter: epsilon, attempts };
    }
    const next = epsilon === 0 ? schedule?.initial : epsilon * schedule!.growth;
    if (!schedule || next === undefined || next > schedule.max * (1 + 1e-12)) {
      return { ok: false, pivot, jitter: shift, relativeJitter: epsilon, attempts };
    }
    epsilon = next;
  }
}

function validateJitter(s: Required<CholeskyJitter>): void {
  if (!(s.initial > 0)) throw new RangeError(`cholesky: jitter.initial must be > 0, got ${s.initial}`);
  if (!(s.growth > 1)) throw new RangeError(`cholesky: jitter.growth must be > 1, got ${s.growth}`);
  if (!(s.max >= s.initial)) throw new RangeError(`cholesky: jitter.max must be ≥ jitter.initial (${s.initial}), got ${s.max}`);
}

/** Below this size the copy into wasm memory costs more than the kernel saves. */
const WASM_MIN_N = 128;

/**
 * `factorInPlace` on the fastest path: for n ≥ 128 with wasm SIMD, on a copy in the module's
 * memory, where the kernel updates L in place without packing its operands.
 */
function factor(work: Float64Array, n: number): number {
  const wasm = n >= WASM_MIN_N ? wasmKernels() : null;
  const mem = wasm?.memory(n * n);
  if (!wasm || !mem) return factorInPlace(work, n, NB_JS, gemmNT);
  const L = mem.subarray(0, n * n);
  L.set(work);
  const pivot = factorInPlace(L, n, NB_WASM, (m, cols, k, alpha, A, aOff, lda, _B, bOff, ldb, _C, cOff, ldc) =>
    gemmNTInWasmMemory(wasm, m, cols, k, alpha, A, aOff, lda, bOff, ldb, cOff, ldc),
  );
  work.set(L);
  return pivot;
}

type Gemm = (
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  lower: boolean,
) => void;

/**
 * Overwrites the lower triangle of `L` with the factor; returns -1, or the index of the first
 * non-positive pivot. `gemm` may compute the whole diagonal block of S_II (not only its lower
 * triangle): the entries above the diagonal are never read and are zeroed at the end.
 */
function factorInPlace(L: Float64Array, n: number, nb: number, gemm: Gemm): number {
  for (let i0 = 0; i0 < n; i0 += nb) {
    const i1 = Math.min(i0 + nb, n);
    const mb = i1 - i0;
    for (let j0 = 0; j0 < i0; j0 += nb) {
      const j1 = j0 + nb;
      // S_IJ = A_IJ - L_I,<J L_J,<Jᵀ
      gemm(mb, nb, j0, -1, L, i0 * n, n, L, j0 * n, n, L, i0 * n + j0, n, false);
      solveBlockRows(L, n, i0, i1, j0, j1);
    }
    // S_II = A_II - L_I,<I L_I,<Iᵀ (lower triangle), then the unblocked factorisation of S_II.
    gemm(mb, mb, i0, -1, L, i0 * n, n, L, i0 * n, n, L, i0 * n + i0, n, true);
    for (let i = i0; i < i1; i++) {
      const ri = i * n;
      for (let j = i0; j < i; j++) {
        const rj = j * n;
        L[ri + j] = (L[ri + j]! - dot(j - i0, L, ri + i0, L, rj + i0)) / L[rj + j]!;
      }
      const s = L[ri + i]! - dot(i - i0, L, ri + i0, L, ri + i0);
      if (!(s > 0)) return i;
      L[ri + i] = Math.sqrt(s);
    }
  }
  return -1;
}

/**
 * `L_IJ = S_IJ L_JJ⁻ᵀ` for rows i0..i1-1 and the block column j0..j1-1: forward substitution
 * along each row against the rows of L_JJ, four rows at a time so each L_JJ entry loaded serves
 * four running sums.
 */
function solveBlockRows(L: Float64Array, n: number, i0: number, i1: number, j0: number, j1: number): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let j = j0; j < j1; j++) {
      const rj = j * n;
      let s0 = L[r0 + j]!;
      let s1 = L[r1 + j]!;
      let s2 = L[r2 + j]!;
      let s3 = L[r3 + j]!;
      for (let p = j0; p < j; p++) {
        const ljp = L[rj + p]!;
        s0 -= L[r0 + p]! * ljp;
        s1 -= L[r1 + p]! * ljp;
        s2 -= L[r2 + p]! * ljp;
        s3 -= L[r3 + p]! * ljp;
      }
      const d = L[rj + j]!;
      L[r0 + j] = s0 / d;
      L[r1 + j] = s1 / d;
      L[r2 + j] = s2 / d;
      L[r3 + j] = s3 / d;
    }
  }
  for (; i < i1; i++) {
    const ri = i * n;
    for (let j = j0; j < j1; j++) {
      const rj = j * n;
      L[ri + j] = (L[ri + j]! - dot(j - j0, L, ri + j0, L, rj + j0)) / L[rj + j]!;
    }
  }
}

function zeroUpper(L: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) L.fill(0, i * n + i + 1, (i + 1) * n);
}
