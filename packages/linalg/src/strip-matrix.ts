import type { Matrix64 } from './matrix64.js';

/**
 * A matrix stored as strips of 8 columns: strip s holds columns 8s..8s+7 of every row, one row
 * after another (64 bytes per row), so entry (i, t) is at `((t >> 3)·rows + i)·8 + (t & 7)`; the
 * last strip is zero-padded. The rotation sweeps of the QL algorithm walk down a strip row after
 * row: in this layout that is a contiguous stream the hardware prefetcher follows, where in plain
 * row-major storage every step would jump a whole row (2× faster in JavaScript, 4× in wasm, as
 * measured for n = 1024). Internal to the eigensolvers.
 */
export interface StripMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export const STRIP = 8;

export function stripCount(cols: number): number {
  return Math.ceil(cols / STRIP);
}

/** The n × n identity in strips. */
export function identityStrips(n: number): StripMatrix {
  const data = new Float64Array(stripCount(n) * n * STRIP);
  for (let i = 0; i < n; i++) data[((i >> 3) * n + i) * STRIP + (i & 7)] = 1;
  return { rows: n, cols: n, data };
}

/** A row-major rows × cols matrix in strips. */
export function stripsFromRowMajor(a: Float64Array, rows: number, cols: number): StripMatrix {
  const strips = stripCount(cols);
  const data = new Float64Array(strips * rows * STRIP);
  for (let i = 0; i < rows; i++) {
    const src = i * cols;
    for (let s = 0; s < strips; s++) {
      const width = Math.min(STRIP, cols - s * STRIP);
      const dst = (s * rows + i) * STRIP;
      for (let u = 0; u < width; u++) data[dst + u] = a[src + s * STRIP + u]!;
    }
  }
  return { rows, cols, data };
}

/**
 * The cols × rows matrix whose column k is row `order[k]` of `z`: the eigenvector matrix, when the
 * rows of z are eigenvectors and `order` sorts their eigenvalues. Tiled by 8 output columns so the
 * writes of one tile share cache lines.
 */
export function columnsFromStripRows(z: StripMatrix, order: readonly number[]): Matrix64 {
  const { rows, cols, data } = z;
  const k = order.length;
  const out = new Float64Array(cols * k);
  for (let k0 = 0; k0 < k; k0 += 8) {
    const k1 = Math.min(k0 + 8, k);
    for (let s = 0; s < stripCount(cols); s++) {
      const width = Math.min(STRIP, cols - s * STRIP);
      for (let kk = k0; kk < k1; kk++) {
        const src = (s * rows + order[kk]!) * STRIP;
        for (let u = 0; u < width; u++) out[(s * STRIP + u) * k + kk] = data[src + u]!;
      }
    }
  }
  return { rows: cols, cols: k, data: out };
}
