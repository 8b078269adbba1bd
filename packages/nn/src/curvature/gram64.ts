import type { HostMatrix } from './layer-curvature.js';

// Float64 accumulation on the CPU of Gram matrices whose factors were computed in float32 on the
// device. PAPER.md, "Numerical facts": a Gram formed in float32 loses NTK eigenvalues below about
// 1e-7 of the largest; formed in float64 from the float32 factors it resolves them to about 1e-13.
// A product of two float32 numbers is exact in float64 (24 + 24 significant bits ≤ 53), so only the
// summation rounds, at float64 precision.

/** `values` as float64, copied once so that inner loops do not convert element by element. */
export function toFloat64(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values);
}

/** Rows of the `s` tiles kept in cache while the `r` rows stream past: 128 rows of 100 float64 are 100 KB, within L2. */
const TILE_ROWS = 128;

/**
 * `gram[r, s] += c(r, s) · ⟨M_r, M_s⟩` for every `s ≥ r`, for `M` the `rows × cols` row-major
 * float64 matrix `m`, with `c(r, s) = weights[⌊r/k⌋·samples + ⌊s/k⌋]` (k = `rowsPerSample`; the
 * weights must be symmetric), or 1 without weights. Writes some entries below the diagonal as
 * well; callers mirror the upper triangle at the end. Tiled (TILE_ROWS rows of `s`) with a 4 × 4
 * block of dot products per pass over the columns: 8 loads feed 16 multiply-adds held in
 * registers (about 3× the 2 × 4 block it replaced in V8, and 2-3× one dot product at a time
 * before that). Blocks whose weights are all zero are skipped. Mostly-zero matrices go column by
 * column instead.
 */
function addWeightedRowProducts(gram: Float64Array, m: Float64Array, rows: number, cols: number, weights: Float64Array | null, rowsPerSample: number): void {
  const k = rowsPerSample;
  const samples = rows / k;
  const columns = sparseColumns(m, rows, cols);
  if (columns) {
    const weight = (r: number, s: number) => (weights ? weights[Math.floor(r / k) * samples + Math.floor(s / k)]! : 1);
    addSparseColumnProducts(gram, rows, columns, weight);
    return;
  }
  // weightRow[r] = the offset of row r's sample in the weights, weightCol[s] = s's sample.
  const weightRow = new Int32Array(rows);
  const weightCol = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const i = Math.floor(r / k);
    weightRow[r] = i * samples;
    weightCol[r] = i;
  }
  const rows4 = rows - (rows % 4);
  const block = new Float64Array(16);
  for (let s0 = 0; s0 < rows; s0 += TILE_ROWS) {
    const sEnd = Math.min(s0 + TILE_ROWS, rows);
    const sEnd4 = Math.min(sEnd, rows4);
    for (let r = 0; r < sEnd; r += 4) {
      if (r + 4 > rows) {
        // The last one to three rows, each against every s ≥ r of the tile.
        for (let ra = r; ra < rows; ra++) addRowAgainstTile(gram, m, rows, cols, weights, weightRow, weightCol, ra, Math.max(s0, ra), sEnd);
        break;
      }
      let s = Math.max(s0, r);
      for (; s < sEnd4; s += 4) {
        if (weights) {
          let any = 0;
          for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) any += weights[weightRow[r + a]! + weightCol[s + b]!] !== 0 ? 1 : 0;
          if (any === 0) continue;
        }
        rowBlockProducts(m, r * cols, s * cols, cols, block);
        for (let a = 0; a < 4; a++) {
          const g = (r + a) * rows + s;
          if (weights) {
            const wr = weightRow[r + a]!;
            for (let b = 0; b < 4; b++) gram[g + b]! += weights[wr + weightCol[s + b]!]! * block[a * 4 + b]!;
          } else {
            for (let b = 0; b < 4; b++) gram[g + b]! += block[a * 4 + b]!;
          }
        }
      }
      // The last one to three columns of the matrix (past rows4), for the four rows.
      for (; s < sEnd; s++) {
        for (let ra = r; ra < r + 4; ra++) addRowAgainstTile(gram, m, rows, cols, weights, weightRow, weightCol, ra, s, s + 1);
      }
    }
  }
}

/**
 * The 4 × 4 dot products of rows `p…p+3` (offset `p`) and `q…q+3` (offset `q`) of `m`, `cols`
 * apart, into `block` (row-major). A function of its own, so that its sixteen accumulators and
 * eight operands are all that V8 has to keep in registers.
 */
function rowBlockProducts(m: Float64Array, p: number, q: number, cols: number, block: Float64Array): void {
  const p1 = p + cols, p2 = p1 + cols, p3 = p2 + cols;
  const q1 = q + cols, q2 = q1 + cols, q3 = q2 + cols;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let t = 0; t < cols; t++) {
    const x0 = m[p + t]!, x1 = m[p1 + t]!, x2 = m[p2 + t]!, x3 = m[p3 + t]!;
    const y0 = m[q + t]!, y1 = m[q1 + t]!, y2 = m[q2 + t]!, y3 = m[q3 + t]!;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  block[0] = c00; block[1] = c01; block[2] = c02; block[3] = c03;
  block[4] = c10; block[5] = c11; block[6] = c12; block[7] = c13;
  block[8] = c20; block[9] = c21; block[10] = c22; block[11] = c23;
  block[12] = c30; block[13] = c31; block[14] = c32; block[15] = c33;
}

/** `gram[r, s] += c(r, s) · ⟨M_r, M_s⟩` for one row r and `s` in `[from, to)`, one dot product at a time. */
function addRowAgainstTile(
  gram: Float64Array,
  m: Float64Array,
  rows: number,
  cols: number,
  weights: Float64Array | null,
  weightRow: Int32Array,
  weightCol: Int32Array,
  r: number,
  from: number,
  to: number,
): void {
  const p = r * cols;
  for (let s = from; s < to; s++) {
    const w = weights ? weights[weightRow[r]! + weightCol[s]!]! : 1;
    if (w === 0) continue;
    const q = s * cols;
    let dot = 0;
    for (let t = 0; t < cols; t++) dot += m[p + t]! * m[q + t]!;
    gram[r * rows + s]! += w * dot;
  }
}

/** The non-zero entries of one column: their rows, ascending, and values. */
interface SparseColumn {
  readonly rows: Int32Array;
  readonly values: Float64Array;
}

/**
 * The columns of `m` as sparse lists, when summing their outer products (`Σ_t nnz_t²/2`
 * multiply-adds) costs under an eighth of the dense row products (`rows²·cols/2`); else `null`.
 * The eighth allows for the scattered writes. An output layer with k outputs has one non-zero
 * per row of G (`g_(i,c) = e_c` times a scale), so E3's last layer takes 1/k² of the dense work.
 */
function sparseColumns(m: Float64Array, rows: number, cols: number): SparseColumn[] | null {
  const counts = new Int32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < cols; t++) if (m[r * cols + t] !== 0) counts[t]!++;
  }
  let sparseCost = 0;
  for (const count of counts) sparseCost += count * count;
  if (sparseCost * 8 >= rows * rows * cols) return null;
  const columns = Array.from(counts, (count) => ({ rows: new Int32Array(count), values: new Float64Array(count) }));
  const filled = new Int32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < cols; t++) {
      const value = m[r * cols + t]!;
      if (value === 0) continue;
      const column = columns[t]!;
      column.rows[filled[t]!] = r;
      column.values[filled[t]!++] = value;
    }
  }
  return columns;
}

/** `gram[r, s] += c(r, s) · Σ_t M_rt M_st` for `s ≥ r`, one column's non-zeros at a time. */
function addSparseColumnProducts(gram: Float64Array, size: number, columns: readonly SparseColumn[], weight: (r: number, s: number) => number): void {
  for (const { rows, values } of columns) {
    for (let a = 0; a < rows.length; a++) {
      const r = rows[a]!;
      const va = values[a]!;
      for (let b = a; b < rows.length; b++) {
        const s = rows[b]!;
        gram[r * size + s]! += weight(r, s) * (va * values[b]!);
      }
    }
  }
}

/**
 * Adds `M Mᵀ` to the upper triangle (`s ≥ r`) of `gram` (`rows × rows`, row-major), for `M` the
 * `rows × cols` row-major matrix `values`, summing in float64. Entries below the diagonal may be
 * written too: mirror the upper triangle when done (`mirrorUpperTriangle`).
 */
export function addGram64(gram: Float64Array, values: ArrayLike<number>, rows: number, cols: number): void {
  addWeightedRowProducts(gram, toFloat64(values), rows, cols, null, 1);
}

/**
 * The structured Gram of an affine layer (neural-tangents' "structured derivatives"): its Jacobian
 * row r = (i, c) is `[a_i ⊗ g_r, g_r]`, so
 *   `(J_l J_lᵀ)[r, s] = (⟨a_i, a_j⟩ + [bias]) · ⟨g_r, g_s⟩`,  r = i·k + c, s = j·k + d,
 * i.e. `((A Aᵀ + [bias]) ⊗ 1_k 1_kᵀ) ∘ G Gᵀ`. Adds it to the upper triangle of `gram` (`m × m`,
 * m = rows of `probeGradient`; entries below the diagonal may be written too), reading `a_i` from
 * factor row `i·k`. Costs `n²·in/2 + m²·out/2` multiply-adds instead of `m²·(in + 1)·out/2` from
 * the dense Jacobian, and skips sample pairs with `⟨a_i, a_j⟩ + [bias] = 0` (one-hot inputs).
 */
export function addAffineGram64(gram: Float64Array, factor: HostMatrix, probeGradient: HostMatrix, rowsPerSample: number, hasBias: boolean): void {
  const k = rowsPerSample;
  const m = probeGradient.rows;
  const d = factor.cols;
  const n = m / k;
  // A: one factor row per sample (row i·k of the factor), in float64.
  const a = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) a[i * d + t] = factor.values[i * k * d + t]!;
  // ⟨a_i, a_j⟩ + [bias], both triangles (the weights of the G Gᵀ pass are looked up either way).
  const sampleProducts = new Float64Array(n * n);
  if (hasBias) sampleProducts.fill(1);
  if (d > 0) addWeightedRowProducts(sampleProducts, a, n, d, null, 1);
  mirrorUpperTriangle(sampleProducts, n);
  addWeightedRowProducts(gram, toFloat64(probeGradient.values), m, probeGradient.cols, sampleProducts, k);
}

/**
 * Copies the upper triangle of the `size × size` matrix `gram` onto its lower triangle, in 64 × 64
 * blocks: reading a column of a large matrix misses the cache on every entry (E3's 10948² Gram
 * took 1.8 s row by row, 0.4 s blocked, measured here).
 */
export function mirrorUpperTriangle(gram: Float64Array, size: number): void {
  const block = 64;
  for (let r0 = 0; r0 < size; r0 += block) {
    const rEnd = Math.min(r0 + block, size);
    for (let s0 = 0; s0 <= r0; s0 += block) {
      for (let r = r0; r < rEnd; r++) {
        const sEnd = Math.min(s0 + block, r);
        for (let s = s0; s < sEnd; s++) gram[r * size + s] = gram[s * size + r]!;
      }
    }
  }
}

/** `M Mᵀ` in float64 for a row-major `rows × cols` float32 matrix `M` (the dense route to the NTK Gram). */
export function gram64(values: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const gram = new Float64Array(rows * rows);
  addGram64(gram, values, rows, cols);
  mirrorUpperTriangle(gram, rows);
  return gram;
}
