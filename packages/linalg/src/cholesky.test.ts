import { describe, expect, it } from 'vitest';
import { cholesky } from './cholesky.js';
import { matMul64, matrix64FromRows, transpose64, type Matrix64 } from './matrix64.js';
import { randomSpd } from './test-support/random-matrices.js';
import { setWasmKernelsEnabled } from './wasm-kernels.js';

const U = 2 ** -53;

function factor(a: Matrix64, options?: Parameters<typeof cholesky>[1]) {
  const r = cholesky(a, options);
  if (!r.ok) throw new Error(`expected success, failed at pivot ${r.pivot}`);
  return r;
}

describe('cholesky', () => {
  it('factors a 2×2 by hand: [[4,2],[2,3]] = L Lᵀ with L = [[2,0],[1,√2]]', () => {
    // l00 = √4 = 2, l10 = 2/2 = 1, l11 = √(3 - 1²) = √2: every step exact but the last square root.
    const { L, jitter, attempts } = factor(matrix64FromRows([[4, 2], [2, 3]]));
    expect(Array.from(L.data)).toEqual([2, 0, 1, Math.SQRT2]);
    expect([jitter, attempts]).toEqual([0, 1]);
  });

  it.each([
    [1, true],
    [5, true],
    [64, true],
    [65, true],
    [130, true],
    [300, true],
    [130, false],
    [300, false],
  ])('reconstructs L Lᵀ = A for a random SPD matrix, n = %i (wasm kernels: %s)', (n, wasm) => {
    const a = randomSpd(n, n);
    setWasmKernelsEnabled(wasm);
    const { L } = factor(a);
    setWasmKernelsEnabled(true);
    const llt = matMul64(L, transpose64(L));
    let maxDiag = 0;
    for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a.data[i * n + i]!);
    // Higham, Accuracy and Stability Thm 10.3: |A - L Lᵀ| ≤ γ_{n+1} |L||Lᵀ|, and by Cauchy-Schwarz
    // (|L||Lᵀ|)_ij ≤ √(a_ii a_jj) ≤ max diag; γ_{n+1} ≈ (n+1)u, and the check's own product adds
    // as much again.
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(llt.data[i]! - a.data[i]!));
    expect(worst).toBeLessThanOrEqual(2 * (n + 1) * U * maxDiag);
    let upper = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) upper = Math.max(upper, Math.abs(L.data[i * n + j]!));
    expect(upper).toBe(0);
  });

  it('reads only the lower triangle', () => {
    const a = randomSpd(70, 1);
    const garbled = { ...a, data: a.data.slice() };
    for (let i = 0; i < 70; i++) for (let j = i + 1; j < 70; j++) garbled.data[i * 70 + j] = 1e30;
    expect(factor(garbled).L.data).toEqual(factor(a).L.data);
  });

  it('reports the pivot of an indefinite 3×3 matrix (derived by hand)', () => {
    // [[4,2,0],[2,5,3],[0,3,1]]: l00 = 2, l10 = 1, l20 = 0; pivot 1 = 5 - 1 = 4, l11 = 2, l21 = 3/2;
    // pivot 2 = 1 - 0 - (3/2)² = -1.25 < 0, so the failure is at index 2.
    const r = cholesky(matrix64FromRows([[4, 2, 0], [2, 5, 3], [0, 3, 1]]));
    expect(r).toMatchObject({ ok: false, pivot: 2, jitter: 0, attempts: 1 });
  });

  it('reports the pivot across blocks: n = 300 made indefinite at index 200', () => {
    const n = 300;
    const a = randomSpd(n, 7);
    // The leading 200×200 block is untouched, so pivots 0..199 are those of an SPD matrix. Pivot 200
    // is a_200,200 minus a non-negative Schur term, so lowering a_200,200 by 2·a_200,200 makes it < 0.
    a.data[200 * n + 200]! -= 2 * a.data[200 * n + 200]!;
    expect(cholesky(a)).toMatchObject({ ok: false, pivot: 200 });
  });

  // B = [[1,0],[1,1],[0,1],[2,1]] has rank 2, so A = B Bᵀ is PSD and singular. In integers:
  // l00 = 1, l10 = 1, l20 = 0, l30 = 2; pivot 1 = 2 - 1 = 1; l21 = 1, l31 = 1; pivot 2 = 1 - 0 - 1 = 0,
  // exactly, so the unshifted factorisation fails at index 2.
  const singular = matrix64FromRows([
    [1, 1, 0, 2],
    [1, 2, 1, 3],
    [0, 1, 1, 1],
    [2, 3, 1, 5],
  ]);

  it('fails on a singular PSD matrix without jitter and recovers with it, reporting the jitter', () => {
    expect(cholesky(singular)).toMatchObject({ ok: false, pivot: 2 });
    const r = factor(singular, { jitter: true });
    // First retry: ε = 1e-10 (the default initial) times mean(diag) = (1 + 2 + 1 + 5)/4 = 2.25.
    expect(r.relativeJitter).toBe(1e-10);
    expect(r.jitter).toBeCloseTo(2.25e-10, 24);
    expect(r.attempts).toBe(2);
    const llt = matMul64(r.L, transpose64(r.L));
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const want = singular.data[i * 4 + j]! + (i === j ? r.jitter : 0);
        expect(Math.abs(llt.data[i * 4 + j]! - want)).toBeLessThanOrEqual(1e-14 * 5);
      }
    }
  });

  it('gives up once the jitter schedule is spent, reporting the last attempt', () => {
    // Eigenvalues of diag(1, -1) are 1 and -1; no shift up to 1e-4·mean(diag) = 0 helps. Mean diag is
    // 0, so the shift is ε itself. Attempts: unshifted, then ε = 1e-10, 1e-9, ..., 1e-4: 8 in all.
    const r = cholesky(matrix64FromRows([[1, 0], [0, -1]]), { jitter: true });
    expect(r).toMatchObject({ ok: false, pivot: 1, attempts: 8 });
    expect(r.relativeJitter).toBeCloseTo(1e-4, 18);
    const custom = cholesky(matrix64FromRows([[1, 0], [0, -1]]), { jitter: { initial: 1e-3, growth: 100, max: 1e-1 } });
    expect(custom.attempts).toBe(3);
  });

  it('rejects bad input with messages that name the field', () => {
    expect(() => cholesky(matrix64FromRows([[1, 2]]))).toThrow(/cholesky: A must be square, got 1×2/);
    expect(() => cholesky(singular, { jitter: { growth: 1 } })).toThrow(/jitter.growth must be > 1, got 1/);
    expect(() => cholesky(singular, { jitter: { initial: 1, max: 0.5 } })).toThrow(/jitter.max must be ≥ jitter.initial/);
  });
});
