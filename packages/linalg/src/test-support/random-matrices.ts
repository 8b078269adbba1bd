import { Rng } from '@precond/core';
import { matMul64, matrix64, transpose64, type Matrix64 } from '../matrix64.js';

/** A rows × cols matrix of standard normals from a seeded stream. */
export function randomNormal64(rows: number, cols: number, seed: number): Matrix64 {
  const rng = new Rng(seed);
  const m = matrix64(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

/**
 * A random n × n orthogonal matrix: the Q of a Householder QR (GVL Alg. 5.2.1) of a seeded
 * Gaussian matrix, with column signs fixed by diag(R) > 0 so Q is Haar-distributed
 * (Mezzadri, "How to generate random matrices from the classical compact groups", 2007).
 */
export function randomOrthogonal(n: number, seed: number): Matrix64 {
  const a = randomNormal64(n, n, seed).data;
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  const signs: number[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(n);
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = k; i < n; i++) v[i] = a[i * n + k]!;
    v[k] = x0 - alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += v[i]! ** 2;
    const beta = vv === 0 ? 0 : 2 / vv;
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += v[i]! * a[i * n + j]!;
      s *= beta;
      for (let i = k; i < n; i++) a[i * n + j]! -= s * v[i]!;
    }
    vs.push(v);
    betas.push(beta);
    signs.push(Math.sign(a[k * n + k]!) || 1);
  }
  // Q = H_0 H_1 ⋯ H_{n-1}, accumulated backwards.
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    const beta = betas[k]!;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += v[i]! * q[i * n + j]!;
      s *= beta;
      for (let i = k; i < n; i++) q[i * n + j]! -= s * v[i]!;
    }
  }
  for (let j = 0; j < n; j++) if (signs[j]! < 0) for (let i = 0; i < n; i++) q[i * n + j] = -q[i * n + j]!;
  return { rows: n, cols: n, data: q };
}

/** `Q diag(lambda) Qᵀ`, symmetrised exactly (its lower triangle copied up). */
export function withSpectrum(q: Matrix64, lambda: ArrayLike<number>): Matrix64 {
  const n = q.rows;
  const scaled = matrix64(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled.data[i * n + j] = q.data[i * n + j]! * lambda[j]!;
  const a = matMul64(scaled, transpose64(q));
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[j * n + i] = a.data[i * n + j]!;
  return a;
}

/** A random symmetric positive definite n × n matrix `B Bᵀ + n I` (eigenvalues ≥ n). */
export function randomSpd(n: number, seed: number): Matrix64 {
  const b = randomNormal64(n, n, seed);
  const a = matMul64(b, transpose64(b));
  for (let i = 0; i < n; i++) a.data[i * n + i]! += n;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[j * n + i] = a.data[i * n + j]!;
  return a;
}

/** ‖VᵀV - I‖_max. */
export function orthogonalityError(v: Matrix64): number {
  const g = matMul64(transpose64(v), v);
  let e = 0;
  for (let i = 0; i < v.cols; i++) for (let j = 0; j < v.cols; j++) e = Math.max(e, Math.abs(g.data[i * v.cols + j]! - (i === j ? 1 : 0)));
  return e;
}
