import { gemmNT, gemmNTInWasmMemory } from './gemm-kernels.js';
import { wasmKernels, type WasmKernels } from './wasm-kernels.js';

/**
 * Householder reduction of a symmetric matrix to tridiagonal form, `A = Q T Qᵀ`, in float64.
 * Golub & Van Loan (4th ed.) §8.3.1 (Householder tridiagonalisation) with the Householder vector
 * of Alg. 5.1.1. Internal to `eigh`.
 *
 * Storage: a row-major copy of A whose upper triangle is kept current. Step k reads its reflector's
 * input from row k (contiguous), and the rank-2 update `T ← T - v wᵀ - w vᵀ` of the trailing block
 * runs along rows. The update of step k and the product `p = β T v` of step k+1 are fused into one
 * pass over the trailing triangle (both read it; doing them together halves the memory traffic
 * that dominates this O(n³) phase); for n ≥ 64 that pass runs on the wasm SIMD kernel, with the
 * working matrix in the module's memory. The reflector vectors are kept in the rows they came
 * from and `formQTransposed` turns them into `Qᵀ`.
 */
export interface Tridiagonal {
  /** Diagonal of T (length n). */
  readonly d: Float64Array;
  /** Off-diagonal of T: e[i] couples i and i+1 (length n; e[n-1] = 0). */
  readonly e: Float64Array;
  /** The working matrix: row k holds reflector k's vector in columns k+1..n-1 (v_{k+1} = 1). */
  readonly reflectors: Float64Array;
  /** β of each reflector (0 when the column was already reduced and H_k = I). */
  readonly betas: Float64Array;
}

/** Below this size the copy into wasm memory is not worth it. */
const WASM_MIN_N = 64;

/** Reduces the symmetric `n × n` row-major `input` (upper triangle read; may be overwritten) to tridiagonal form. */
export function tridiagonalize(input: Float64Array, n: number): Tridiagonal {
  const wasm = n >= WASM_MIN_N ? wasmKernels() : null;
  // The whole working set in the module's memory, where the fused pass runs on the SIMD kernel;
  // the reflectors are copied out at the end because later kernels reuse that memory.
  const mem = wasm?.memory(n * n + 5 * n);
  if (!wasm || !mem) return reduce(input, n, null, null);
  const layout = { w: 0, v: n * n, p: n * n + n, vNext: n * n + 2 * n, pNext: n * n + 3 * n, wv: n * n + 4 * n };
  mem.set(input.subarray(0, n * n), 0);
  const t = reduce(mem.subarray(0, n * n), n, wasm, { mem, layout });
  return { ...t, reflectors: t.reflectors.slice() };
}

interface WasmWorkspace {
  readonly mem: Float64Array;
  readonly layout: { w: number; v: number; p: number; vNext: number; pNext: number; wv: number };
}

function reduce(w: Float64Array, n: number, wasm: WasmKernels | null, space: WasmWorkspace | null): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = new Float64Array(Math.max(n, 1));
  if (n === 1) d[0] = w[0]!;
  if (n <= 2) {
    if (n === 2) {
      d[0] = w[0]!;
      e[0] = w[1]!;
      d[1] = w[3]!;
    }
    return { d, e, reflectors: w, betas };
  }
  const vector = (at: number) => (space ? space.mem.subarray(at, at + n) : new Float64Array(n));
  const L = space?.layout;
  let v = vector(L?.v ?? 0);
  let p = vector(L?.p ?? 0);
  let vNext = vector(L?.vNext ?? 0);
  let pNext = vector(L?.pNext ?? 0);
  const wv = vector(L?.wv ?? 0);
  // Byte offsets of the same vectors, swapped along with them, for the wasm kernel.
  let vAt = 8 * (L?.v ?? 0);
  let pAt = 8 * (L?.p ?? 0);
  let vNextAt = 8 * (L?.vNext ?? 0);
  let pNextAt = 8 * (L?.pNext ?? 0);

  // Reflector 0 and its product p = β T v with a plain pass; later ones come out of the fused pass.
  let beta = house(w, 0, n, v, d, e);
  betas[0] = beta;
  if (beta !== 0) symvUpper(w, n, 1, v, p, beta);

  for (let k = 0; k <= n - 3; k++) {
    const k1 = k + 1;
    const hasNext = k1 <= n - 3;
    if (beta !== 0) {
      // w = p - (β/2)(pᵀv) v  (GVL §8.3.1)
      let pv = 0;
      for (let j = k1; j < n; j++) pv += p[j]! * v[j]!;
      const kk = 0.5 * beta * pv;
      for (let j = k1; j < n; j++) wv[j] = p[j]! - kk * v[j]!;
      // Row k+1 first: the next reflector is built from it.
      rank2Row(w, n, k1, v, wv);
    }
    let betaNext = 0;
    if (hasNext) {
      betaNext = house(w, k1, n, vNext, d, e);
      pNext.fill(0, k1 + 1, n);
    } else {
      d[k1] = w[k1 * n + k1]!;
      e[k1] = w[k1 * n + k1 + 1]!;
    }
    betas[k1] = betaNext;
    const fuse = hasNext && betaNext !== 0;
    // Rows k+2..n-1: apply step k's update; accumulate (T_{k+1} v_{k+1}) with the updated values.
    if (wasm && beta !== 0 && fuse && k1 + 1 < n) {
      wasm.rank2Symv(8 * L!.w, n, k1 + 1, n, vAt, 8 * L!.wv, vNextAt, pNextAt);
    } else {
      for (let i = k1 + 1; i < n; i++) {
        const ri = i * n;
        if (beta !== 0) {
          const vi = v[i]!;
          const wi = wv[i]!;
          if (fuse) {
            const vni = vNext[i]!;
            const diag = w[ri + i]! - 2 * vi * wi;
            w[ri + i] = diag;
            let acc = diag * vni;
            for (let j = i + 1; j < n; j++) {
              const a = w[ri + j]! - vi * wv[j]! - wi * v[j]!;
              w[ri + j] = a;
              acc += a * vNext[j]!;
              pNext[j]! += a * vni;
            }
            pNext[i]! += acc;
          } else {
            for (let j = i; j < n; j++) w[ri + j]! -= vi * wv[j]! + wi * v[j]!;
          }
        } else if (fuse) {
          symvRow(w, n, i, vNext, pNext);
        }
      }
    }
    if (fuse) for (let j = k1 + 1; j < n; j++) pNext[j]! *= betaNext;
    if (!hasNext) {
      d[n - 1] = w[(n - 1) * n + n - 1]!;
      e[n - 1] = 0;
    }
    [v, vNext] = [vNext, v];
    [p, pNext] = [pNext, p];
    [vAt, vNextAt] = [vNextAt, vAt];
    [pAt, pNextAt] = [pNextAt, pAt];
    beta = betaNext;
  }
  return { d, e, reflectors: w, betas };
}

/**
 * Householder vector for x = row k, columns k+1..n-1 (GVL Alg. 5.1.1, scaled by max|x| so the sum
 * of squares cannot overflow): stores v (v_{k+1} = 1) into `v` and back into row k, sets d[k] and
 * e[k] (= ‖x‖, what H x leaves in position k+1), returns β (0 when x is already a multiple of e₁).
 */
function house(w: Float64Array, k: number, n: number, v: Float64Array, d: Float64Array, e: Float64Array): number {
  const rk = k * n;
  d[k] = w[rk + k]!;
  const x0 = w[rk + k + 1]!;
  let scale = 0;
  for (let j = k + 1; j < n; j++) scale = Math.max(scale, Math.abs(w[rk + j]!));
  v.fill(0, 0, k + 1);
  if (scale === 0) {
    e[k] = 0;
    v.fill(0, k + 1, n);
    return 0;
  }
  let sigma = 0;
  for (let j = k + 2; j < n; j++) {
    const t = w[rk + j]! / scale;
    sigma += t * t;
  }
  const xs0 = x0 / scale;
  if (sigma === 0) {
    e[k] = x0;
    v.fill(0, k + 1, n);
    return 0;
  }
  const mu = Math.sqrt(xs0 * xs0 + sigma);
  // Chosen to avoid cancellation when x0 > 0 (Parlett's formula, GVL Alg. 5.1.1).
  const v0 = xs0 <= 0 ? xs0 - mu : -sigma / (xs0 + mu);
  const beta = (2 * v0 * v0) / (sigma + v0 * v0);
  const inv = 1 / (v0 * scale);
  v[k + 1] = 1;
  w[rk + k + 1] = 1;
  for (let j = k + 2; j < n; j++) {
    const t = w[rk + j]! * inv;
    v[j] = t;
    w[rk + j] = t;
  }
  e[k] = mu * scale;
  return beta;
}

/** Row i (columns j ≥ i) of `T ← T - v wᵀ - w vᵀ`. */
function rank2Row(w: Float64Array, n: number, i: number, v: Float64Array, wv: Float64Array): void {
  const ri = i * n;
  const vi = v[i]!;
  const wi = wv[i]!;
  for (let j = i; j < n; j++) w[ri + j]! -= vi * wv[j]! + wi * v[j]!;
}

/** `p[start..] = β · T v` for the symmetric trailing block T = w[start.., start..] (upper triangle). */
function symvUpper(w: Float64Array, n: number, start: number, v: Float64Array, p: Float64Array, beta: number): void {
  p.fill(0, start, n);
  for (let i = start; i < n; i++) symvRow(w, n, i, v, p);
  for (let j = start; j < n; j++) p[j]! *= beta;
}

/** Row i's share of `p += T v` from the upper triangle: its own dot product and the mirrored column part. */
function symvRow(w: Float64Array, n: number, i: number, v: Float64Array, p: Float64Array): void {
  const ri = i * n;
  const vi = v[i]!;
  let acc = w[ri + i]! * vi;
  for (let j = i + 1; j < n; j++) {
    const a = w[ri + j]!;
    acc += a * v[j]!;
    p[j]! += a * vi;
  }
  p[i]! += acc;
}

/** Reflectors per block in `formQTransposed`: the WY panels (n × 32) stay in L2. */
const NB = 32;

/**
 * `Qᵀ` (n × n, row-major) from the reflectors, Q = H_0 H_1 ⋯ H_{n-3}, so Qᵀ = H_{n-3} ⋯ H_0.
 * Blocked backward accumulation (GVL §5.1.6) with the compact WY form (GVL §5.1.7; LAPACK dlarft):
 * for a block of reflectors j0..j1-1, `H_{j0} ⋯ H_{j1-1} = I - V T Vᵀ` with T upper triangular, so
 * `Qᵀ ← Qᵀ (I - V Tᵀ Vᵀ) = Qᵀ - ((Qᵀ V) Tᵀ) Vᵀ`: two matrix products on the NT kernel. Blocks run
 * from the last to the first, when Qᵀ is still the identity outside its trailing block, so each
 * block touches only rows and columns j0+1..n-1. 4n³/3 flops, nearly all in the kernel.
 */
export function formQTransposed(t: Tridiagonal, n: number): Float64Array {
  const reflectorCount = n - 2;
  // With wasm, Q and the panels live in the module's memory and the kernel updates Q in place.
  const sizes = [n * n, NB * n, NB * n, n * NB, n * NB, NB * NB, NB * NB];
  const kernels = n >= WASM_MIN_N ? wasmKernels() : null;
  const mem = kernels?.memory(sizes.reduce((a, b) => a + b, 0)) ?? null;
  const wasm = mem ? kernels : null;
  let offset = 0;
  const [q, vPanel, vPanelT, qv, y, gram, tMat] = sizes.map((size) => {
    const view = mem ? mem.subarray(offset, offset + size) : new Float64Array(size);
    offset += size;
    return view;
  }) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  q.fill(0);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  if (reflectorCount <= 0) return mem ? q.slice() : q;
  const gemm = (m: number, cols: number, k: number, alpha: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number, C: Float64Array, cOff: number, ldc: number) => {
    if (!wasm) return gemmNT(m, cols, k, alpha, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, false);
    // Views of the module's memory: their byte offsets locate them in it.
    const at = (view: Float64Array) => view.byteOffset / 8;
    gemmNTInWasmMemory(wasm, m, cols, k, alpha, mem!, at(A) + aOff, lda, at(B) + bOff, ldb, at(C) + cOff, ldc);
  };
  const { reflectors: w, betas } = t;
  const tColumn = new Float64Array(NB);
  for (let j0 = Math.floor((reflectorCount - 1) / NB) * NB; j0 >= 0; j0 -= NB) {
    const nb = Math.min(NB, reflectorCount - j0);
    const c0 = j0 + 1; // first row and column the block touches
    const m = n - c0;
    // V as rows (nb × m): reflector j0+k has zeros before its leading 1 at column j0+k+1.
    vPanel.fill(0, 0, nb * m);
    for (let k = 0; k < nb; k++) {
      const src = (j0 + k) * n;
      const lead = k; // column j0+k+1 is offset k within the block
      for (let c = lead; c < m; c++) vPanel[k * m + c] = w[src + c0 + c]!;
      vPanel[k * m + lead] = 1;
    }
    // T (LAPACK dlarft, forward, columnwise): T_kk = β_k, T[0:k, k] = -β_k T[0:k, 0:k] (Vᵀ V)[0:k, k],
    // with the Gram matrix Vᵀ V of the panel from the kernel.
    gram.fill(0);
    gemm(nb, nb, m, 1, vPanel, 0, m, vPanel, 0, m, gram, 0, NB);
    tMat.fill(0);
    const z = tColumn;
    for (let k = 0; k < nb; k++) {
      const beta = betas[j0 + k]!;
      tMat[k * NB + k] = beta;
      if (beta === 0) continue;
      for (let i = 0; i < k; i++) z[i] = -beta * gram[i * NB + k]!;
      for (let i = 0; i < k; i++) {
        let s = 0;
        for (let l = i; l < k; l++) s += tMat[i * NB + l]! * z[l]!;
        tMat[i * NB + k] = s;
      }
    }
    // QV = Qᵀ[c0.., c0..] V  (m × nb): rows of Qᵀ against rows of the V panel.
    qv.fill(0, 0, m * nb);
    gemm(m, nb, m, 1, q, c0 * n + c0, n, vPanel, 0, m, qv, 0, nb);
    // Y = QV Tᵀ: Y[r][k] = Σ_l QV[r][l] T[k][l], rows of QV against rows of T.
    y.fill(0, 0, m * nb);
    gemm(m, nb, nb, 1, qv, 0, nb, tMat, 0, NB, y, 0, nb);
    // Qᵀ[c0.., c0..] -= Y V: with V's transpose as rows, again an NT product.
    for (let k = 0; k < nb; k++) for (let c = 0; c < m; c++) vPanelT[c * nb + k] = vPanel[k * m + c]!;
    gemm(m, m, nb, -1, y, 0, nb, vPanelT, 0, nb, q, c0 * n + c0, n);
  }
  return mem ? q.slice() : q;
}
