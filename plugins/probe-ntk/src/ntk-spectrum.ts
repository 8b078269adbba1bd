import * as tf from '@tensorflow/tfjs-core';
import { eigh, eigvalsh, lanczos, matrix64 } from '@precond/linalg';
import { leadingEigenvectors } from './leading-eigenvectors.js';

/** How the spectrum of an `n × n` kernel is computed. */
export interface NtkSpectrumOptions {
  /** Largest n for the dense float64 eigendecomposition (every eigenvalue); Lanczos beyond it. */
  readonly maxDense: number;
  /** How many eigenvalues the Lanczos route returns (it returns at most n). */
  readonly topK: number;
  /** How many leading eigenvectors to return (0: none, and the dense route skips forming them). */
  readonly vectors: number;
}

/** Eigenvalues and leading eigenvectors of a kernel, largest first. */
export interface NtkSpectrum {
  /** `dense`: linalg's float64 `eigh`/`eigvalsh`; `lanczos`: linalg's `lanczos` on a float32 copy. */
  readonly method: 'dense' | 'lanczos';
  /** Every eigenvalue (dense) or the `topK` largest Ritz values (Lanczos), descending. */
  readonly values: Float64Array;
  /** The leading eigenvectors as rows (`vectorCount × n`, row-major), unit norm, signs arbitrary. */
  readonly vectors: Float64Array;
  readonly vectorCount: number;
  /** Lanczos only: Krylov dimension reached, whether every wanted pair met the tolerance, and the largest residual `‖K y − θ y‖ / θ_1`. */
  readonly lanczos?: { readonly iterations: number; readonly converged: boolean; readonly maxRelativeResidual: number };
}

/**
 * The spectrum of the symmetric kernel `gram` (row-major `n × n`, lower triangle read).
 *
 * - `n ≤ maxDense`: every eigenvalue in float64 by linalg's `eigvalsh` (Householder + implicit QL;
 *   each eigenvalue accurate to O(n·u·λ_max), u = 2⁻⁵³), so the NTK's tiny eigenvalues (PAPER.md,
 *   "Numerical facts": down to ~1e-13 of the largest) survive. The `vectors` leading eigenvectors
 *   come from float64 subspace iteration (`leadingEigenvectors`: residual ≤ 1e-11·λ_max, as good as
 *   `eigh`'s wherever the spectrum has a gap), which on an NTK's fast-decaying spectrum costs a few
 *   n²·(vectors + 10) products instead of the ~4.5n³ flops `eigh` spends on all n vectors; where it
 *   does not converge (a flat top of the spectrum) or n is small, linalg's `eigh` gives them.
 * - `n > maxDense`: the `max(topK, vectors)` largest pairs by linalg's `lanczos` with full
 *   reorthogonalisation, on the kernel rounded to a float32 tensor (a dense float64
 *   eigendecomposition costs ~9n³ flops; one Lanczos iteration costs one n² product on the
 *   backend, read back with an awaited `data()`, so the route runs on WebGPU). The operator is the
 *   kernel rounded to float32 (linalg keeps the basis in float64), so eigenvalues below about 1e-7
 *   of λ_max are not resolved there; raise `maxDense` when they matter.
 */
export async function ntkSpectrum(gram: Float64Array, n: number, options: NtkSpectrumOptions): Promise<NtkSpectrum> {
  if (gram.length !== n * n) throw new RangeError(`ntkSpectrum: the kernel has ${gram.length} entries, expected n² = ${n * n}`);
  const vectorCount = Math.min(options.vectors, n);
  if (n <= options.maxDense) {
    if (vectorCount === 0) return { method: 'dense', values: eigvalsh(matrix64(n, n, gram)), vectors: new Float64Array(0), vectorCount: 0 };
    const leading = leadingEigenvectors(gram, n, vectorCount);
    if (leading) return { method: 'dense', values: eigvalsh(matrix64(n, n, gram)), vectors: leading.vectors, vectorCount };
    const { values, vectors } = eigh(matrix64(n, n, gram));
    const rows = new Float64Array(vectorCount * n);
    for (let i = 0; i < vectorCount; i++) for (let r = 0; r < n; r++) rows[i * n + r] = vectors.data[r * n + i]!;
    return { method: 'dense', values, vectors: rows, vectorCount };
  }
  return lanczosSpectrum(gram, n, Math.min(options.topK, n), vectorCount);
}

async function lanczosSpectrum(gram: Float64Array, n: number, valueCount: number, vectorCount: number): Promise<NtkSpectrum> {
  const k = Math.max(valueCount, vectorCount);
  // Mirror the lower triangle, as the dense route reads it.
  const symmetric = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = gram[i * n + j]!;
      symmetric[i * n + j] = v;
      symmetric[j * n + i] = v;
    }
  }
  const kernel = tf.tensor2d(symmetric, [n, n]);
  try {
    const operator = ([v]: tf.Tensor[]) => [tf.reshape(tf.matMul(kernel, tf.reshape(v!, [n, 1])), [n])];
    // A fixed start vector (seed 0) makes the result a function of the kernel alone.
    const result = await lanczos(operator, [[n]], { k, seed: 0 });
    try {
      const rows = new Float64Array(vectorCount * n);
      for (let i = 0; i < vectorCount; i++) rows.set((await result.vectors[i]![0]!.data()) as Float32Array, i * n);
      const scale = Math.max(Math.abs(result.ritzValues[0]!), Number.MIN_VALUE);
      const maxRelativeResidual = result.residualNorms.reduce((m, r) => Math.max(m, r / scale), 0);
      return {
        method: 'lanczos',
        values: result.ritzValues.slice(0, valueCount),
        vectors: rows,
        vectorCount,
        lanczos: { iterations: result.iterations, converged: result.converged, maxRelativeResidual },
      };
    } finally {
      result.values.dispose();
      result.vectors.forEach((list) => tf.dispose(list));
    }
  } finally {
    kernel.dispose();
  }
}
