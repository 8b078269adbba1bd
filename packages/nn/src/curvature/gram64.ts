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
 * float64 matrix `m`, with `c(r, s) = weights[⌊r/k⌋·samples + ⌊s/k⌋]` (k = `rowsPerSample`), or 1
 * without weights. Writes some entries below the diagonal as well; callers mirror the upper
 * triangle at the end. Tiled (TILE_ROWS rows of `s`) with a 2 × 4 block of dot products per
 * pass over the columns, about 2-3× faster than one dot product at a time in V8; tiles whose
 * weights are all zero are skipped. Mostly-zero matrices go column by column instead.
 */
function addWeightedRowProducts(gram: Float64Array, m: Float64Array, rows: number, cols: number, weights: Float64Array | null, rowsPerSample: number): void {
  const k = rowsPerSample;
  const samples = rows / k;
  const weight = (r: number, s: number) => (weights ? weights[Math.floor(r / k) * samples + Math.floor(s / k)]! : 1);
  const columns = sparseColumns(m, rows, cols);
  if (columns) {
    addSparseColumnProducts(gram, rows, columns, weight);
    return;
  }
  for (let s0 = 0; s0 < rows; s0 += TILE_ROWS) {
    const sEnd = Math.min(s0 + TILE_ROWS, rows);
    for (let r = 0; r < sEnd; r += 2) {
      const second = r + 1 < rows;
      const ra = r * cols;
      const rb = second ? ra + cols : ra;
      let s = Math.max(s0, r);
      for (; s + 3 < sEnd; s += 4) {
        const wa0 = weight(r, s), wa1 = weight(r, s + 1), wa2 = weight(r, s + 2), wa3 = weight(r, s + 3);
        const wb0 = weight(r + 1, s), wb1 = weight(r + 1, s + 1), wb2 = weight(r + 1, s + 2), wb3 = weight(r + 1, s + 3);
        if (wa0 === 0 && wa1 === 0 && wa2 === 0 && wa3 === 0 && wb0 === 0 && wb1 === 0 && wb2 === 0 && wb3 === 0) continue;
        const p0 = s * cols, p1 = p0 + cols, p2 = p1 + cols, p3 = p2 + cols;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        for (let t = 0; t < cols; t++) {
          const x = m[ra + t]!, y = m[rb + t]!;
          const q0 = m[p0 + t]!, q1 = m[p1 + t]!, q2 = m[p2 + t]!, q3 = m[p3 + t]!;
          a0 += x * q0; a1 += x * q1; a2 += x * q2; a3 += x * q3;
          b0 += y * q0; b1 += y * q1; b2 += y * q2; b3 += y * q3;
        }
        const ga = r * rows + s;
        gram[ga]! += wa0 * a0; gram[ga + 1]! += wa1 * a1; gram[ga + 2]! += wa2 * a2; gram[ga + 3]! += wa3 * a3;
        if (second) {
          const gb = ga + rows;
          gram[gb]! += wb0 * b0; gram[gb + 1]! += wb1 * b1; gram[gb + 2]! += wb2 * b2; gram[gb + 3]! += wb3 * b3;
        }
      }
      for (; s < sEnd; s++) {
        const p = s * cols;
        let a = 0, b = 0;
        for (let t = 0; t < cols; t++) {
          a += m[ra + t]! * m[p + t]!;
          b += m[rb + t]! * m[p + t]!;
        }
        gram[r * rows + s]! += weight(r, s) * a;
        if (second) gram[(r + 1) * rows + s]! += weight(r + 1, s) * b;
      }
    }
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
  const a = factor.values;
  const sampleProducts = new Float64Array(n * n);
  const bias = hasBias ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const io = i * k * d;
    for (let j = i; j < n; j++) {
      const jo = j * k * d;
      let dot = bias;
      for (let t = 0; t < d; t++) dot += a[io + t]! * a[jo + t]!;
      sampleProducts[i * n + j] = dot;
    }
  }
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
