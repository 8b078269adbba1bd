// Float64 measures of a symmetric kernel matrix. Every function reads the lower triangle only
// (like linalg's eigh), so a kernel and its packed lower triangle give bit-identical results and a
// kernel restored from a checkpoint, which keeps only that triangle, reproduces them exactly.

/** Entries of the packed lower triangle of an `n × n` matrix: `n(n+1)/2`. */
export function packedSize(n: number): number {
  return (n * (n + 1)) / 2;
}

/** The lower triangle of a row-major `n × n` matrix, row by row (`(i, j)`, j ≤ i, at `i(i+1)/2 + j`). */
export function packLowerTriangle(matrix: Float64Array, n: number): Float64Array {
  checkLength('packLowerTriangle: matrix', matrix.length, n * n);
  const packed = new Float64Array(packedSize(n));
  let o = 0;
  for (let i = 0; i < n; i++) {
    packed.set(matrix.subarray(i * n, i * n + i + 1), o);
    o += i + 1;
  }
  return packed;
}

/** The symmetric `n × n` matrix whose lower triangle is `packed` (row-major). */
export function unpackSymmetric(packed: Float64Array, n: number): Float64Array {
  checkLength('unpackSymmetric: packed', packed.length, packedSize(n));
  const matrix = new Float64Array(n * n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = packed[o++]!;
      matrix[i * n + j] = v;
      matrix[j * n + i] = v;
    }
  }
  return matrix;
}

/** `‖A‖_F` of a symmetric row-major `n × n` matrix, from its lower triangle. */
export function symmetricFrobeniusNorm(a: Float64Array, n: number): number {
  checkLength('symmetricFrobeniusNorm: A', a.length, n * n);
  let diagonal = 0;
  let offDiagonal = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < i; j++) offDiagonal += a[row + j]! ** 2;
    diagonal += a[row + i]! ** 2;
  }
  return Math.sqrt(diagonal + 2 * offDiagonal);
}

/** `‖B‖_F` of a symmetric matrix given by its packed lower triangle. */
export function packedFrobeniusNorm(packed: Float64Array, n: number): number {
  checkLength('packedFrobeniusNorm: packed', packed.length, packedSize(n));
  let diagonal = 0;
  let offDiagonal = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) offDiagonal += packed[o++]! ** 2;
    diagonal += packed[o++]! ** 2;
  }
  return Math.sqrt(diagonal + 2 * offDiagonal);
}

/**
 * Kernel distance `1 − ⟨K, K₀⟩_F / (‖K‖_F ‖K₀‖_F)` (PAPER.md, "What the NTK probe reports"), for
 * K row-major and K₀ packed. Evaluated as the equal quantity `½ ‖K/‖K‖ − K₀/‖K₀‖‖²_F`, which has no
 * cancellation: a kernel that has not changed gives 0 to the last bit, a lazy network's small
 * distances keep their digits, and the result is never negative. When one kernel is zero it has no
 * direction and the distance is 1 (0 when both are zero).
 */
export function kernelDistance(k: Float64Array, packedK0: Float64Array, n: number): number {
  checkLength('kernelDistance: K', k.length, n * n);
  checkLength('kernelDistance: K₀ (packed)', packedK0.length, packedSize(n));
  const normK = symmetricFrobeniusNorm(k, n);
  const normK0 = packedFrobeniusNorm(packedK0, n);
  if (normK === 0 || normK0 === 0) return normK === normK0 ? 0 : 1;
  let diagonal = 0;
  let offDiagonal = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < i; j++) offDiagonal += (k[row + j]! / normK - packedK0[o++]! / normK0) ** 2;
    diagonal += (k[row + i]! / normK - packedK0[o++]! / normK0) ** 2;
  }
  return (diagonal + 2 * offDiagonal) / 2;
}

/**
 * Kernel-target alignment `yᵀ K y / (‖K‖_F ‖y‖²)` (Cristianini et al. 2002: `⟨K, y yᵀ⟩_F /
 * (‖K‖_F ‖y yᵀ‖_F)`), y the flattened targets in K's row order. 0 when K or y is zero.
 */
export function kernelTargetAlignment(k: Float64Array, y: ArrayLike<number>, n: number): number {
  checkLength('kernelTargetAlignment: K', k.length, n * n);
  checkLength('kernelTargetAlignment: y', y.length, n);
  let diagonal = 0;
  let offDiagonal = 0;
  let yy = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    const row = i * n;
    let dot = 0;
    for (let j = 0; j < i; j++) dot += k[row + j]! * y[j]!;
    offDiagonal += yi * dot;
    diagonal += k[row + i]! * yi * yi;
    yy += yi * yi;
  }
  const normK = symmetricFrobeniusNorm(k, n);
  if (normK === 0 || yy === 0) return 0;
  return (diagonal + 2 * offDiagonal) / (normK * yy);
}

/**
 * Error modes `|q_iᵀ e|` for the eigenvectors `q_i` given as rows of `vectors` (`count × n`,
 * row-major): the size of the residual along each eigendirection, which gradient descent shrinks
 * at rate `λ_i` (PAPER.md: `ê = Qᵀ e`). The absolute value makes them independent of the
 * eigenvectors' signs.
 */
export function errorModes(vectors: Float64Array, count: number, e: ArrayLike<number>): Float64Array {
  const n = e.length;
  checkLength('errorModes: vectors', vectors.length, count * n);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    const row = i * n;
    for (let r = 0; r < n; r++) s += vectors[row + r]! * e[r]!;
    out[i] = Math.abs(s);
  }
  return out;
}

function checkLength(what: string, got: number, expected: number): void {
  if (got !== expected) throw new RangeError(`${what} has ${got} entries, expected ${expected}`);
}
