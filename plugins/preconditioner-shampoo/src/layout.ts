/** One block of a matrix parameter: rows `row0 … row0+rows−1`, columns `col0 … col0+cols−1`. */
export interface MatrixBlock {
  readonly row0: number;
  readonly rows: number;
  readonly col0: number;
  readonly cols: number;
}

/**
 * How Shampoo sees a parameter. A matrix `[rows, cols]` (a dense kernel `[in, out]`) is cut into
 * blocks, each with its own `L` (`rows × rows`) and `R` (`cols × cols`); a vector has diagonal
 * statistics.
 */
export type ParameterLayout =
  | {
      readonly kind: 'matrix';
      readonly shape: readonly number[];
      readonly rows: number;
      readonly cols: number;
      /** Block heights, top to bottom. */
      readonly rowSplits: readonly number[];
      /** Block widths, left to right. */
      readonly colSplits: readonly number[];
      /** Row-major over the grid: block (i, j) is `blocks[i · colSplits.length + j]`. */
      readonly blocks: readonly MatrixBlock[];
    }
  | { readonly kind: 'vector'; readonly shape: readonly number[]; readonly size: number };

/**
 * Cut a dimension into blocks of `maxDim` and a last, shorter one (Distributed Shampoo's blocking:
 * `torch.split(dim, block_size)`), so every block but the last has exactly `maxDim` entries.
 */
export function splitDimension(size: number, maxDim: number): number[] {
  if (!Number.isInteger(maxDim) || maxDim < 1) throw new RangeError(`maxPreconditionerDim must be a positive integer, got ${maxDim}`);
  const out: number[] = [];
  for (let start = 0; start < size; start += maxDim) out.push(Math.min(maxDim, size - start));
  return out;
}

/**
 * The layout of a parameter of shape `shape`.
 * - rank 2: the matrix itself (dense kernels `[in, out]`);
 * - rank ≥ 3: the matrix `[d₀·…·d_{k−2}, d_{k−1}]` (all leading dimensions merged: a convolution
 *   kernel `[h, w, in, out]` becomes `[h·w·in, out]`, the usual Kronecker-factored view);
 * - rank 0 and 1: a vector.
 */
export function parameterLayout(shape: readonly number[], maxDim: number): ParameterLayout {
  if (shape.length < 2) return { kind: 'vector', shape, size: shape.reduce((a, b) => a * b, 1) };
  const cols = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const rowSplits = splitDimension(rows, maxDim);
  const colSplits = splitDimension(cols, maxDim);
  const blocks: MatrixBlock[] = [];
  let row0 = 0;
  for (const r of rowSplits) {
    let col0 = 0;
    for (const c of colSplits) {
      blocks.push({ row0, rows: r, col0, cols: c });
      col0 += c;
    }
    row0 += r;
  }
  return { kind: 'matrix', shape, rows, cols, rowSplits, colSplits, blocks };
}
