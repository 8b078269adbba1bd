import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { eigvalsh } from './eigh.js';
import { gram64 } from './gram64.js';
import { matrix64 } from './matrix64.js';
import { randomNormal64 } from './test-support/random-matrices.js';
import { setWasmKernelsEnabled } from './wasm-kernels.js';

/** Sylvester-Hadamard entry H[i][j] = (-1)^popcount(i & j): rows are exactly orthogonal ±1 vectors. */
const hadamard = (i: number, j: number) => {
  let b = i & j;
  let parity = 0;
  while (b) {
    parity ^= b & 1;
    b >>= 1;
  }
  return parity ? -1 : 1;
};

/**
 * A = (1/32) H₁₆ diag(σ) H₆₄[0:16, :] with σ_k = 2^(-e_k): singular values exactly σ_k (H₁₆/4 and
 * H₆₄'s rows/8 are orthonormal, and 4·8 = 32), from 1 down to 2⁻²⁰ ≈ 9.5e-7, so A Aᵀ has eigenvalues
 * σ_k² from 1 down to 2⁻⁴⁰ ≈ 9.1e-13 (the NTK's range, PAPER.md). Every entry is a signed sum of
 * distinct powers of two between 2⁻²⁵ and 2⁻⁵ (21 bits), so A is exact in float32: the known
 * eigenvalues are those of the float32 matrix itself, not of something it approximates.
 */
const EXPONENTS = [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20];
const N = 16;
const P = 64;
function exactFloat32Matrix(): { a: Float32Array; lambda: number[] } {
  const a = new Float32Array(N * P);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < P; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += hadamard(i, k) * 2 ** -EXPONENTS[k]! * hadamard(k, j);
      a[i * P + j] = s / 32;
      if (a[i * P + j] !== s / 32) throw new Error('construction is not exact in float32');
    }
  }
  return { a, lambda: EXPONENTS.map((e) => 2 ** (-2 * e)).sort((x, y) => y - x) };
}

/**
 * The independent reference: `Σ_k a_ik a_jk` summed in column order in float64, and `Σ_k |a_ik a_jk|`,
 * the scale of its rounding (products of float32 numbers are exact in float64).
 */
function plainSum(a: Float32Array, p: number, i: number, j: number): { s: number; m: number } {
  let s = 0;
  let m = 0;
  for (let k = 0; k < p; k++) {
    s += a[i * p + k]! * a[j * p + k]!;
    m += Math.abs(a[i * p + k]! * a[j * p + k]!);
  }
  return { s, m };
}

describe('gram64', () => {
  it('recovers eigenvalues down to 1e-12 of the largest that a float32 Gram loses', () => {
    const { a, lambda } = exactFloat32Matrix();
    const g64 = gram64(a, N, P);
    // In float64 the Gram is exact here (products of two 21-bit entries need 42 bits, sums of 64 of
    // them 48 ≤ 53), so the only error is eigh's, O(n·u·λ_max) ≈ 16·1.1e-16 ≈ 2e-15 absolute; the
    // smallest eigenvalue 9.1e-13 keeps at least two digits. 1e-2 relative is the bound asserted.
    const values64 = eigvalsh(g64);
    const rel64 = Array.from(values64, (v, i) => Math.abs(v - lambda[i]!) / lambda[i]!);
    expect(Math.max(...rel64)).toBeLessThan(1e-2);

    // The same Gram by tfjs's float32 matMul: every entry is rounded to 2⁻²⁴ ≈ 6e-8 of its size, a
    // perturbation of order 1e-8 in norm, more than ten times every eigenvalue below 1e-9 of the
    // largest: those four (2.3e-10 down to 9.1e-13) come out wrong by more than 50% (PAPER.md:
    // float32 loses everything below ~1e-7). Measured: about 100% on the cpu backend, 580% to 3·10⁶ %
    // on the wasm backend.
    const g32 = tf.tidy(() => {
      const t = tf.tensor2d(a, [N, P]);
      return tf.matMul(t, t, false, true);
    });
    const values32 = eigvalsh(matrix64(N, N, Float64Array.from(g32.dataSync())));
    g32.dispose();
    const lost = lambda.map((l, i) => ({ l, rel: Math.abs(values32[i]! - l) / l })).filter(({ l }) => l < 1e-9);
    expect(lost.length).toBe(4);
    for (const { rel } of lost) expect(rel).toBeGreaterThan(0.5);
    // ...while the large ones agree, so the difference is precision, not a different matrix.
    expect(Math.abs(values32[0]! - 1)).toBeLessThan(1e-6);
  });

  it.each([true, false])('matches a plain float64 sum for random data, across panel and tile edges (wasm kernels: %s)', (wasm) => {
    const n = 37;
    const p = 300;
    const a = Float32Array.from(randomNormal64(n, p, 2).data);
    setWasmKernelsEnabled(wasm);
    const g = gram64(a, n, p);
    setWasmKernelsEnabled(true);
    let excess = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const { s, m } = plainSum(a, p, i, j);
        // Products are exact; two summation orders differ by at most 2·p·u·Σ|a_ik a_jk|.
        excess = Math.max(excess, Math.abs(g.data[i * n + j]! - s) / (2 * p * 2 ** -53 * m));
      }
    }
    expect(excess).toBeLessThanOrEqual(1);
    expect(() => gram64(new Float32Array(5), 2, 3)).toThrow(/A has 5 entries; an n × p = 2 × 3 matrix needs 6/);
  });

  it.each([1, 2, 4, 5])('with %i column(s) equals the float64 sum in column order, exactly symmetric', (p) => {
    // 1-4 columns take a plain loop, 5 the kernel: the same numbers either way (within rounding).
    const n = 41;
    const a = Float32Array.from(randomNormal64(n, p, 7).data);
    const g = gram64(a, n, p);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const { s, m } = plainSum(a, p, i, j);
        if (p <= 4) expect(g.data[i * n + j]).toBe(s);
        worst = Math.max(worst, Math.abs(g.data[i * n + j]! - s) / (2 * p * 2 ** -53 * m || 1));
        expect(g.data[i * n + j]).toBe(g.data[j * n + i]);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});
