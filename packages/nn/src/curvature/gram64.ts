import { gram64 as ntGram64, matMul64 } from '@precond/linalg';
import type { HostMatrix } from './layer-curvature.js';

// Float64 accumulation on the CPU of Gram matrices whose factors were computed in float32 on the
// device. PAPER.md, "Numerical facts": a Gram formed in float32 loses NTK eigenvalues below about
// 1e-7 of the largest; formed in float64 from the float32 factors it resolves them to about 1e-13.
// A product of two float32 numbers is exact in float64 (24 + 24 significant bits ≤ 53), so only the
// summation rounds, at float64 precision. The dot products run on @precond/linalg's float64 NT
// kernel (`gram64`, `matMul64`: WebAssembly SIMD where available, its JavaScript loops elsewhere);
// this file only arranges them: structured weights, skipped sample pairs, sparse columns.

/** `values` as float64, copied once so that inner loops do not convert element by element. */
export function toFloat64(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values);
}

/**
 * Above this many rows the Gram of a whole matrix is not formed as one temporary (`rows²` float64:
 * 32 MB at 2048): products are taken a group of rows at a time instead.
 */
const WHOLE_GRAM_MAX_ROWS = 2048;

/**
 * Rows of `M` per product in the grouped route: each group is multiplied against the rows it pairs
 * with, copied into one operand (`partners·cols` numbers, and linalg packs them once more, for
 * `group·partners·cols` multiply-adds). 16 rows keep those copies near a tenth of the work and,
 * with one sample of E3's k = 23 rows per group, the skipped sample pairs (one-hot inputs share a
 * token in 2 of 23 pairs) as fine-grained as the samples themselves.
 */
const GROUP_ROWS = 16;

/** The grouped route runs when its products cover under this share of the `rows²/2` of the whole Gram. */
const GROUPED_MAX_SHARE = 0.7;

/** `values` as a float32 or float64 array (what linalg's `gram64` reads), converting other arrays once. */
function floatValues(values: ArrayLike<number>): Float32Array | Float64Array {
  return values instanceof Float32Array || values instanceof Float64Array ? values : Float64Array.from(values);
}

/**
 * `gram[r, s] += c(r, s) · ⟨M_r, M_s⟩` for every `s ≥ r`, for `M` the `rows × cols` row-major matrix
 * `m` (float32 or float64), with `c(r, s) = weights[⌊r/k⌋·samples + ⌊s/k⌋]` (k = `rowsPerSample`;
 * the weights must be symmetric), or 1 without weights. The dot products run on linalg's float64
 * NT kernel (WebAssembly SIMD where the platform has it, plain JavaScript elsewhere), by one of:
 * - whole: `M Mᵀ` at once (linalg's `gram64`), then weighted entry by entry;
 * - grouped: for each group of samples, its rows times the rows of the samples `j ≥` its first
 *   that pair with one of its samples with a non-zero weight (one-hot inputs: those that share a
 *   token), gathered into one operand, so zero-weight pairs cost nothing; also the route for
 *   matrices too large for a whole temporary Gram;
 * - by column, for mostly-zero matrices (an output layer's G).
 * Writes some entries below the diagonal as well; callers mirror the upper triangle at the end.
 */
function addWeightedRowProducts(gram: Float64Array, m: Float32Array | Float64Array, rows: number, cols: number, weights: Float64Array | null, rowsPerSample: number): void {
  if (rows === 0 || cols === 0) return;
  const k = rowsPerSample;
  const samples = rows / k;
  const columns = sparseColumns(m, rows, cols);
  if (columns) {
    const weight = (r: number, s: number) => (weights ? weights[Math.floor(r / k) * samples + Math.floor(s / k)]! : 1);
    addSparseColumnProducts(gram, rows, columns, weight);
    return;
  }
  const plan = planGram(rows, weights, k);
  if (plan.route === 'whole') addWholeGram(gram, ntGram64(m, rows, cols).data, rows, weights, k);
  else addGroupedProducts(gram, toFloat64(m), rows, cols, weights, k, plan);
}

/** How `addWeightedRowProducts` forms the row products of a dense matrix. */
export interface GramPlan {
  readonly route: 'whole' | 'grouped';
  /** Samples per group of the grouped route. */
  readonly groupSamples: number;
  /** Per group, the samples `j ≥` its first that pair with it with a non-zero weight. */
  readonly partners: readonly Int32Array[];
}

/**
 * The route for `rows` rows of `rowsPerSample` rows per sample and these sample-pair weights: the
 * grouped one when the whole Gram would be too large a temporary or when the pairs it skips leave
 * under `GROUPED_MAX_SHARE` of the whole one's `rows(rows + 1)/2` products.
 */
export function planGram(rows: number, weights: Float64Array | null, rowsPerSample: number): GramPlan {
  const k = rowsPerSample;
  const samples = rows / k;
  const groupSamples = Math.max(1, Math.ceil(GROUP_ROWS / k));
  const partners = pairedSamples(weights, samples, groupSamples);
  let groupedWork = 0;
  partners.forEach((list, group) => {
    groupedWork += Math.min(groupSamples, samples - group * groupSamples) * k * list.length * k;
  });
  const whole = rows <= WHOLE_GRAM_MAX_ROWS && groupedWork >= (GROUPED_MAX_SHARE * (rows * (rows + 1))) / 2;
  return { route: whole ? 'whole' : 'grouped', groupSamples, partners };
}

/**
 * For each group of `groupSamples` consecutive samples, the samples `j ≥` the group's first whose
 * weight against one of the group's samples is non-zero (all of them without weights), ascending.
 */
function pairedSamples(weights: Float64Array | null, samples: number, groupSamples: number): Int32Array[] {
  const lists: Int32Array[] = [];
  const scratch = new Int32Array(samples);
  for (let i0 = 0; i0 < samples; i0 += groupSamples) {
    const i1 = Math.min(i0 + groupSamples, samples);
    let count = 0;
    for (let j = i0; j < samples; j++) {
      let paired = weights === null;
      for (let i = i0; i < i1 && !paired; i++) paired = weights![i * samples + j] !== 0;
      if (paired) scratch[count++] = j;
    }
    lists.push(scratch.slice(0, count));
  }
  return lists;
}

/**
 * `gram[r, s] += c(r, s) · products[r, s]` for `s ≥ r`, from the whole `rows × rows` product matrix,
 * a sample's k columns at a time (one weight each).
 */
function addWholeGram(gram: Float64Array, products: Float64Array, rows: number, weights: Float64Array | null, k: number): void {
  const samples = rows / k;
  for (let r = 0; r < rows; r++) {
    const offset = r * rows;
    const i = Math.floor(r / k);
    for (let j = i; j < samples; j++) {
      const w = weights ? weights[i * samples + j]! : 1;
      if (w === 0) continue;
      const end = offset + (j + 1) * k;
      for (let e = offset + Math.max(r, j * k); e < end; e++) gram[e]! += w * products[e]!;
    }
  }
}

/**
 * The grouped route of `addWeightedRowProducts`: per group, one product `P · M_groupᵀ` on linalg's
 * `matMul64`, with `P` the rows of the group's paired samples (copied a sample's k rows at a time),
 * added with the weights into `gram` where `s ≥ r`. `matMul64` takes its right operand as
 * `M_groupᵀ` (`cols × 16`) and transposes it back for its NT kernel: small copies against the
 * `|P|·16·cols` multiply-adds.
 */
function addGroupedProducts(
  gram: Float64Array,
  m: Float64Array,
  rows: number,
  cols: number,
  weights: Float64Array | null,
  k: number,
  { groupSamples, partners }: GramPlan,
): void {
  const samples = rows / k;
  const sampleSize = k * cols;
  partners.forEach((paired, group) => {
    if (paired.length === 0) return;
    const i0 = group * groupSamples;
    const i1 = Math.min(i0 + groupSamples, samples);
    const first = i0 * k;
    const groupRows = (i1 - i0) * k;
    const pairedRows = paired.length * k;
    const p = new Float64Array(pairedRows * cols);
    paired.forEach((j, q) => p.set(m.subarray(j * sampleSize, (j + 1) * sampleSize), q * sampleSize));
    const groupT = new Float64Array(cols * groupRows);
    for (let a = 0; a < groupRows; a++) {
      const source = (first + a) * cols;
      for (let c = 0; c < cols; c++) groupT[c * groupRows + a] = m[source + c]!;
    }
    // products[t, a] = ⟨P_t, M_(first + a)⟩.
    const products = matMul64({ rows: pairedRows, cols, data: p }, { rows: cols, cols: groupRows, data: groupT }).data;
    for (let a = 0; a < groupRows; a++) {
      const r = first + a;
      const i = Math.floor(r / k);
      const offset = r * rows;
      paired.forEach((j, q) => {
        const w = weights ? weights[i * samples + j]! : 1;
        if (w === 0) return;
        for (let c = Math.max(0, r - j * k); c < k; c++) gram[offset + j * k + c]! += w * products[(q * k + c) * groupRows + a]!;
      });
    }
  });
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
function sparseColumns(m: Float32Array | Float64Array, rows: number, cols: number): SparseColumn[] | null {
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
 * written too: mirror the upper triangle when done (`mirrorUpperTriangle`). For `M Mᵀ` alone, use
 * `gram64` from `@precond/linalg`.
 */
export function addGram64(gram: Float64Array, values: ArrayLike<number>, rows: number, cols: number): void {
  addWeightedRowProducts(gram, floatValues(values), rows, cols, null, 1);
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
  // A: one factor row per sample (row i·k of the factor); with k = 1, the factor itself.
  let a: Float32Array | Float64Array;
  if (k === 1 && factor.values instanceof Float32Array) {
    a = factor.values;
  } else {
    a = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) a[i * d + t] = factor.values[i * k * d + t]!;
  }
  // ⟨a_i, a_j⟩ + [bias], both triangles (the weights of the G Gᵀ pass are looked up either way).
  const sampleProducts = d > 0 ? ntGram64(a, n, d).data : new Float64Array(n * n);
  if (hasBias) for (let e = 0; e < sampleProducts.length; e++) sampleProducts[e]! += 1;
  addWeightedRowProducts(gram, floatValues(probeGradient.values), m, probeGradient.cols, sampleProducts, k);
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
