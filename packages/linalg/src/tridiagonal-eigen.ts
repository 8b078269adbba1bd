import type { Matrix64 } from './matrix64.js';
import { columnsFromStripRows, identityStrips, STRIP, stripCount, type StripMatrix } from './strip-matrix.js';
import { wasmKernels } from './wasm-kernels.js';

/**
 * Eigenvalues (and optionally eigenvectors) of a symmetric tridiagonal matrix by the implicit QL
 * algorithm with Wilkinson-type shifts: Golub & Van Loan (4th ed.) §8.3.5 (implicit symmetric QR
 * step, Alg. 8.3.2, here run "upside down" as QL, which suits the deflation from the top used below)
 * and Bowdler, Martin, Reinsch & Wilkinson, "The QR and QL algorithms for symmetric matrices"
 * (Numer. Math. 11, 1968; EISPACK tql2/imtql2). Each sweep chases a bulge with n Givens rotations;
 * convergence is cubic for almost all matrices, about 1.5-2 sweeps per eigenvalue.
 *
 * The rotations are the whole cost when eigenvectors are wanted (6n flops each). They are not
 * applied as they are made: they are buffered and later replayed over 8-column strips of the
 * eigenvector matrix (stored transposed, one eigenvector per row, in `StripMatrix` layout), because
 * each column of Zᵀ is transformed independently by the same sequence. A strip stays in L2 across
 * all buffered sweeps, is read as one contiguous stream, and each rotation costs one load and one
 * store per column instead of two of each (Van Zee, van de Geijn & Quintana-Ortí, "Restructuring
 * the tridiagonal and bidiagonal QR algorithms for performance", ACM TOMS 40(3), 2014, reorganise
 * the rotations the same way). The replay runs on the wasm SIMD kernel where available.
 */

const EPS = 2 ** -52;
/** Rotations held before the buffered sweeps are replayed (two Float64Arrays of this length: 4 MB). */
const BUFFER_ROTATIONS = 1 << 18;

/**
 * Runs implicit QL on (d, e) in place: d becomes the eigenvalues (unsorted), e is destroyed. When
 * `zt` is given (n rows, row i = the current Zᵀ row for index i), every rotation is applied to it,
 * so that on return row i is the eigenvector (in the basis zt started in) of d[i]. With
 * `knownEigenvalues` (ascending), the first sweep at each position uses the nearest one as shift.
 */
export function implicitQl(
  d: Float64Array,
  e: Float64Array,
  n: number,
  zt?: StripMatrix,
  knownEigenvalues?: Float64Array,
): void {
  if (n <= 1) return;
  const buffer = zt ? new RotationBuffer(zt, Math.min(BUFFER_ROTATIONS, Math.max(n * n, 16))) : undefined;
  e[n - 1] = 0;
  const used = knownEigenvalues ? new Uint8Array(knownEigenvalues.length) : undefined;
  let iterations = 0;
  const maxIterations = 30 * n;
  for (let l = 0; l < n; l++) {
    let sweepsAtL = 0;
    for (;;) {
      // Deflate at the first negligible off-diagonal below l (GVL §8.3.5's test, |e_m| ≤ u(|d_m|+|d_m+1|)).
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= EPS * dd) break;
      }
      if (m === l) {
        // d[l] is final: retire the known eigenvalue it matches so no later block is shifted by it.
        if (knownEigenvalues) {
          const k = nearestUnused(knownEigenvalues, used!, d[l]!);
          if (k >= 0) used![k] = 1;
        }
        break;
      }
      if (++iterations > maxIterations) {
        throw new Error(`implicit QL did not converge after ${maxIterations} sweeps (n = ${n}); the input holds NaN or Inf`);
      }
      // Shift: the eigenvalue of the leading 2×2 block [d_l e_l; e_l d_l+1] nearer to d_l (Wilkinson).
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = pythag(g, 1);
      let shift = d[l]! - e[l]! / (g + (g >= 0 ? r : -r));
      // On the first sweep at l, trade it for the nearest known eigenvalue: an exact shift deflates
      // in one sweep instead of about two (when forward instability spoils it, the next sweep is an
      // ordinary Wilkinson one).
      if (knownEigenvalues && sweepsAtL === 0) {
        const k = nearestUnused(knownEigenvalues, used!, shift);
        if (k >= 0) shift = knownEigenvalues[k]!;
      }
      sweepsAtL++;
      g = d[m]! - shift;
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      buffer?.beginSweep(m);
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = pythag(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // The bulge vanished: T splits at i+1; undo the shift there and restart on the smaller block.
          d[i + 1]! -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        buffer?.push(c, s);
      }
      buffer?.endSweep();
      if (underflow) continue;
      d[l]! -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  buffer?.flush();
}

/**
 * Index of the entry of the ascending `sorted` nearest to x among those not yet `used` (binary
 * search, then outwards past used entries).
 */
function nearestUnused(sorted: Float64Array, used: Uint8Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  let below = lo - 1;
  let above = lo;
  while (below >= 0 && used[below]) below--;
  while (above < sorted.length && used[above]) above++;
  if (below < 0) return above < sorted.length ? above : -1;
  if (above >= sorted.length) return below;
  return x - sorted[below]! <= sorted[above]! - x ? below : above;
}

/**
 * √(a² + b²). The plain formula is several times faster than `Math.hypot` and exact enough when the
 * squares neither overflow nor underflow; outside that range `Math.hypot` rescales.
 */
function pythag(a: number, b: number): number {
  const r2 = a * a + b * b;
  return r2 > 1e-290 && r2 < 1e290 ? Math.sqrt(r2) : Math.hypot(a, b);
}

/** Rotations of consecutive sweeps, replayed over Zᵀ strip by strip (see the file comment). */
class RotationBuffer {
  private readonly c: Float64Array;
  private readonly s: Float64Array;
  private count = 0;
  /** Per sweep: index of its first rotation, its bottom row m, its rotation count. */
  private sweepStart: number[] = [];
  private sweepTop: number[] = [];
  private sweepLength: number[] = [];
  private openTop = -1;
  private openStart = 0;

  constructor(
    private readonly zt: StripMatrix,
    capacity: number,
  ) {
    this.c = new Float64Array(capacity);
    this.s = new Float64Array(capacity);
  }

  beginSweep(m: number): void {
    // A sweep has at most m rotations; make room for all of them before it starts.
    if (this.count + m > this.c.length) this.flush();
    this.openTop = m;
    this.openStart = this.count;
  }

  push(c: number, s: number): void {
    this.c[this.count] = c;
    this.s[this.count] = s;
    this.count++;
  }

  endSweep(): void {
    const length = this.count - this.openStart;
    if (length > 0) {
      this.sweepStart.push(this.openStart);
      this.sweepTop.push(this.openTop);
      this.sweepLength.push(length);
    }
  }

  /** Replays every buffered sweep on Zᵀ, strip by strip, then empties the buffer. */
  flush(): void {
    if (this.sweepStart.length > 0) {
      const wasm = wasmKernels();
      if (!wasm || !this.replayWasm(wasm)) this.replay();
    }
    this.count = 0;
    this.sweepStart = [];
    this.sweepTop = [];
    this.sweepLength = [];
  }

  /**
   * Rotation (c, s) at index i maps rows (i, i+1) to (c·z_i - s·z_{i+1}, s·z_i + c·z_{i+1}).
   * Within a sweep (i = m-1 down to l) row i+1 is final after rotation i and row i is carried into
   * the next one, so it stays in registers: one load and one store per entry and rotation.
   */
  private replay(): void {
    const { c, s, sweepStart, sweepTop, sweepLength } = this;
    const { rows, cols, data: zt } = this.zt;
    const sweeps = sweepStart.length;
    for (let strip = 0; strip < stripCount(cols); strip++) {
      const base = strip * rows * STRIP;
      for (let w = 0; w < sweeps; w++) {
        const start = sweepStart[w]!;
        const len = sweepLength[w]!;
        let o = base + sweepTop[w]! * STRIP;
        let x0 = zt[o]!, x1 = zt[o + 1]!, x2 = zt[o + 2]!, x3 = zt[o + 3]!;
        let x4 = zt[o + 4]!, x5 = zt[o + 5]!, x6 = zt[o + 6]!, x7 = zt[o + 7]!;
        for (let q = 0; q < len; q++) {
          const cq = c[start + q]!;
          const sq = s[start + q]!;
          const below = o;
          o -= STRIP;
          let y = zt[o]!;
          zt[below] = sq * y + cq * x0; x0 = cq * y - sq * x0;
          y = zt[o + 1]!;
          zt[below + 1] = sq * y + cq * x1; x1 = cq * y - sq * x1;
          y = zt[o + 2]!;
          zt[below + 2] = sq * y + cq * x2; x2 = cq * y - sq * x2;
          y = zt[o + 3]!;
          zt[below + 3] = sq * y + cq * x3; x3 = cq * y - sq * x3;
          y = zt[o + 4]!;
          zt[below + 4] = sq * y + cq * x4; x4 = cq * y - sq * x4;
          y = zt[o + 5]!;
          zt[below + 5] = sq * y + cq * x5; x5 = cq * y - sq * x5;
          y = zt[o + 6]!;
          zt[below + 6] = sq * y + cq * x6; x6 = cq * y - sq * x6;
          y = zt[o + 7]!;
          zt[below + 7] = sq * y + cq * x7; x7 = cq * y - sq * x7;
        }
        zt[o] = x0; zt[o + 1] = x1; zt[o + 2] = x2; zt[o + 3] = x3;
        zt[o + 4] = x4; zt[o + 5] = x5; zt[o + 6] = x6; zt[o + 7] = x7;
      }
    }
  }

  /**
   * The same replay on the wasm kernel: rotations copied in once, each strip copied in and out once.
   * Returns false, having done nothing, when the module's memory cannot hold them.
   */
  private replayWasm(wasm: NonNullable<ReturnType<typeof wasmKernels>>): boolean {
    const { c, s, count, sweepStart, sweepTop, sweepLength } = this;
    const { rows, cols, data: zt } = this.zt;
    const stripSize = rows * STRIP;
    const strips = stripCount(cols);
    const cBase = 0;
    const sBase = count;
    const zBase = 2 * count + (count & 1); // keep the strips 16-byte aligned
    const mem = wasm.memory(zBase + 2 * stripSize);
    if (!mem) return false;
    mem.set(c.subarray(0, count), cBase);
    mem.set(s.subarray(0, count), sBase);
    // Two strips at a time (adjacent in the layout), then the odd one out.
    for (let strip = 0; strip < strips; strip += 2) {
      const pair = strip + 1 < strips;
      const base = strip * stripSize;
      const size = pair ? 2 * stripSize : stripSize;
      mem.set(zt.subarray(base, base + size), zBase);
      for (let w = 0; w < sweepStart.length; w++) {
        const start = sweepStart[w]!;
        const run = pair ? wasm.sweep2 : wasm.sweep;
        run(8 * (zBase + sweepTop[w]! * STRIP), 8 * (cBase + start), 8 * (sBase + start), sweepLength[w]!, 8 * stripSize);
      }
      zt.set(mem.subarray(zBase, zBase + size), base);
    }
    return true;
  }
}

/** Eigenvalues in descending order with, when asked for, unit eigenvectors as matching columns. */
export interface TridiagonalEigen {
  readonly values: Float64Array;
  /** n × n; column i is the eigenvector of values[i]. Absent when `vectors: false`. */
  readonly vectors?: Matrix64;
}

/**
 * Eigendecomposition of the symmetric tridiagonal matrix with `diagonal` (length n) and
 * `offDiagonal` (length n-1; entry i couples i and i+1), in float64. What Lanczos uses for its
 * projected matrix. Eigenvalues descending; eigenvector columns in the same order.
 */
export function eighTridiagonal(
  diagonal: ArrayLike<number>,
  offDiagonal: ArrayLike<number>,
  options: { readonly vectors?: boolean } = {},
): TridiagonalEigen {
  const n = diagonal.length;
  if (offDiagonal.length !== Math.max(n - 1, 0)) {
    throw new RangeError(`eighTridiagonal: offDiagonal has ${offDiagonal.length} entries; a diagonal of ${n} needs ${Math.max(n - 1, 0)}`);
  }
  const d = Float64Array.from(diagonal);
  const e = new Float64Array(Math.max(n, 1));
  e.set(Array.from(offDiagonal));
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(d[i]!) || (i < n - 1 && !Number.isFinite(e[i]!))) {
      throw new RangeError(`eighTridiagonal: entry ${i} is not finite (diagonal ${d[i]}, offDiagonal ${e[i]})`);
    }
  }
  const wantVectors = options.vectors ?? true;
  const zt = wantVectors ? identityStrips(n) : undefined;
  implicitQl(d, e, n, zt);
  const order = descendingOrder(d);
  const sorted = Float64Array.from(order, (i) => d[i]!);
  if (!zt) return { values: sorted };
  return { values: sorted, vectors: columnsFromStripRows(zt, order) };
}

/** Indices of `d` by decreasing value (ties keep their order, so the result is deterministic). */
export function descendingOrder(d: Float64Array): number[] {
  return Array.from(d.keys()).sort((a, b) => d[b]! - d[a]! || a - b);
}
