import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { buildMlp } from '../mlp.js';
import { nnCurvatureProvider } from './context.js';
import { addAffineGram64, addGram64, mirrorUpperTriangle, planGram } from './gram64.js';
import { buildModel, finiteDifferenceJacobian, parameterValues, type LayerSpec } from './test-support/reference-network.js';

/** Plain float64 dot product of rows r and s of a row-major matrix: the reference. */
const rowDot = (m: ArrayLike<number>, cols: number, r: number, s: number) => {
  let sum = 0;
  for (let t = 0; t < cols; t++) sum += m[r * cols + t]! * m[s * cols + t]!;
  return sum;
};

/** `M Mᵀ`, both triangles, through `addGram64` onto zeros. */
const gramOf = (m: ArrayLike<number>, rows: number, cols: number) => {
  const gram = new Float64Array(rows * rows);
  addGram64(gram, m, rows, cols);
  mirrorUpperTriangle(gram, rows);
  return gram;
};

/**
 * Largest |computed − reference| over the entries, relative to the largest Σ_t |M_rt M_st| of a
 * weighted entry: the two sum the same exact float64 products in different orders, so they differ
 * by at most ~cols·2⁻⁵³ of it (≈ 1e-14 for cols ≤ 100).
 */
const relativeError = (computed: Float64Array, reference: Float64Array, scale: number) => {
  let worst = 0;
  for (let e = 0; e < reference.length; e++) worst = Math.max(worst, Math.abs(computed[e]! - reference[e]!));
  return worst / scale;
};

describe('float64 Gram accumulation', () => {
  // 133 rows: more than one 128-row tile, an odd count (a lone last row) and a width that is not a
  // multiple of 4 (the dot-product tail).
  it.each([
    { rows: 133, cols: 7 },
    { rows: 5, cols: 3 },
    { rows: 1, cols: 2 },
  ])('addGram64 of a $rows × $cols float32 matrix equals M Mᵀ by plain float64 loops', ({ rows, cols }) => {
    const m = new Rng(1).fill(rows * cols, (r) => r.normal());
    const gram = gramOf(m, rows, cols);
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
    const plain = gramOf(m, rows, cols);
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
    const gram = gramOf(m, 2, 2);
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

  /**
   * The reference: `((A Aᵀ + [bias]) ⊗ 1_k 1_kᵀ) ∘ G Gᵀ` by plain float64 loops over the float32
   * inputs (a_i read from factor row i·k), both triangles, and the scale of its rounding:
   * max over entries of `(Σ|a_i a_j| + [bias]) · Σ|g_r g_s|`.
   */
  const affineReference = (a: Float32Array, g: Float32Array, n: number, k: number, d: number, w: number, bias: boolean) => {
    const m = n * k;
    const gram = new Float64Array(m * m);
    let scale = 0;
    for (let r = 0; r < m; r++) {
      for (let s = 0; s < m; s++) {
        const i = Math.floor(r / k) * k;
        const j = Math.floor(s / k) * k;
        let aa = 0;
        let aaAbs = 0;
        for (let t = 0; t < d; t++) {
          aa += a[i * d + t]! * a[j * d + t]!;
          aaAbs += Math.abs(a[i * d + t]! * a[j * d + t]!);
        }
        let gg = 0;
        let ggAbs = 0;
        for (let t = 0; t < w; t++) {
          gg += g[r * w + t]! * g[s * w + t]!;
          ggAbs += Math.abs(g[r * w + t]! * g[s * w + t]!);
        }
        gram[r * m + s] = (aa + (bias ? 1 : 0)) * gg;
        scale = Math.max(scale, (aaAbs + (bias ? 1 : 0)) * ggAbs);
      }
    }
    return { gram, scale };
  };

  it.each([
    // E1's three layers (1-80-80-1, n = 100): factors x, h₁, h₂ and probe gradients of widths 80, 80, 1.
    { n: 100, k: 1, d: 1, w: 80, bias: true },
    { n: 100, k: 1, d: 80, w: 80, bias: true },
    { n: 100, k: 1, d: 80, w: 1, bias: true },
    // Odd sizes: rows not a multiple of 4 (the register block) or 2 (the SIMD tile), odd widths.
    { n: 101, k: 1, d: 81, w: 83, bias: true },
    { n: 37, k: 1, d: 5, w: 3, bias: false },
    { n: 13, k: 3, d: 7, w: 9, bias: false },
    { n: 21, k: 5, d: 3, w: 65, bias: true },
    { n: 1, k: 1, d: 1, w: 1, bias: true },
  ])('addAffineGram64 on dense random factors equals plain float64 loops to float64 rounding (n $n, k $k, in $d, out $w)', ({ n, k, d, w, bias }) => {
    const rng = new Rng(n * 1000 + d * 10 + w);
    const m = n * k;
    const a = rng.fill(m * d, (r) => r.normal());
    const g = rng.fill(m * w, (r) => r.normal());
    const gram = new Float64Array(m * m);
    addAffineGram64(gram, { values: a, rows: m, cols: d }, { values: g, rows: m, cols: w }, k, bias);
    mirrorUpperTriangle(gram, m);
    const { gram: expected, scale } = affineReference(a, g, n, k, d, w, bias);
    // The same exact float64 products summed in another order: ≤ (d + w)·2⁻⁵³ ≈ 2e-14 of the scale.
    expect(relativeError(gram, expected, scale)).toBeLessThan(1e-13);
    expect(scale).toBeGreaterThan(0.5);
  });

  it.each([false, true])(
    'addAffineGram64 with one-hot factors skips unpaired samples (grouped route) or not (bias: whole route), same values (bias %s)',
    (bias) => {
      // 60 samples of k = 16 rows (m = 960), one-hot over 20 columns: without a bias a sample pairs
      // only with those hot in its column (about 1 in 20), so the grouped route (one sample per group,
      // 16 rows) computes about 1/20 of the products; with it every pair has weight ≥ 1.
      const n = 60;
      const k = 16;
      const d = 20;
      const w = 7;
      const rng = new Rng(11);
      const m = n * k;
      const hot = Array.from({ length: n }, () => rng.int(d));
      const a = new Float32Array(m * d);
      hot.forEach((h, i) => {
        for (let c = 0; c < k; c++) a[(i * k + c) * d + h] = 1.5;
      });
      const g = rng.fill(m * w, (r) => r.normal());
      // The weights ⟨a_i, a_j⟩ + [bias] by hand: 2.25 for the same hot column, else 0.
      const weights = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) weights[i * n + j] = (hot[i] === hot[j] ? 2.25 : 0) + (bias ? 1 : 0);
      expect(planGram(m, weights, k).route).toBe(bias ? 'whole' : 'grouped');
      const gram = new Float64Array(m * m);
      addAffineGram64(gram, { values: a, rows: m, cols: d }, { values: g, rows: m, cols: w }, k, bias);
      mirrorUpperTriangle(gram, m);
      const { gram: expected, scale } = affineReference(a, g, n, k, d, w, bias);
      expect(relativeError(gram, expected, scale)).toBeLessThan(1e-13);
      // Not all zeros off the sample diagonal: some distinct samples share a hot column.
      let pairedEntries = 0;
      for (let r = 0; r < m; r++) for (let s = 0; s < m; s++) if (Math.floor(r / k) !== Math.floor(s / k) && expected[r * m + s] !== 0) pairedEntries++;
      expect(pairedEntries).toBeGreaterThan(m * k);
    },
  );

  it('addGram64 of more rows than a whole temporary Gram takes (2051 × 5) equals plain float64 loops', () => {
    // Above 2048 rows the products go a group of 16 rows at a time (the grouped route).
    const rows = 2051;
    const cols = 5;
    expect(planGram(rows, null, 1).route).toBe('grouped');
    expect(planGram(2048, null, 1).route).toBe('whole');
    const m = new Rng(12).fill(rows * cols, (r) => r.normal());
    const gram = gramOf(m, rows, cols);
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      for (let s = 0; s < rows; s++) worst = Math.max(worst, Math.abs(gram[r * rows + s]! - rowDot(m, cols, r, s)));
    }
    // Five products of normal numbers (|M_rt M_st| ≲ 20): rounding ≲ 5·20·2⁻⁵³ ≈ 1e-14.
    expect(worst).toBeLessThan(1e-12);
    expect(gram[0]).toBeGreaterThan(0.1);
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

describe('the E1 network (1-80-80-1 tanh, 100 points)', () => {
  it('gram64() equals J Jᵀ from the dense J in float64, and repeated contexts leave no tensors behind', async () => {
    const model = buildMlp({ inputSize: 1, outputSize: 1, hidden: [80, 80], activation: 'tanh' }, new Rng(0));
    const x = tf.tidy(() => tf.reshape(tf.linspace(-1, 0.98, 100), [100, 1]) as tf.Tensor2D);
    const y = tf.tidy(() => tf.sin(tf.mul(x, 3 * Math.PI)) as tf.Tensor2D);
    const provider = nnCurvatureProvider();
    const n = 100;
    const reference = provider.create(model, mseLoss(), { x, y });
    const j = reference.jacobian().arraySync();
    const gram = await reference.gram64();
    let largest = 0;
    for (let r = 0; r < n; r++) {
      for (let s = 0; s < n; s++) {
        let expected = 0;
        let scale = 0;
        for (let t = 0; t < j[r]!.length; t++) {
          expected += j[r]![t]! * j[s]![t]!;
          scale += Math.abs(j[r]![t]! * j[s]![t]!);
        }
        largest = Math.max(largest, Math.abs(expected));
        // J holds a·g rounded to float32 (relative 6e-8 per entry); the structured Gram multiplies a
        // and g exactly in float64: they differ by ~1e-7 of Σ|J_rt J_st|.
        expect(Math.abs(gram[r * n + s]! - expected), `K[${r}][${s}]`).toBeLessThan(1e-6 * scale);
        expect(gram[r * n + s]).toBe(gram[s * n + r]);
      }
    }
    expect(largest).toBeGreaterThan(1);
    reference.dispose();
    const before = tf.memory().numTensors;
    for (let step = 0; step < 10; step++) {
      const ctx = provider.create(model, mseLoss(), { x, y });
      // Same parameters, same capture, same float64 arithmetic: the same Gram, bit for bit.
      expect(await ctx.gram64()).toEqual(gram);
      ctx.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, y]);
    model.dispose();
  });
});
