import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, type ActivationName } from '../activation.js';
import { captureJacobian } from './capture.js';
import { nnCurvatureProvider } from './context.js';
import { jacobianFromCapture } from './jacobian.js';
import { buildModel, finiteDifferenceJacobian, parameterValues, referenceForward, type LayerSpec } from './test-support/reference-network.js';

type Matrix = number[][];

const uniformRows = (rng: Rng, n: number, width: number): Matrix =>
  Array.from({ length: n }, () => Array.from({ length: width }, () => rng.uniformIn(-1, 1)));

/** Outputs-shaped zeros: the loss plays no part in J, J·v or Jᵀ·u. */
function contextFor(specs: readonly LayerSpec[], seed: number, xs: Matrix, options: Parameters<typeof nnCurvatureProvider>[0] = {}) {
  const model = buildModel(specs, seed);
  const k = referenceForward(specs, parameterValues(model), xs)[0]!.length;
  const x = tf.tensor2d(xs);
  const y = tf.zeros([xs.length, k]) as tf.Tensor2D;
  const ctx = nnCurvatureProvider(options).create(model, mseLoss(), { x, y });
  return {
    model,
    ctx,
    k,
    dispose: () => {
      ctx.dispose();
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

/** Random parameter-shaped tangents, and the same numbers flattened in parameter order. */
function randomTangents(model: ReturnType<typeof buildModel>, rng: Rng): { tensors: tf.Tensor[]; flat: number[] } {
  const tensors = model.params.map((p) => tf.tensor(rng.fill(p.variable.size, (r) => r.normal()), p.variable.shape));
  return { tensors, flat: tensors.flatMap((t) => Array.from(t.dataSync())) };
}

const maxAbs = (m: Matrix) => Math.max(...m.flat().map(Math.abs));
const matVec = (m: Matrix, v: readonly number[]) => m.map((row) => row.reduce((sum, e, j) => sum + e * v[j]!, 0));

/** A dense E1-like trunk with activation `act` in every layer: 2 → 4 → 3 → k. */
const withBias = (act: ActivationName): LayerSpec[] => [
  { kind: 'dense', inputSize: 2, outputSize: 4, activation: act, bias: true },
  { kind: 'dense', inputSize: 4, outputSize: 3, activation: act, bias: true },
  { kind: 'dense', inputSize: 3, outputSize: 3, activation: 'identity', bias: true },
  { kind: 'scale', factor: 0.5 },
];
/** No biases, one output, the activation on the output layer too: 3 → 5 → 1. */
const withoutBias = (act: ActivationName): LayerSpec[] => [
  { kind: 'dense', inputSize: 3, outputSize: 5, activation: act, bias: false },
  { kind: 'dense', inputSize: 5, outputSize: 1, activation: act, bias: false },
];
const EMBEDDING: LayerSpec[] = [
  { kind: 'embedding', vocabSize: 5, dim: 3, tokens: 2 },
  { kind: 'dense', inputSize: 6, outputSize: 4, activation: 'tanh', bias: true },
  { kind: 'dense', inputSize: 4, outputSize: 3, activation: 'identity', bias: true },
];
// Token ids: sample 1 repeats a token (its block sums two one-hot rows), samples 0 and 3 share one.
const TOKENS: Matrix = [
  [0, 3],
  [4, 4],
  [2, 0],
  [1, 3],
];
/** A third-party layer without curvature rules between two dense layers. */
const WITH_GAIN: LayerSpec[] = [
  { kind: 'dense', inputSize: 2, outputSize: 4, activation: 'tanh', bias: true },
  { kind: 'gain', width: 4 },
  { kind: 'dense', inputSize: 4, outputSize: 2, activation: 'identity', bias: true },
];

const CASES: { name: string; specs: LayerSpec[]; inputs: (rng: Rng) => Matrix }[] = [
  ...ACTIVATION_NAMES.flatMap((act) => [
    { name: `${act}, bias, output scale 0.5, k = 3`, specs: withBias(act), inputs: (rng: Rng) => uniformRows(rng, 4, 2) },
    { name: `${act}, no bias, k = 1`, specs: withoutBias(act), inputs: (rng: Rng) => uniformRows(rng, 4, 3) },
  ]),
  { name: 'embedding (2 tokens) → tanh → identity, k = 3', specs: EMBEDDING, inputs: () => TOKENS },
];

describe('dense per-sample Jacobian', () => {
  it.each(CASES)('equals float64 central differences column by column: $name', ({ specs, inputs }) => {
    const xs = inputs(new Rng(11));
    const { model, ctx, k, dispose } = contextFor(specs, 3, xs);
    const margins: number[] = [];
    const params = parameterValues(model);
    referenceForward(specs, params, xs, margins);
    // relu is differentiable only away from 0: every pre-activation here is at least 1e-3 from it,
    // 100× the finite-difference step, so neither the differences nor float32 rounding cross it.
    if (margins.length > 0) expect(Math.min(...margins)).toBeGreaterThan(1e-3);

    const jacobian = ctx.jacobian();
    expect(jacobian.shape).toEqual([xs.length * k, model.parameterCount()]);
    const got = jacobian.arraySync();
    const expected = finiteDifferenceJacobian(specs, params, xs);
    // The differences are exact to ~1e-10 (float64, h = 1e-5: see finiteDifferenceJacobian), so
    // the tolerance is float32's: each entry is a product of at most six factors, each from a
    // few rounded float32 ops (relative 6e-8 each), below 1e-6 relative; 1e-5·(1 + |J|) leaves
    // room, while a wrong rule (a missing φ', a transposed index) errs by O(|J|).
    expected.forEach((row, r) =>
      row.forEach((e, c) => expect(Math.abs(got[r]![c]! - e), `J[${r}][${c}]: ${got[r]![c]} vs ${e}`).toBeLessThan(1e-5 * (1 + Math.abs(e)))),
    );
    // A Jacobian this large cannot pass by being zero.
    expect(maxAbs(expected)).toBeGreaterThan(0.1);
    dispose();
  });

  it('is the same with one capture per output as with the replicated batch', () => {
    const xs = uniformRows(new Rng(4), 5, 2);
    const { model, ctx, k, dispose } = contextFor(withBias('tanh'), 8, xs);
    const values = model.params.map((p) => p.variable);
    const x = tf.tensor2d(xs);
    const perOutput = captureJacobian(model, values, x, k, 'per-output');
    const separate = jacobianFromCapture(perOutput);
    const a = ctx.jacobian().dataSync();
    const b = separate.dataSync();
    // The same float32 ops on the same numbers, row by row; allow the last bit of matMul ordering.
    b.forEach((v, i) => expect(Math.abs(v - a[i]!)).toBeLessThan(1e-6 * (1 + Math.abs(a[i]!))));
    expect(() => captureJacobian(model, values, x, k, 'twice' as never)).toThrow("captureJacobian: unknown strategy 'twice'; valid strategies: replicate, per-output");
    perOutput.dispose();
    tf.dispose([separate, x]);
    dispose();
  });
});

describe('J·v and Jᵀ·u', () => {
  it.each([
    { name: 'quadratic, bias, scale, k = 3', specs: withBias('quadratic'), xs: uniformRows(new Rng(5), 4, 2) },
    { name: 'embedding', specs: EMBEDDING, xs: TOKENS },
  ])('J·v by forward mode equals the dense J times v: $name', ({ specs, xs }) => {
    const { model, ctx, dispose } = contextFor(specs, 6, xs);
    const v = randomTangents(model, new Rng(7));
    const expected = matVec(ctx.jacobian().arraySync(), v.flat);
    const got = Array.from(ctx.jvp(v.tensors).dataSync());
    expect(got).toHaveLength(expected.length);
    // Two float32 evaluations of Σ_j J_rj v_j over ≤ 40 terms of size ≤ 10: rounding ≲ 1e-5.
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    got.forEach((g, r) => expect(Math.abs(g - expected[r]!)).toBeLessThan(1e-5 * (1 + scale)));
    tf.dispose(v.tensors);
    dispose();
  });

  it.each([
    { name: 'sin, bias, scale, k = 3', specs: withBias('sin'), xs: uniformRows(new Rng(1), 4, 2) },
    { name: 'embedding', specs: EMBEDDING, xs: TOKENS },
    { name: 'a layer without rules (double-VJP)', specs: WITH_GAIN, xs: uniformRows(new Rng(2), 4, 2) },
  ])('⟨J v, u⟩ = ⟨v, Jᵀ u⟩ to float32 precision: $name', ({ specs, xs }) => {
    const { model, ctx, k, dispose } = contextFor(specs, 9, xs);
    const rng = new Rng(10);
    const v = randomTangents(model, rng);
    const u = tf.tensor2d(rng.fill(xs.length * k, (r) => r.normal()), [xs.length, k]);
    const jv = ctx.jvp(v.tensors).dataSync();
    const uValues = u.dataSync();
    const jtu = ctx.vjp(u).flatMap((t) => Array.from(t.dataSync()));
    const terms = Array.from(jv, (e, i) => e * uValues[i]!);
    const right = jtu.map((e, i) => e * v.flat[i]!);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    // Each side is a float32 sum; its rounding is below 1e-6 of the sum of |terms|.
    const size = sum(terms.map(Math.abs)) + sum(right.map(Math.abs));
    expect(size).toBeGreaterThan(1);
    expect(Math.abs(sum(terms) - sum(right))).toBeLessThan(1e-5 * size);
    tf.dispose([...v.tensors, u]);
    dispose();
  });

  it('takes J·v and Jᵀ·u through a layer without rules, and refuses its dense Jacobian by name', async () => {
    const xs = uniformRows(new Rng(3), 3, 2);
    const { model, ctx, dispose } = contextFor(WITH_GAIN, 12, xs);
    const rng = new Rng(13);
    const v = randomTangents(model, rng);
    // Reference: the float64 central-difference Jacobian of the float64 network, times v.
    const fd = finiteDifferenceJacobian(WITH_GAIN, parameterValues(model), xs);
    const expected = matVec(fd, v.flat);
    const got = Array.from(ctx.jvp(v.tensors).dataSync());
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    got.forEach((g, r) => expect(Math.abs(g - expected[r]!)).toBeLessThan(1e-5 * (1 + scale)));
    // Jᵀ·u with u = e_0 for sample 0 is row 0 of J.
    const u = tf.tensor2d([
      [1, 0],
      [0, 0],
      [0, 0],
    ]);
    const row = ctx.vjp(u).flatMap((t) => Array.from(t.dataSync()));
    row.forEach((e, j) => expect(Math.abs(e - fd[0]![j]!)).toBeLessThan(1e-5 * (1 + Math.abs(fd[0]![j]!))));
    const noRules = /layer 'l1' \(kind 'gain'\) has parameters but no capture rules \(layer\.curvature\.capture\), so a dense Jacobian cannot be formed; .*matrix-free solver/;
    expect(() => ctx.jacobian()).toThrow(noRules);
    await expect(ctx.gram64()).rejects.toThrow(/layer 'l1' \(kind 'gain'\) .* so the float64 Gram J Jᵀ cannot be formed/);
    // Layer statistics need only the affine layers, which are captured around it.
    expect(ctx.layerStatistics().map((s) => s.layer)).toEqual(['l0', 'l2']);
    tf.dispose([...v.tensors, u]);
    dispose();
  });
});
