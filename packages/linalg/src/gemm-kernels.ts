import { wasmKernels, type WasmKernels } from './wasm-kernels.js';

/**
 * The one matrix-multiply kernel every dense routine here runs on:
 * `C[i, j] += alpha · Σ_p A[i, p] · B[j, p]` ("NT": both operands read along their rows).
 *
 * Row-major storage makes the NT form the fast one in JavaScript: each output entry is a dot
 * product of two contiguous rows, so a 4×4 block of outputs is computed from eight streams with
 * sixteen accumulators held in registers (32 flops per 8 loads). The loops are blocked as in
 * Goto & van de Geijn, "Anatomy of high-performance matrix multiplication" (ACM TOMS 2008): `KC`
 * columns of the operands at a time so a 4-row panel of A stays in L1, `NC` rows of B at a time so
 * that block stays in L2 while every row panel of A passes over it.
 *
 * Large products run on the WebAssembly SIMD tile of `wasm-kernels.ts` (about 4× faster) when the
 * platform has it; the JavaScript loops below are the fallback and the path for small products.
 *
 * Internal to the package: callers pass raw arrays with offsets and leading dimensions so the
 * blocked factorisations can address sub-blocks without copying.
 */
const KC = 256;
const NC = 64;
const FULL = Number.MAX_SAFE_INTEGER;
const scratch = new Float64Array(16);
/** Products below 32³ multiply-adds stay in JavaScript, where packing and the call would dominate. */
const WASM_MIN_WORK = 1 << 15;
/** Row block of A packed for the wasm kernel (with a 64-row block of B, 2 × 128 KB of L2). */
const MC = 64;

/**
 * `C += alpha · A Bᵀ` for `A` m×k (leading dimension `lda`), `B` n×k (`ldb`), `C` m×n (`ldc`),
 * each starting at its offset. With `lower`, only entries with `j ≤ i` are computed and written
 * (C is a diagonal block of a symmetric result).
 */
export function gemmNT(
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
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const wasm = m * n * k >= WASM_MIN_WORK ? wasmKernels() : null;
  if (wasm && gemmNTWasm(wasm, m, n, k, alpha, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, lower)) return;
  const m4 = m - (m % 4);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = Math.min(j0 + NC, n);
      const jFull = j0 + ((j1 - j0) - ((j1 - j0) % 4));
      // With `lower`, rows above j0 have nothing to compute in this column block.
      const iFirst = lower ? j0 - (j0 % 4) : 0;
      for (let i = iFirst; i < m4; i += 4) {
        const a = aOff + i * lda + p0;
        const jLast = lower ? Math.min(jFull, i + 4) : jFull;
        for (let j = j0; j < jLast; j += 4) {
          const diag = lower && j + 3 > i ? i - j : FULL;
          kernel4x4(kc, alpha, A, a, lda, B, bOff + j * ldb + p0, ldb, C, cOff + i * ldc + j, ldc, diag);
        }
        // Columns left over after the last full group of four.
        const jEnd = lower ? Math.min(j1, i + 4) : j1;
        for (let j = Math.max(jFull, j0); j < jEnd; j++) {
          for (let r = 0; r < 4; r++) {
            if (lower && j > i + r) continue;
            C[cOff + (i + r) * ldc + j]! += alpha * dot(kc, A, a + r * lda, B, bOff + j * ldb + p0);
          }
        }
      }
      // Rows left over after the last full group of four.
      for (let i = Math.max(m4, iFirst); i < m; i++) {
        const jEnd = lower ? Math.min(j1, i + 1) : j1;
        const a = aOff + i * lda + p0;
        for (let j = j0; j < jEnd; j++) C[cOff + i * ldc + j]! += alpha * dot(kc, A, a, B, bOff + j * ldb + p0);
      }
    }
  }
}

/**
 * `gemmNT` on the wasm SIMD tile. For each block of KC columns, all of B's rows are packed once
 * into the module's memory (zero-padded to a multiple of 4 rows and an even width), then each
 * 64-row block of A; the kernel writes a 64 × 64 block of products that is added into C here
 * (only j ≤ i with `lower`). Packing copies (m + n)·k numbers for 2mnk flops. Returns false, having
 * done nothing, when the module's memory cannot hold the panels.
 */
function gemmNTWasm(
  wasm: WasmKernels,
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
): boolean {
  const kcMax = Math.min(KC, k) + (Math.min(KC, k) & 1);
  const nPadded = n + ((4 - (n % 4)) % 4);
  const bBase = 0;
  const aBase = bBase + nPadded * kcMax;
  const cBase = aBase + MC * kcMax;
  const mem = wasm.memory(cBase + MC * NC);
  if (!mem) return false;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    const kcp = kc + (kc & 1);
    // B panel: rows 0..n-1, columns p0..p0+kc-1, row stride kcp.
    mem.fill(0, bBase, bBase + nPadded * kcp);
    for (let j = 0; j < n; j++) {
      const src = bOff + j * ldb + p0;
      mem.set(B.subarray(src, src + kc), bBase + j * kcp);
    }
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mb = Math.min(MC, m - i0);
      const mbp = mb + (mb & 1);
      mem.fill(0, aBase, aBase + mbp * kcp);
      for (let r = 0; r < mb; r++) {
        const src = aOff + (i0 + r) * lda + p0;
        mem.set(A.subarray(src, src + kc), aBase + r * kcp);
      }
      // With `lower`, column blocks past this row block's last row hold nothing to compute.
      const jLimit = lower ? Math.min(n, i0 + mb) : n;
      for (let j0 = 0; j0 < jLimit; j0 += NC) {
        const nb = Math.min(NC, jLimit - j0);
        const nbp = nb + ((4 - (nb % 4)) % 4);
        wasm.gemm24(8 * aBase, 8 * (bBase + j0 * kcp), 8 * cBase, mbp, nbp, kcp);
        for (let r = 0; r < mb; r++) {
          const i = i0 + r;
          const cols = lower ? Math.min(nb, i - j0 + 1) : nb;
          const dst = cOff + i * ldc + j0;
          const src = cBase + r * nbp;
          for (let c = 0; c < cols; c++) C[dst + c]! += alpha * mem[src + c]!;
        }
      }
    }
  }
  return true;
}

/**
 * `gemmNT` (without `lower`) for operands that all live in `mem`, the wasm module's memory: the
 * kernel reads and updates them in place, with no packing. The largest block with an even row
 * count, a multiple-of-4 column count and an even depth goes to the kernel; the leftover strips
 * are done here.
 */
export function gemmNTInWasmMemory(
  wasm: WasmKernels,
  m: number,
  n: number,
  k: number,
  alpha: number,
  mem: Float64Array,
  aOff: number,
  lda: number,
  bOff: number,
  ldb: number,
  cOff: number,
  ldc: number,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  const k2 = k - (k % 2);
  if (m2 > 0 && n4 > 0 && k2 > 0) wasm.gemm24Strided(8 * aOff, 8 * lda, 8 * bOff, 8 * ldb, 8 * cOff, 8 * ldc, m2, n4, k2, alpha);
  for (let i = 0; i < m; i++) {
    const a = aOff + i * lda;
    const c = cOff + i * ldc;
    // Inside the kernel's block only the odd last column of the depth is missing.
    if (i < m2 && k2 < k) {
      const aLast = mem[a + k2]!;
      for (let j = 0; j < n4; j++) mem[c + j]! += alpha * aLast * mem[bOff + j * ldb + k2]!;
    }
    for (let j = i < m2 ? n4 : 0; j < n; j++) mem[c + j]! += alpha * dot(k, mem, a, mem, bOff + j * ldb);
  }
}

/** `Σ_{p<k} x[xo + p] · y[yo + p]` with four partial sums, so the additions pipeline. */
export function dot(k: number, x: Float64Array, xo: number, y: Float64Array, yo: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const k4 = k - (k % 4);
  let p = 0;
  for (; p < k4; p += 4) {
    s0 += x[xo + p]! * y[yo + p]!;
    s1 += x[xo + p + 1]! * y[yo + p + 1]!;
    s2 += x[xo + p + 2]! * y[yo + p + 2]!;
    s3 += x[xo + p + 3]! * y[yo + p + 3]!;
  }
  for (; p < k; p++) s0 += x[xo + p]! * y[yo + p]!;
  return s0 + s1 + s2 + s3;
}

/**
 * The 4×4 register block. `diag` = i − j of the block's corner when it straddles the diagonal of a
 * `lower` product (only entries with r + diag ≥ c are written), `FULL` otherwise.
 */
function kernel4x4(
  kc: number,
  alpha: number,
  A: Float64Array,
  a0: number,
  lda: number,
  B: Float64Array,
  b0: number,
  ldb: number,
  C: Float64Array,
  c0: number,
  ldc: number,
  diag: number,
): void {
  const a1 = a0 + lda;
  const a2 = a1 + lda;
  const a3 = a2 + lda;
  const b1 = b0 + ldb;
  const b2 = b1 + ldb;
  const b3 = b2 + ldb;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const x0 = A[a0 + p]!;
    const x1 = A[a1 + p]!;
    const x2 = A[a2 + p]!;
    const x3 = A[a3 + p]!;
    const y0 = B[b0 + p]!;
    const y1 = B[b1 + p]!;
    const y2 = B[b2 + p]!;
    const y3 = B[b3 + p]!;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  if (diag === FULL) {
    let c = c0;
    C[c]! += alpha * c00; C[c + 1]! += alpha * c01; C[c + 2]! += alpha * c02; C[c + 3]! += alpha * c03;
    c += ldc;
    C[c]! += alpha * c10; C[c + 1]! += alpha * c11; C[c + 2]! += alpha * c12; C[c + 3]! += alpha * c13;
    c += ldc;
    C[c]! += alpha * c20; C[c + 1]! += alpha * c21; C[c + 2]! += alpha * c22; C[c + 3]! += alpha * c23;
    c += ldc;
    C[c]! += alpha * c30; C[c + 1]! += alpha * c31; C[c + 2]! += alpha * c32; C[c + 3]! += alpha * c33;
    return;
  }
  scratch[0] = c00; scratch[1] = c01; scratch[2] = c02; scratch[3] = c03;
  scratch[4] = c10; scratch[5] = c11; scratch[6] = c12; scratch[7] = c13;
  scratch[8] = c20; scratch[9] = c21; scratch[10] = c22; scratch[11] = c23;
  scratch[12] = c30; scratch[13] = c31; scratch[14] = c32; scratch[15] = c33;
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) if (r + diag >= c) C[c0 + r * ldc + c]! += alpha * scratch[r * 4 + c]!;
  }
}
