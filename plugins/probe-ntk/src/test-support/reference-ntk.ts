// An independent float64 computation, in plain JS and without tfjs or @precond/linalg, of what the
// NTK probe reports for a one-hidden-layer tanh MLP `f(x) = tanh(x W1 + b1) W2 + b2`: its analytic
// Jacobian, K = J Jᵀ, a cyclic Jacobi eigendecomposition, and the probe's scalar measures written
// from their textbook definitions (full matrices, no lower-triangle shortcuts).
import type { Model } from '@precond/core';

/** Weights of `dense_0` (`[d, H]`, `[H]`) and `dense_1` (`[H, k]`, `[k]`) widened to float64. */
export interface MlpWeights {
  readonly d: number;
  readonly hidden: number;
  readonly k: number;
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  readonly b2: Float64Array;
}

/** Reads the four parameters of a 1-hidden-layer MLP built by @precond/nn (names `dense_i/kernel|bias`). */
export function readMlpWeights(model: Model): MlpWeights {
  const byName = new Map(model.params.map((p) => [p.name, p.variable]));
  const get = (name: string) => {
    const v = byName.get(name);
    if (!v) throw new Error(`the model has no parameter '${name}'`);
    return v;
  };
  const [d, hidden] = get('dense_0/kernel').shape as [number, number];
  const k = get('dense_1/kernel').shape[1]!;
  const read = (name: string) => Float64Array.from(get(name).dataSync() as Float32Array);
  return { d, hidden, k, w1: read('dense_0/kernel'), b1: read('dense_0/bias'), w2: read('dense_1/kernel'), b2: read('dense_1/bias') };
}

/** `f(x)` for n inputs (row-major `n × d`), flattened sample-major (`i·k + c`). */
export function referenceOutputs(w: MlpWeights, x: ArrayLike<number>): Float64Array {
  const n = x.length / w.d;
  const f = new Float64Array(n * w.k);
  for (let i = 0; i < n; i++) {
    const h = hiddenActivations(w, x, i);
    for (let c = 0; c < w.k; c++) {
      let s = w.b2[c]!;
      for (let j = 0; j < w.hidden; j++) s += h[j]! * w.w2[j * w.k + c]!;
      f[i * w.k + c] = s;
    }
  }
  return f;
}

/**
 * The Jacobian `[n·k, P]` (row `i·k + c`), by the chain rule on `f_c = Σ_j W2[j,c] h_j + b2[c]`,
 * `h_j = tanh(Σ_t x_t W1[t,j] + b1[j])`:
 *   ∂f_c/∂W1[t,j] = W2[j,c] (1 − h_j²) x_t,  ∂f_c/∂b1[j] = W2[j,c] (1 − h_j²),
 *   ∂f_c/∂W2[j,c'] = δ_cc' h_j,              ∂f_c/∂b2[c'] = δ_cc'.
 * Columns in the order W1, b1, W2, b2 (row-major each); K = J Jᵀ does not depend on the order.
 */
export function referenceJacobian(w: MlpWeights, x: ArrayLike<number>): { rows: number; cols: number; data: Float64Array } {
  const { d, hidden: H, k } = w;
  const n = x.length / d;
  const cols = d * H + H + H * k + k;
  const rows = n * k;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < n; i++) {
    const h = hiddenActivations(w, x, i);
    for (let c = 0; c < k; c++) {
      const row = (i * k + c) * cols;
      for (let j = 0; j < H; j++) {
        const back = w.w2[j * k + c]! * (1 - h[j]! * h[j]!);
        for (let t = 0; t < d; t++) data[row + t * H + j] = back * x[i * d + t]!;
        data[row + d * H + j] = back;
        data[row + d * H + H + j * k + c] = h[j]!;
      }
      data[row + d * H + H + H * k + c] = 1;
    }
  }
  return { rows, cols, data };
}

function hiddenActivations(w: MlpWeights, x: ArrayLike<number>, i: number): Float64Array {
  const h = new Float64Array(w.hidden);
  for (let j = 0; j < w.hidden; j++) {
    let s = w.b1[j]!;
    for (let t = 0; t < w.d; t++) s += x[i * w.d + t]! * w.w1[t * w.hidden + j]!;
    h[j] = Math.tanh(s);
  }
  return h;
}

/** `J Jᵀ` in float64, full (both triangles computed). */
export function referenceGram(j: { rows: number; cols: number; data: Float64Array }): Float64Array {
  const { rows, cols, data } = j;
  const g = new Float64Array(rows * rows);
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < rows; s++) {
      let acc = 0;
      for (let t = 0; t < cols; t++) acc += data[r * cols + t]! * data[s * cols + t]!;
      g[r * rows + s] = acc;
    }
  }
  return g;
}

/**
 * Eigenvalues (descending) and eigenvectors (rows, matching) of a symmetric matrix by the cyclic
 * Jacobi method (Golub & Van Loan §8.5.2): rotations zero each off-diagonal entry in turn until
 * the off-diagonal mass is below 1e-30 of the total. Slow (O(n³) per sweep) and very accurate:
 * the eigenvalues carry relative errors of O(u) even when small (Demmel & Veselić 1992).
 */
export function jacobiEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const offMass = () => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += a[i * n + j]! ** 2;
    return s;
  };
  let total = 0;
  for (const x of a) total += x * x;
  for (let sweep = 0; sweep < 100 && offMass() > 1e-30 * total; sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J with J the rotation in the (p, q) plane; V ← V J.
        for (let r = 0; r < n; r++) {
          const arp = a[r * n + p]!;
          const arq = a[r * n + q]!;
          a[r * n + p] = c * arp - s * arq;
          a[r * n + q] = s * arp + c * arq;
        }
        for (let r = 0; r < n; r++) {
          const apr = a[p * n + r]!;
          const aqr = a[q * n + r]!;
          a[p * n + r] = c * apr - s * aqr;
          a[q * n + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < n; r++) {
          const vrp = v[r * n + p]!;
          const vrq = v[r * n + q]!;
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((col, row) => {
    for (let r = 0; r < n; r++) vectors[row * n + r] = v[r * n + col]!;
  });
  return { values, vectors };
}

/** `⟨A, B⟩_F = Σ_ij A_ij B_ij`. */
export function frobeniusDot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** `tr A` of an `n × n` matrix. */
export function trace(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i]!;
  return s;
}

/** What the probe should report, from the definitions in PAPER.md ("What the NTK probe reports"). */
export function referenceMeasures(k: Float64Array, k0: Float64Array, y: ArrayLike<number>, e: ArrayLike<number>, modes: number) {
  const n = y.length;
  const { values, vectors } = jacobiEigen(k, n);
  const norm = Math.sqrt(frobeniusDot(k, k));
  const norm0 = Math.sqrt(frobeniusDot(k0, k0));
  let yKy = 0;
  let yy = 0;
  for (let r = 0; r < n; r++) {
    yy += y[r]! * y[r]!;
    for (let s = 0; s < n; s++) yKy += y[r]! * k[r * n + s]! * y[s]!;
  }
  const errorModes = Array.from({ length: Math.min(modes, n) }, (_, i) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += vectors[i * n + r]! * e[r]!;
    return Math.abs(s);
  });
  return {
    eigenvalues: values,
    modes: errorModes,
    kernelDistance: 1 - frobeniusDot(k, k0) / (norm * norm0),
    alignment: yKy / (norm * yy),
    frobeniusNorm: norm,
    trace: trace(k, n),
    targetNorm: Math.sqrt(yy),
  };
}
