import { gemmNT } from './gemm-kernels.js';

/**
 * A dense float64 matrix, row-major: entry (i, j) is `data[i * cols + j]`.
 *
 * Every CPU routine in this package takes and returns this shape. It is a plain object (no class)
 * so a matrix can be built from any `Float64Array` without copying and sent through `postMessage`.
 */
export interface Matrix64 {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A `rows × cols` matrix over `data` (not copied), or of zeros when `data` is omitted. */
export function matrix64(rows: number, cols: number, data?: Float64Array | ArrayLike<number>): Matrix64 {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(cols) || cols < 0) throw new RangeError(`cols must be a non-negative integer, got ${cols}`);
  if (data === undefined) return { rows, cols, data: new Float64Array(rows * cols) };
  if (data.length !== rows * cols) {
    throw new RangeError(`data has ${data.length} entries; a ${rows}×${cols} matrix needs ${rows * cols}`);
  }
  return { rows, cols, data: data instanceof Float64Array ? data : Float64Array.from(data) };
}

/** The `n × n` identity. */
export function identity64(n: number): Matrix64 {
  const m = matrix64(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** A `rows × cols` matrix from nested arrays (tests and small examples). */
export function matrix64FromRows(rows: readonly (readonly number[])[]): Matrix64 {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const m = matrix64(r, c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new RangeError(`row ${i} has ${row.length} entries; row 0 has ${c}`);
    m.data.set(row, i * c);
  });
  return m;
}

/** A copy of `a` (the routines that factor in place work on copies made with this). */
export function clone64(a: Matrix64): Matrix64 {
  return { rows: a.rows, cols: a.cols, data: a.data.slice() };
}

/** `aᵀ`, blocked in 32×32 tiles so both the reads and the writes stay within a few cache lines. */
export function transpose64(a: Matrix64): Matrix64 {
  return { rows: a.cols, cols: a.rows, data: transposeBlock64(a.data, a.cols, 0, 0, a.rows, a.cols) };
}

/**
 * The transpose of the `rows × cols` block at (`r0`, `c0`) of the row-major `a` (leading dimension
 * `ld`), as a new row-major `cols × rows` array, in 32 × 32 tiles.
 */
export function transposeBlock64(a: Float64Array, ld: number, r0: number, c0: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const tile = 32;
  for (let i0 = 0; i0 < rows; i0 += tile) {
    const i1 = Math.min(i0 + tile, rows);
    for (let j0 = 0; j0 < cols; j0 += tile) {
      const j1 = Math.min(j0 + tile, cols);
      for (let i = i0; i < i1; i++) {
        const src = (r0 + i) * ld + c0;
        for (let j = j0; j < j1; j++) out[j * rows + i] = a[src + j]!;
      }
    }
  }
  return out;
}

/**
 * `a · b` in float64. `b` is transposed first (O(n²)) so the product runs on the row-by-row
 * dot-product kernel, whose operands are both contiguous.
 */
export function matMul64(a: Matrix64, b: Matrix64): Matrix64 {
  if (a.cols !== b.rows) throw new RangeError(`matMul64: a is ${a.rows}×${a.cols}, b is ${b.rows}×${b.cols}; a.cols must equal b.rows`);
  const bt = transpose64(b);
  const out = matrix64(a.rows, b.cols);
  gemmNT(a.rows, b.cols, a.cols, 1, a.data, 0, a.cols, bt.data, 0, a.cols, out.data, 0, b.cols, false);
  return out;
}

/** `a · aᵀ` (symmetric; both triangles filled). */
export function matMulTransposed64(a: Matrix64): Matrix64 {
  const n = a.rows;
  const out = matrix64(n, n);
  gemmNT(n, n, a.cols, 1, a.data, 0, a.cols, a.data, 0, a.cols, out.data, 0, n, true);
  mirrorLowerToUpper(out.data, n);
  return out;
}

/** Copies the strict lower triangle of the `n × n` row-major `data` onto its upper triangle. */
export function mirrorLowerToUpper(data: Float64Array, n: number): void {
  const tile = 32;
  for (let i0 = 0; i0 < n; i0 += tile) {
    const i1 = Math.min(i0 + tile, n);
    for (let j0 = 0; j0 <= i0; j0 += tile) {
      const j1 = Math.min(j0 + tile, n);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) data[j * n + i] = data[i * n + j]!;
      }
    }
  }
}

/** `a · x` for a vector `x`. */
export function matVec64(a: Matrix64, x: Float64Array): Float64Array {
  if (x.length !== a.cols) throw new RangeError(`matVec64: a is ${a.rows}×${a.cols}, x has ${x.length} entries`);
  const out = new Float64Array(a.rows);
  const { cols, data } = a;
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    const row = i * cols;
    for (let j = 0; j < cols; j++) s += data[row + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** Largest absolute entry of `a - b` (the residual norm the tests and diagnostics use). */
export function maxAbsDiff64(a: Matrix64, b: Matrix64): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new RangeError(`maxAbsDiff64: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols} differ`);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** Frobenius norm `‖a‖_F`, scaled so that entries near the float64 limits neither overflow nor underflow. */
export function frobeniusNorm64(a: Matrix64): number {
  let scale = 0;
  for (const v of a.data) scale = Math.max(scale, Math.abs(v));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (const v of a.data) {
    const t = v / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** Throws unless `a` is square; `what` names the argument in the message. */
export function assertSquare(a: Matrix64, what: string): number {
  if (a.rows !== a.cols) throw new RangeError(`${what} must be square, got ${a.rows}×${a.cols}`);
  if (a.data.length !== a.rows * a.cols) throw new RangeError(`${what}.data has ${a.data.length} entries; ${a.rows}×${a.cols} needs ${a.rows * a.cols}`);
  return a.rows;
}
