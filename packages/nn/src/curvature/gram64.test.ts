import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { nnCurvatureProvider } from './context.js';
import { addAffineGram64, addGram64, gram64, mirrorUpperTriangle } from './gram64.js';
import { buildModel, finiteDifferenceJacobian, parameterValues, type LayerSpec } from './test-support/reference-network.js';

/** Plain float64 dot product of rows r and s of a row-major matrix: the reference. */
const rowDot = (m: ArrayLike<number>, cols: number, r: number, s: number) => {
  let sum = 0;
  for (let t = 0; t < cols; t++) sum += m[r * cols + t]! * m[s * cols + t]!;
  return sum;
};

describe('float64 Gram accumulation', () => {
  // 133 rows: more than one 128-row tile, an odd count (a lone last row) and a width that is not a
  // multiple of 4 (the dot-product tail).
  it.each([
    { rows: 133, cols: 7 },
    { rows: 5, cols: 3 },
    { rows: 1, cols: 2 },
  ])('gram64 of a $rows × $cols float32 matrix equals M Mᵀ by plain float64 loops', ({ rows, cols }) => {
    const m = new Rng(1).fill(rows * cols, (r) => r.normal());
    const gram = gram64(m, rows, cols);
    for (let r = 0; r < rows; r++) {
      // Same products, a different summation order: float64 rounding (~1e-15 of values ≤ 30).
      for (let s = 0; s < rows; s++) expect(gram[r * rows + s]).toBeCloseTo(rowDot(m, cols, r, s), 12);
    }
  });

  it('takes mostly-zero matrices column by column with the same result', () => {
    // One non-zero per row among 10 columns (an output layer's G: e_c times a scale):
    // Σ_t nnz_t² ≈ 150²/10 is far under 1/8 of 150²·10, so the sparse path runs.
    const rows = 150;
    const cols = 10;
    const k = 5;
    const rng = new Rng(3);
    const m = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) m[r * cols + rng.int(cols)] = rng.normal();
    // One-column factors, one value a_i per sample (shared by its k rows): weights a_i a_j + 1.
    const a = Array.from({ length: rows / k }, () => Math.fround(rng.uniformIn(-2, 2)));
    const factor = Float32Array.from({ length: rows }, (_, r) => a[Math.floor(r / k)]!);
    const gram = new Float64Array(rows * rows);
    addAffineGram64(gram, { values: factor, rows, cols: 1 }, { values: m, rows, cols }, k, true);
    mirrorUpperTriangle(gram, rows);
    const plain = gram64(m, rows, cols);
    let nonZero = 0;
    for (let r = 0; r < rows; r++) {
      for (let s = 0; s < rows; s++) {
        const dot = rowDot(m, cols, r, s);
        expect(plain[r * rows + s]).toBeCloseTo(dot, 12);
        expect(gram[r * rows + s]).toBeCloseTo((a[Math.floor(r / k)]! * a[Math.floor(s / k)]! + 1) * dot, 12);
        if (dot !== 0) nonZero++;
      }
    }
    // About rows²/10 pairs share their non-zero column: the comparison is not all zeros.
    expect(nonZero).toBeGreaterThan(1000);
  });

  it('resolves what float32 rounds away: ⟨r0, r1⟩ = 1 − 1e-8', () => {
    // Rows [1, e] and [1, -e] with e = fround(1e-4): ⟨r0, r1⟩ = 1 - e², which float64 holds to
    // 1e-16 while float32 (spacing 6e-8 near 1) rounds it to exactly 1.
    const m = Float32Array.from([1, 1e-4, 1, -1e-4]);
    const gram = gram64(m, 2, 2);
    const e = Math.fround(1e-4);
    expect(gram[1]).toBe(1 - e * e);
    expect(Math.fround(1 - e * e)).toBe(1);
  });

  it.each([true, false])('addAffineGram64 equals ((A Aᵀ + bias) ⊗ 1 1ᵀ) ∘ G Gᵀ entry by entry (bias %s)', (hasBias) => {
    // n = 45 samples, k = 3 rows each: m = 135 rows over two tiles. One-hot factors make most
    // sample pairs orthogonal, so without a bias whole tiles have zero weight and are skipped.
    const n = 45;
    const k = 3;
    const d = 6;
    const w = 5;
    const rng = new Rng(2);
    const hot = Array.from({ length: n }, () => rng.int(d));
    const a = new Float32Array(n * k * d);
    hot.forEach((h, i) => {
      for (let c = 0; c < k; c++) a[(i * k + c) * d + h] = 1.5;
    });
    const g = rng.fill(n * k * w, (r) => r.normal());
    const m = n * k;
    const gram = new Float64Array(m * m);
    addAffineGram64(gram, { values: a, rows: m, cols: d }, { values: g, rows: m, cols: w }, k, hasBias);
    mirrorUpperTriangle(gram, m);
    let zeros = 0;
    for (let r = 0; r < m; r++) {
      for (let s = 0; s < m; s++) {
        const i = Math.floor(r / k);
        const j = Math.floor(s / k);
        // ⟨a_i, a_j⟩ = 2.25 when both samples are hot in the same column, else 0.
        const aa = (hot[i] === hot[j] ? 2.25 : 0) + (hasBias ? 1 : 0);
        const expected = aa * rowDot(g, w, r, s);
        if (expected === 0) zeros++;
        expect(gram[r * m + s]).toBeCloseTo(expected, 12);
      }
    }
    // Without the bias most entries vanish (6 columns: about 5/6 of pairs), with it none do.
    if (hasBias) expect(zeros).toBe(0);
    else expect(zeros).toBeGreaterThan(m * m / 2);
  });

  it('addGram64 accumulates onto what is there', () => {
    const m = Float32Array.from([1, 2, 3, 4]);
    const gram = new Float64Array(4).fill(10);
    addGram64(gram, m, 2, 2);
    // Upper triangle: 10 + [1·1 + 2·2, 1·3 + 2·4; ·, 3·3 + 4·4] = [15, 21; ·, 35].
    expect([gram[0], gram[1], gram[3]]).toEqual([15, 21, 35]);
  });
});

describe('a third-party layer with capture rules and no addGram64', () => {
  const SPECS: LayerSpec[] = [
    { kind: 'dense', inputSize: 2, outputSize: 3, activation: 'sin', bias: true },
    { kind: 'gain', width: 3, rules: true },
    { kind: 'dense', inputSize: 3, outputSize: 2, activation: 'identity', bias: false },
  ];
  const XS = [
    [0.3, -0.6],
    [0.9, 0.1],
    [-0.4, -0.8],
  ];

  it('gets its dense Jacobian block from its rules, and its Gram from that block in float64', async () => {
    const model = buildModel(SPECS, 5);
    const x = tf.tensor2d(XS);
    const y = tf.zeros([3, 2]) as tf.Tensor2D;
    const ctx = nnCurvatureProvider().create(model, mseLoss(), { x, y });
    const j = ctx.jacobian().arraySync();
    const fd = finiteDifferenceJacobian(SPECS, parameterValues(model), XS);
    // As in jacobian.test.ts: float64 differences are exact to ~1e-10; float32 rounding < 1e-6.
    fd.forEach((row, r) => row.forEach((e, c) => expect(Math.abs(j[r]![c]! - e)).toBeLessThan(1e-5 * (1 + Math.abs(e)))));
    expect(Math.max(...fd.flat().map(Math.abs))).toBeGreaterThan(0.1);
    const gram = await ctx.gram64();
    const m = 6;
    for (let r = 0; r < m; r++) {
      for (let s = 0; s < m; s++) {
        const expected = j[r]!.reduce((sum, e, t) => sum + e * j[s]![t]!, 0);
        expect(Math.abs(gram[r * m + s]! - expected)).toBeLessThan(1e-6 * (1 + Math.abs(expected)));
      }
    }
    ctx.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
