import { eigh, matMul64, matrix64, mirrorLowerToUpper, transpose64 } from '@precond/linalg';

/** Options of `leadingEigenvectors`. */
export interface LeadingEigenvectorOptions {
  /** Extra vectors carried in the block beyond `count` (they speed up and protect convergence). Default 10. */
  readonly oversampling?: number;
  /** Iterations before giving up (the caller then takes the full eigendecomposition). Default 25. */
  readonly maxIterations?: number;
  /** Converged when every wanted `‖K x − θ x‖ ≤ tolerance·|λ_max|`. Default 1e-11. */
  readonly tolerance?: number;
}

/** The leading eigenvectors found by subspace iteration, with how many iterations it took. */
export interface LeadingEigenvectors {
  /** `count × n`, row-major, unit norm, orthonormal, for the `count` largest Ritz values in order. */
  readonly vectors: Float64Array;
  readonly ritzValues: Float64Array;
  readonly iterations: number;
  /** The largest `‖K x_i − θ_i x_i‖ / |θ_1|` of the returned pairs. */
  readonly maxRelativeResidual: number;
}

/**
 * The `count` leading eigenvectors of the symmetric `n × n` kernel `gram` (row-major, lower
 * triangle read) in float64, by subspace iteration with a Rayleigh-Ritz step each round (Rutishauser
 * 1970; GVL §8.2.4 and §8.1.3): a block Q of `b = count + oversampling` orthonormal vectors becomes
 * `orth(K Q)`, and the Ritz pairs of `Qᵀ K Q` are the estimates. Each round costs one `n × n × b`
 * product, so when the spectrum decays (an NTK's falls by orders of magnitude in its first ten
 * eigenvalues) a few rounds replace the ~4.5n³ flops that a full `eigh` spends forming all n
 * eigenvectors. Returns `null` when the wanted residuals are not below `tolerance·|λ_max|` within
 * `maxIterations` (a slowly decaying spectrum), or when the block would not be much smaller than n:
 * the caller then uses the full `eigh`.
 *
 * The stopping test is the backward error: a pair with `‖K x − θ x‖ ≤ ε` is an exact eigenpair of
 * a matrix within ε of K (GVL Thm 8.1.11), so where eigenvalues are separated by a gap δ the vector
 * is within `ε/δ` of the true one (Davis-Kahan), as accurate as `eigh`'s for ε near its
 * `O(n·u·‖K‖)` rounding; within a cluster narrower than ε (an NTK's eigenvalues at the rounding
 * floor, ~1e-13 of the largest) no method determines individual vectors, and this one returns some
 * orthonormal basis of the cluster's space, as valid as `eigh`'s but not the same.
 *
 * Deterministic: the start block comes from a fixed linear congruential sequence.
 */
export function leadingEigenvectors(gram: Float64Array, n: number, count: number, options: LeadingEigenvectorOptions = {}): LeadingEigenvectors | null {
  const oversampling = options.oversampling ?? 10;
  const maxIterations = options.maxIterations ?? 25;
  const tolerance = options.tolerance ?? 1e-11;
  const b = Math.min(n, count + oversampling);
  if (count <= 0 || 4 * b > n) return null;
  const kernel = gram.slice();
  mirrorLowerToUpper(kernel, n);
  const K = matrix64(n, n, kernel);

  // Start block: pseudo-random rows (a 32-bit LCG, Numerical Recipes' constants), orthonormalised.
  let seed = 12345;
  const q = new Float64Array(b * n);
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  for (let i = 0; i < q.length; i++) q[i] = random();
  orthonormalizeRows(q, b, n, random);

  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Rows of Y = (K Q)ᵀ: K is symmetric, so row j of Y is K q_j. matMul64 transposes its second
    // operand (n × b here, cheap) and runs the float64 NT kernel.
    const y = transpose64(matMul64(K, transpose64(matrix64(b, n, q)))).data;
    // Rayleigh-Ritz: B = Q K Qᵀ (b × b), B = V diag(θ) Vᵀ.
    const small = new Float64Array(b * b);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j <= i; j++) small[i * b + j] = dot(q, i * n, y, j * n, n);
    }
    const { values: theta, vectors: v } = eigh(matrix64(b, b, small));
    // Ritz vectors X = Vᵀ Q and their images K X = Vᵀ Y, as rows.
    const x = combineRows(v.data, b, q, n);
    const kx = combineRows(v.data, b, y, n);
    const scale = Math.max(Math.abs(theta[0]!), Number.MIN_VALUE);
    let worst = 0;
    for (let i = 0; i < count; i++) {
      let r2 = 0;
      for (let t = 0; t < n; t++) r2 += (kx[i * n + t]! - theta[i]! * x[i * n + t]!) ** 2;
      worst = Math.max(worst, Math.sqrt(r2) / scale);
    }
    if (worst <= tolerance) {
      return { vectors: x.slice(0, count * n), ritzValues: theta.slice(0, count), iterations: iteration, maxRelativeResidual: worst };
    }
    // The next block spans K X (= K Q rotated), largest Ritz directions first.
    q.set(kx);
    orthonormalizeRows(q, b, n, random);
  }
  return null;
}

/** `Σ_t a[ao + t]·c[co + t]`. */
function dot(a: Float64Array, ao: number, c: Float64Array, co: number, n: number): number {
  let s = 0;
  for (let t = 0; t < n; t++) s += a[ao + t]! * c[co + t]!;
  return s;
}

/** Rows `Vᵀ R`: row i is `Σ_j V[j, i]·R_j` for the `b × b` row-major V and the `b × n` rows R. */
function combineRows(v: Float64Array, b: number, rows: Float64Array, n: number): Float64Array {
  const out = new Float64Array(b * n);
  for (let i = 0; i < b; i++) {
    const o = i * n;
    for (let j = 0; j < b; j++) {
      const w = v[j * b + i]!;
      if (w === 0) continue;
      const r = j * n;
      for (let t = 0; t < n; t++) out[o + t]! += w * rows[r + t]!;
    }
  }
  return out;
}

/**
 * Modified Gram-Schmidt on the rows, twice ("twice is enough", Giraud et al. 2005), in place. A row
 * that vanishes against the earlier ones (K of rank below b) is replaced by a fresh random one.
 */
function orthonormalizeRows(q: Float64Array, b: number, n: number, random: () => number): void {
  for (let i = 0; i < b; i++) {
    const o = i * n;
    let original = Math.sqrt(dot(q, o, q, o, n));
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < i; j++) {
          const c = dot(q, j * n, q, o, n);
          for (let t = 0; t < n; t++) q[o + t]! -= c * q[j * n + t]!;
        }
      }
      const norm = Math.sqrt(dot(q, o, q, o, n));
      if (norm > 1e-8 * original && norm > 0) {
        for (let t = 0; t < n; t++) q[o + t]! /= norm;
        break;
      }
      if (attempt > 3) throw new Error('leadingEigenvectors: could not complete an orthonormal block');
      for (let t = 0; t < n; t++) q[o + t] = random();
      original = Math.sqrt(dot(q, o, q, o, n));
    }
  }
}
