import { Rng } from '@precond/core';
import * as tf from '@tensorflow/tfjs-core';
import { eighTridiagonal } from './tridiagonal-eigen.js';
import { applyOperator, flattenList, totalSize, unflattenList, type LinearOperator } from './tensor-list.js';

export interface LanczosOptions {
  /** How many of the largest eigenpairs to return. */
  readonly k: number;
  /** Largest Krylov dimension (operator applications); default min(N, max(3k, k + 50)) for N unknowns. */
  readonly maxIterations?: number;
  /**
   * Stop when every wanted Ritz pair has residual ‖A y - θ y‖ = |β_m s_{m,i}| ≤ tolerance·|θ_1|
   * (default 1e-5; float32 tensors hold about 7 digits).
   */
  readonly tolerance?: number;
  /** Seed of the random start vector (default 0); ignored when `v0` is given. */
  readonly seed?: number;
  /** Start vector (parameter-shaped; not modified or disposed). */
  readonly v0?: readonly tf.Tensor[];
}

export interface LanczosResult {
  /** The k largest Ritz values, descending (float32 tensor; the caller disposes it). */
  readonly values: tf.Tensor1D;
  /** Their Ritz vectors, unit norm, each a list shaped like the operator's input (caller disposes). */
  readonly vectors: tf.Tensor[][];
  /** The same Ritz values in float64, as computed from the tridiagonal matrix. */
  readonly ritzValues: Float64Array;
  /** Residual estimates |β_m s_{m,i}| = ‖A y_i - θ_i y_i‖ (exact in exact arithmetic). */
  readonly residualNorms: Float64Array;
  /** Krylov dimension reached. */
  readonly iterations: number;
  /** Whether every residual met the tolerance (or an invariant subspace was found). */
  readonly converged: boolean;
}

/**
 * The k largest eigenpairs of a symmetric operator on parameter-shaped tensors by the Lanczos
 * process with full reorthogonalisation: Golub & Van Loan (4th ed.) §10.1 (Lanczos tridiagonal-
 * isation, Alg. 10.1.1) and §10.3.1 (complete reorthogonalisation), here by classical Gram-Schmidt
 * applied twice against the whole basis ("twice is enough": Giraud, Langou & Rozložník, 2005),
 * which keeps the float32 basis orthogonal to working precision so no spurious copies of converged
 * eigenvalues appear. The projected tridiagonal matrix is solved in float64 by `eighTridiagonal`.
 * This is the NTK probe's top-k spectrum when n is too big for a dense `eigh` (PAPER.md).
 *
 * Memory: the basis is an m × N float32 tensor. One read of (α, β) from the backend per iteration.
 */
export function lanczos(operator: LinearOperator, shapes: readonly (readonly number[])[], options: LanczosOptions): LanczosResult {
  const n = totalSize(shapes);
  const { k } = options;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`lanczos: k must be an integer in [1, ${n}] (the number of unknowns), got ${k}`);
  const maxIterations = options.maxIterations ?? Math.min(n, Math.max(3 * k, k + 50));
  if (!Number.isInteger(maxIterations) || maxIterations < k || maxIterations > n) {
    throw new RangeError(`lanczos: maxIterations must be an integer in [k = ${k}, N = ${n}], got ${maxIterations}`);
  }
  const tolerance = options.tolerance ?? 1e-5;
  if (!(tolerance >= 0)) throw new RangeError(`lanczos: tolerance must be ≥ 0, got ${tolerance}`);
  const rng = new Rng(options.seed ?? 0);

  const start = options.v0 ? flattenList(options.v0) : tf.tensor1d(Float32Array.from({ length: n }, () => rng.normal()));
  let basis = tf.tidy(() => tf.reshape(tf.div(start, tf.norm(start)), [1, n]) as tf.Tensor2D);
  start.dispose();
  let current = tf.tidy(() => tf.reshape(basis, [n]) as tf.Tensor1D);

  const alphas: number[] = [];
  const betas: number[] = [];
  let converged = false;
  let normEstimate = 0;
  let ritz: ReturnType<typeof eighTridiagonal> | undefined;
  let residualNorms = new Float64Array(0);
  try {
    for (let j = 0; j < maxIterations; j++) {
      const m = j + 1;
      const { w, stats } = tf.tidy(() => {
        const aq = flattenList(applyOperator(operator, unflattenList(current, shapes), 'lanczos: operator'));
        // w ⟂ span(basis) by classical Gram-Schmidt twice; h1[j] + h2[j] is α_j = q_jᵀ A q_j.
        const h1 = tf.matMul(basis, tf.reshape(aq, [n, 1]));
        const w1 = tf.sub(aq, tf.reshape(tf.matMul(basis, h1, true, false), [n]));
        const h2 = tf.matMul(basis, tf.reshape(w1, [n, 1]));
        const w2 = tf.sub(w1, tf.reshape(tf.matMul(basis, h2, true, false), [n]));
        const alpha = tf.add(tf.slice(h1, [j, 0], [1, 1]), tf.slice(h2, [j, 0], [1, 1]));
        return { w: w2 as tf.Tensor1D, stats: tf.concat([tf.reshape(alpha, [1]), tf.reshape(tf.norm(w2), [1])]) };
      });
      const [alpha, beta] = stats.dataSync();
      stats.dispose();
      alphas.push(alpha!);
      normEstimate = Math.max(normEstimate, Math.abs(alpha!) + beta! + (betas[j - 1] ?? 0));

      ritz = eighTridiagonal(alphas, betas);
      const s = ritz.vectors!;
      const wanted = Math.min(k, m);
      residualNorms = Float64Array.from({ length: wanted }, (_, i) => Math.abs(beta! * s.data[(m - 1) * m + i]!));
      const scale = Math.max(Math.abs(ritz.values[0]!), Math.abs(ritz.values[m - 1]!), Number.MIN_VALUE);
      // An invariant subspace: β is float32 rounding of a vector that should be exactly zero.
      const invariant = beta! <= 8 * 2 ** -23 * normEstimate;
      if (m >= k && (invariant || residualNorms.every((r) => r <= tolerance * scale))) {
        converged = true;
        w.dispose();
        break;
      }
      if (m === maxIterations) {
        w.dispose();
        break;
      }
      let next: tf.Tensor1D;
      if (invariant) {
        // Fewer than k eigenpairs live in this Krylov space: continue from a fresh random
        // direction orthogonal to the basis, with a zero coupling (T stays block diagonal).
        w.dispose();
        betas.push(0);
        next = tf.tidy(() => {
          let v = tf.tensor1d(Float32Array.from({ length: n }, () => rng.normal())) as tf.Tensor;
          for (let pass = 0; pass < 2; pass++) v = tf.sub(v, tf.reshape(tf.matMul(basis, tf.matMul(basis, tf.reshape(v, [n, 1])), true, false), [n]));
          return tf.div(v, tf.norm(v)) as tf.Tensor1D;
        });
      } else {
        betas.push(beta!);
        next = tf.tidy(() => tf.div(w, beta!) as tf.Tensor1D);
        w.dispose();
      }
      const grown = tf.tidy(() => tf.concat([basis, tf.reshape(next, [1, n])], 0) as tf.Tensor2D);
      basis.dispose();
      current.dispose();
      basis = grown;
      current = next;
    }
    const m = alphas.length;
    const s = ritz!.vectors!;
    // Ritz vectors y_i = Q s_i for the k largest θ_i, as rows: Sᵀ_k (k × m) times the basis (m × N).
    const sk = new Float32Array(k * m);
    for (let i = 0; i < k; i++) for (let r = 0; r < m; r++) sk[i * m + r] = s.data[r * m + i]!;
    const vectors = tf.tidy(() => {
      const y = tf.matMul(tf.tensor2d(sk, [k, m]), basis);
      return tf.split(y, k, 0).map((row) => unflattenList(row, shapes));
    });
    const ritzValues = ritz!.values.slice(0, k);
    return {
      values: tf.tensor1d(Float32Array.from(ritzValues)),
      vectors,
      ritzValues,
      residualNorms,
      iterations: m,
      converged,
    };
  } finally {
    basis.dispose();
    current.dispose();
  }
}
