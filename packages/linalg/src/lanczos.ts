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
 * applied twice against the whole basis ("twice is enough": Giraud, Langou & Rozložník, 2005).
 * The projected tridiagonal matrix is solved in float64 by `eighTridiagonal`. This is the NTK
 * probe's top-k spectrum when n is too big for a dense `eigh` (PAPER.md).
 *
 * Precision: the operator runs on the backend (float32); everything else is float64 on the CPU.
 * Each `A q_j` is read back once and widened, and the basis, the Gram-Schmidt passes and the Ritz
 * vectors are float64, so the basis stays orthogonal to float64 working precision and the Ritz
 * values are limited only by the operator's own float32 rounding (PAPER.md: float32 Gram matrices
 * lose the eigenvalues below ~1e-7 of the largest; a float32 basis adds its own loss on top).
 *
 * Memory: the basis is m × N float64 on the CPU. One read of N numbers and one upload per
 * iteration; every read is awaited (`tensor.data()`), so it does not block a GPU backend's thread
 * and runs on backends that cannot read synchronously (WebGPU in Node).
 */
export async function lanczos(operator: LinearOperator, shapes: readonly (readonly number[])[], options: LanczosOptions): Promise<LanczosResult> {
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
  const randomVector = () => Float64Array.from({ length: n }, () => rng.normal());

  let first: Float64Array;
  if (options.v0) first = await readFloat64(flattenList(options.v0));
  else first = randomVector();
  const firstNorm = norm(first);
  if (!(firstNorm > 0) || !Number.isFinite(firstNorm)) throw new RangeError(`lanczos: the start vector has norm ${firstNorm}; it must be finite and non-zero`);
  scaleInPlace(first, 1 / firstNorm);
  const basis: Float64Array[] = [first];

  const alphas: number[] = [];
  const betas: number[] = [];
  let converged = false;
  let normEstimate = 0;
  let ritz: ReturnType<typeof eighTridiagonal> | undefined;
  let residualNorms = new Float64Array(0);
  for (let j = 0; j < maxIterations; j++) {
    const m = j + 1;
    const q = basis[j]!;
    const product = tf.tidy(() => {
      const v = unflattenList(tf.tensor1d(Float32Array.from(q)), shapes);
      return flattenList(applyOperator(operator, v, 'lanczos: operator'));
    });
    const w = await readFloat64(product);
    // w ⟂ span(basis) by classical Gram-Schmidt twice, in float64; α_j = q_jᵀ A q_j is the sum of
    // the two passes' coefficients on q_j.
    let alpha = 0;
    for (let pass = 0; pass < 2; pass++) {
      const h = basis.map((b) => dot(b, w));
      basis.forEach((b, r) => axpy(-h[r]!, b, w));
      alpha += h[j]!;
    }
    const beta = norm(w);
    alphas.push(alpha);
    normEstimate = Math.max(normEstimate, Math.abs(alpha) + beta + (betas[j - 1] ?? 0));

    ritz = eighTridiagonal(alphas, betas);
    const s = ritz.vectors!;
    const wanted = Math.min(k, m);
    residualNorms = Float64Array.from({ length: wanted }, (_, i) => Math.abs(beta * s.data[(m - 1) * m + i]!));
    const scale = Math.max(Math.abs(ritz.values[0]!), Math.abs(ritz.values[m - 1]!), Number.MIN_VALUE);
    // An invariant subspace: β is the operator's float32 rounding of a vector that should be zero.
    const invariant = beta <= 8 * 2 ** -23 * normEstimate;
    if (m >= k && (invariant || residualNorms.every((r) => r <= tolerance * scale))) {
      converged = true;
      break;
    }
    if (m === maxIterations) break;
    if (invariant) {
      // Fewer than k eigenpairs live in this Krylov space: continue from a fresh random direction
      // orthogonal to the basis, with a zero coupling (T stays block diagonal).
      const fresh = randomVector();
      for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(-dot(b, fresh), b, fresh);
      scaleInPlace(fresh, 1 / norm(fresh));
      betas.push(0);
      basis.push(fresh);
    } else {
      betas.push(beta);
      scaleInPlace(w, 1 / beta);
      basis.push(w);
    }
  }
  const m = alphas.length;
  const s = ritz!.vectors!;
  // Ritz vectors y_i = Σ_r s_{r,i} q_r for the k largest θ_i, in float64.
  const vectors = Array.from({ length: k }, (_, i) => {
    const y = new Float64Array(n);
    for (let r = 0; r < m; r++) axpy(s.data[r * m + i]!, basis[r]!, y);
    return tf.tidy(() => unflattenList(tf.tensor1d(Float32Array.from(y)), shapes));
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
}

/** The values of a 1-D tensor widened to float64, read with an awaited `data()`; the tensor is disposed. */
async function readFloat64(t: tf.Tensor1D): Promise<Float64Array> {
  try {
    return Float64Array.from((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  const n = a.length;
  const n2 = n - (n % 2);
  for (let i = 0; i < n2; i += 2) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
  }
  if (n2 < n) s0 += a[n2]! * b[n2]!;
  return s0 + s1;
}

/** `y += a·x`. */
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}

function norm(x: Float64Array): number {
  return Math.sqrt(dot(x, x));
}

function scaleInPlace(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i]! *= a;
}
