import { gemmNT } from './gemm-kernels.js';
import { mirrorLowerToUpper, type Matrix64 } from './matrix64.js';

/** Columns of A converted to float64 at a time: an n × 256 panel (2 MB at n = 1000). */
const PANEL = 256;

/**
 * Up to this many columns the Gram is a plain loop over whole rows: packing and the kernel's tiles
 * cost more than the n²p multiply-adds (a 1000 × 1 Gram took 6 ms through the kernel, ~1 ms here).
 */
const FEW_COLUMNS = 4;

/**
 * `out = A Aᵀ` for `p ≤ FEW_COLUMNS`, every entry summed over the columns in order, so `out[i, j]`
 * and `out[j, i]` are the same float64 number (products commute exactly). Writes whole rows.
 */
function fewColumnGram(a: Float32Array | Float64Array, n: number, p: number, out: Float64Array): void {
  const x = Float64Array.from(a);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    if (p === 1) {
      const ai = x[i]!;
      for (let j = 0; j < n; j++) out[row + j] = ai * x[j]!;
      continue;
    }
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let c = 0; c < p; c++) sum += x[i * p + c]! * x[j * p + c]!;
      out[row + j] = sum;
    }
  }
}

/**
 * `A Aᵀ` (n × n) in float64 from a row-major n × p float32 (or float64) `A`, e.g. the NTK Gram
 * matrix `K = J Jᵀ` from a float32 Jacobian.
 *
 * Why float64: PAPER.md ("Numerical facts") measured that a Gram matrix formed in float32 loses
 * every eigenvalue below about 1e-7 of the largest, while formed in float64 from the same float32
 * J it resolves them down to about 1e-13, and the NTK's spectrum at initialisation runs 1, 5e-1,
 * 1e-4, 3e-5, 2e-8, 4e-9, 4e-13. A product of two float32 numbers is exact in float64 (24 + 24 ≤ 53
 * significand bits), so only the sums round, at 2⁻⁵³ instead of 2⁻²⁴.
 *
 * A panel of columns is widened to float64 at a time and multiplied on the NT kernel (lower
 * triangle only, then mirrored): n²p flops, no n × p float64 copy.
 */
export function gram64(a: Float32Array | Float64Array, n: number, p: number): Matrix64 {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(p) || p < 0) {
    throw new RangeError(`gram64: n and p must be non-negative integers, got n = ${n}, p = ${p}`);
  }
  if (a.length !== n * p) throw new RangeError(`gram64: A has ${a.length} entries; an n × p = ${n} × ${p} matrix needs ${n * p}`);
  const out = new Float64Array(n * n);
  if (p <= FEW_COLUMNS) {
    fewColumnGram(a, n, p, out);
    return { rows: n, cols: n, data: out };
  }
  const width = Math.min(PANEL, p);
  const panel = new Float64Array(n * width);
  for (let c0 = 0; c0 < p; c0 += PANEL) {
    const kc = Math.min(PANEL, p - c0);
    for (let i = 0; i < n; i++) {
      const src = i * p + c0;
      const dst = i * kc;
      for (let c = 0; c < kc; c++) panel[dst + c] = a[src + c]!;
    }
    gemmNT(n, n, kc, 1, panel, 0, kc, panel, 0, kc, out, 0, n, true);
  }
  mirrorLowerToUpper(out, n);
  return { rows: n, cols: n, data: out };
}
