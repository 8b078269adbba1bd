import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, mseLoss, Rng, type LayerStatistics, type Loss, type Model } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { denseLayer } from '../layers/dense.js';
import { sequentialModel } from '../sequential-model.js';
import { captureLayersByAutodiff } from './capture.js';
import { DEFAULT_JACOBIAN_BUDGET_BYTES, nnCurvatureProvider, type NnCurvatureContext } from './context.js';
import { buildModel, parameterValues, referenceForward, type LayerSpec } from './test-support/reference-network.js';

type Matrix = number[][];

const SPECS: LayerSpec[] = [
  { kind: 'dense', inputSize: 2, outputSize: 5, activation: 'tanh', bias: true },
  { kind: 'dense', inputSize: 5, outputSize: 3, activation: 'identity', bias: true },
  { kind: 'scale', factor: 0.5 },
];
const N = 4;
const K = 3;

function setup(loss: Loss, options: Parameters<typeof nnCurvatureProvider>[0] = {}, specs = SPECS, inputs?: Matrix) {
  const model = buildModel(specs, 21);
  const rng = new Rng(22);
  const xs = inputs ?? Array.from({ length: N }, () => [rng.uniformIn(-1, 1), rng.uniformIn(-1, 1)]);
  // One-hot targets (classes 0, 2, 1, 2): usable by both losses.
  const classes = [0, 2, 1, 2];
  const x = tf.tensor2d(xs);
  const y = tf.tensor2d(classes.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0))));
  const ctx = nnCurvatureProvider(options).create(model, loss, { x, y });
  return {
    model,
    ctx,
    xs,
    classes,
    dispose: () => {
      ctx.dispose();
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

const tangentsOf = (model: Model, seed: number) => {
  const rng = new Rng(seed);
  const tensors = model.params.map((p) => tf.tensor(rng.fill(p.variable.size, (r) => r.normal()), p.variable.shape));
  return { tensors, flat: tensors.flatMap((t) => Array.from(t.dataSync())) };
};

/** `Jᵀ (H J v)` in float64 from the dense float32 J, with `hessian(i)` the k × k block of sample i. */
function denseGgnVector(jacobian: Matrix, v: readonly number[], hessian: (i: number) => Matrix): number[] {
  const jv = jacobian.map((row) => row.reduce((s, e, j) => s + e * v[j]!, 0));
  const hjv = jv.map((_, r) => {
    const i = Math.floor(r / K);
    const c = r % K;
    return hessian(i)[c]!.reduce((s, h, d) => s + h * jv[i * K + d]!, 0);
  });
  return jacobian[0]!.map((_, j) => jacobian.reduce((s, row, r) => s + row[j]! * hjv[r]!, 0));
}

function expectClose(got: readonly number[], expected: readonly number[], relative: number): void {
  expect(got).toHaveLength(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  expect(scale).toBeGreaterThan(0.01);
  got.forEach((g, i) => expect(Math.abs(g - expected[i]!), `entry ${i}: ${g} vs ${expected[i]}`).toBeLessThan(relative * scale));
}

describe('NnCurvatureContext', () => {
  it('gives outputs and the residual f − y of the batch', () => {
    const { model, ctx, xs, classes, dispose } = setup(mseLoss());
    const reference = referenceForward(SPECS, parameterValues(model), xs);
    const outputs = ctx.outputs().arraySync();
    const residual = ctx.residual().arraySync();
    // float32 forward of a 2-5-3 network vs float64: within 1e-6 of values below 2.
    reference.forEach((row, i) =>
      row.forEach((f, c) => {
        expect(outputs[i]![c]).toBeCloseTo(f, 6);
        expect(residual[i]![c]).toBeCloseTo(f - (c === classes[i] ? 1 : 0), 6);
      }),
    );
    dispose();
  });

  it('GGN·v for cross-entropy equals Jᵀ H J v with H_i = diag(p_i) − p_i p_iᵀ built by hand', () => {
    const { model, ctx, dispose } = setup(crossEntropyLoss());
    const v = tangentsOf(model, 30);
    // p_i = softmax(f_i) in float64 from the float32 outputs.
    const outputs = ctx.outputs().arraySync();
    const hessian = (i: number): Matrix => {
      const f = outputs[i]!;
      const top = Math.max(...f);
      const e = f.map((z) => Math.exp(z - top));
      const p = e.map((z) => z / e.reduce((a, b) => a + b, 0));
      return p.map((pc, c) => p.map((pd, d) => (c === d ? pc : 0) - pc * pd));
    };
    const expected = denseGgnVector(ctx.jacobian().arraySync(), v.flat, hessian);
    const got = ctx.ggnVectorProduct(v.tensors).flatMap((t) => Array.from(t.dataSync()));
    // Three float32 stages (J·v, H·, Jᵀ·) over ≤ 33 terms each: error well below 1e-5 of the largest entry.
    expectClose(got, expected, 1e-5);
    tf.dispose(v.tensors);
    dispose();
  });

  it('GGN·v for MSE with scale h equals h·JᵀJ v', () => {
    const { model, ctx, dispose } = setup(mseLoss(0.25));
    const v = tangentsOf(model, 31);
    const identity = (): Matrix => [0, 1, 2].map((c) => [0, 1, 2].map((d) => (c === d ? 0.25 : 0)));
    const expected = denseGgnVector(ctx.jacobian().arraySync(), v.flat, identity);
    expectClose(
      ctx.ggnVectorProduct(v.tensors).flatMap((t) => Array.from(t.dataSync())),
      expected,
      1e-5,
    );
    tf.dispose(v.tensors);
    dispose();
  });

  it('GGN·v takes the [n, k, k] Hessian of a custom loss from loss.outputHessian', () => {
    // ℓ_i = ½ Σ_c w_c (f_ic − y_ic)² with weights w = [1, 2, 3]: H_i = diag(w) for every sample.
    const weights = [1, 2, 3];
    let asked = 0;
    const weighted: Loss = {
      name: 'weighted-squares',
      value: (f, y) => tf.tidy(() => tf.div(tf.sum(tf.mul(tf.mul(tf.square(tf.sub(f, y)), tf.tensor1d(weights)), 0.5)), f.shape[0]) as tf.Scalar),
      outputGradient: (f, y) => tf.tidy(() => tf.mul(tf.sub(f, y), tf.tensor1d(weights)) as tf.Tensor2D),
      outputHessian: (f) => {
        asked++;
        return tf.tidy(() => tf.tile(tf.reshape(tf.diag(tf.tensor1d(weights)), [1, K, K]), [f.shape[0], 1, 1]) as tf.Tensor3D);
      },
    };
    const { model, ctx, dispose } = setup(weighted);
    const v = tangentsOf(model, 32);
    const expected = denseGgnVector(ctx.jacobian().arraySync(), v.flat, () => weights.map((w, c) => weights.map((_, d) => (c === d ? w : 0))));
    expectClose(
      ctx.ggnVectorProduct(v.tensors).flatMap((t) => Array.from(t.dataSync())),
      expected,
      1e-5,
    );
    // The Hessian is memoised for the step: a second product does not ask again.
    tf.dispose(ctx.ggnVectorProduct(v.tensors));
    expect(asked).toBe(1);
    tf.dispose(v.tensors);
    dispose();
  });

  it.each([
    { name: 'tanh, bias, output scale, k = 3', specs: SPECS, xs: undefined },
    {
      name: 'quadratic, no bias, k = 3',
      specs: [
        { kind: 'dense', inputSize: 2, outputSize: 6, activation: 'quadratic', bias: false },
        { kind: 'dense', inputSize: 6, outputSize: 3, activation: 'identity', bias: false },
      ] satisfies LayerSpec[],
      xs: undefined,
    },
    {
      name: 'embedding (2 tokens, one repeated, one shared) → tanh → identity',
      specs: [
        { kind: 'embedding', vocabSize: 5, dim: 3, tokens: 2 },
        { kind: 'dense', inputSize: 6, outputSize: 4, activation: 'tanh', bias: true },
        { kind: 'dense', inputSize: 4, outputSize: 3, activation: 'identity', bias: true },
      ] satisfies LayerSpec[],
      xs: [
        [0, 3],
        [4, 4],
        [2, 0],
        [1, 3],
      ],
    },
  ])('gram64 (structured, float64) equals J Jᵀ from the dense J summed in float64: $name', async ({ specs, xs }) => {
    const { ctx, dispose } = setup(mseLoss(), {}, specs, xs);
    const j = ctx.jacobian().arraySync();
    const m = N * K;
    const gram = await ctx.gram64();
    expect(gram).toBeInstanceOf(Float64Array);
    expect(gram).toHaveLength(m * m);
    let largest = 0;
    for (let r = 0; r < m; r++) {
      for (let s = 0; s < m; s++) {
        // Plain float64 dot product of two rows of the float32 J: the reference.
        const expected = j[r]!.reduce((sum, e, t) => sum + e * j[s]![t]!, 0);
        largest = Math.max(largest, Math.abs(expected));
        // The dense J holds a·g rounded to float32 (relative 6e-8 per entry), the structured route
        // multiplies a and g exactly in float64: they differ by ~1e-7 of Σ|J_rt J_st|.
        expect(Math.abs(gram[r * m + s]! - expected), `K[${r}][${s}]`).toBeLessThan(1e-6 * (1 + Math.abs(expected)));
        expect(gram[r * m + s]).toBe(gram[s * m + r]);
      }
    }
    expect(largest).toBeGreaterThan(0.1);
    dispose();
  });

  it('layerStatistics of one dense layer: inputs [x, 1] and g = scale·(f − y) ⊙ (1 − f²), by hand', () => {
    const scale = 2;
    const model = sequentialModel([denseLayer({ name: 'dense_0', inputSize: 2, outputSize: 2, activation: 'tanh' })], new Rng(0));
    const kernel = [
      [0.5, -1],
      [0.25, 2],
    ];
    const bias = [0.1, -0.2];
    model.params[0]!.variable.assign(tf.tensor2d(kernel));
    model.params[1]!.variable.assign(tf.tensor1d(bias));
    const xs = [
      [1, -0.5],
      [0.25, 0.75],
      [-1, 0.5],
    ];
    const ys = [
      [0, 1],
      [1, 0],
      [0.5, 0.5],
    ];
    const x = tf.tensor2d(xs);
    const y = tf.tensor2d(ys);
    const ctx = nnCurvatureProvider().create(model, mseLoss(scale), { x, y });
    const [stats, ...others] = ctx.layerStatistics();
    expect(others).toEqual([]);
    expect(stats!.layer).toBe('dense_0');
    expect(stats!.params).toEqual(['dense_0/kernel', 'dense_0/bias']);
    // The inputs are the data with a ones column: exact.
    expect(stats!.inputs.arraySync()).toEqual(xs.map((row) => [...row, 1]));
    // ℓ_i = (scale/2)‖f_i − y_i‖², f = tanh(s): ∂ℓ_i/∂s_i = scale·(f_i − y_i) ⊙ (1 − f_i²), in float64.
    const g = stats!.outputGradients.arraySync();
    xs.forEach((row, i) =>
      [0, 1].forEach((q) => {
        const s = row[0]! * kernel[0]![q]! + row[1]! * kernel[1]![q]! + bias[q]!;
        const f = Math.tanh(s);
        // float32 tanh and products: within 1e-6 of values below 4.
        expect(g[i]![q]).toBeCloseTo(scale * (f - ys[i]![q]!) * (1 - f * f), 6);
      }),
    );
    // Summed, not averaged: Σ_i a_i ⊗ g_i is n times the gradient of the mean loss w.r.t. the kernel.
    const [kernelGradient] = tf.grads((w: tf.Tensor) => mseLoss(scale).value(model.applyWith([w, model.params[1]!.variable], x), y))([model.params[0]!.variable]);
    const summed = tf.matMul(x, stats!.outputGradients, true, false);
    const expected = kernelGradient!.arraySync() as Matrix;
    (summed.arraySync() as Matrix).forEach((row, p) => row.forEach((e, q) => expect(e).toBeCloseTo(3 * expected[p]![q]!, 5)));
    // The statistics are memoised.
    expect(ctx.layerStatistics()[0]!.inputs).toBe(stats!.inputs);
    tf.dispose([x, y, kernelGradient!, summed]);
    ctx.dispose();
    model.dispose();
  });

  it('layerStatistics without a bias: the inputs alone', () => {
    const model = sequentialModel([denseLayer({ name: 'd', inputSize: 2, outputSize: 1, bias: false })], new Rng(3));
    const xs = [
      [1, 2],
      [3, 4],
    ];
    const x = tf.tensor2d(xs);
    const y = tf.zeros([2, 1]) as tf.Tensor2D;
    const ctx = nnCurvatureProvider().create(model, mseLoss(), { x, y });
    const [stats] = ctx.layerStatistics();
    expect(stats!.params).toEqual(['d/kernel']);
    expect(stats!.inputs.arraySync()).toEqual(xs);
    // Identity output and MSE: g = f − y = f.
    expect(stats!.outputGradients.arraySync()).toEqual(ctx.outputs().arraySync());
    ctx.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  it.each([
    { name: 'an MLP (from the shared linearisation)', specs: SPECS, xs: undefined },
    {
      name: 'an embedding model (autodiff capture of the repeated batch)',
      specs: [
        { kind: 'embedding', vocabSize: 5, dim: 3, tokens: 2 },
        { kind: 'dense', inputSize: 6, outputSize: 3, activation: 'tanh', bias: true },
      ] satisfies LayerSpec[],
      xs: [
        [0, 3],
        [4, 4],
        [2, 0],
        [1, 3],
      ],
    },
  ])('capture(u, r) has one factor row per sample and r probe rows, equal to a capture of the repeated batch: $name', ({ specs, xs }) => {
    const { model, ctx, xs: inputs, dispose } = setup(mseLoss(), {}, specs, xs);
    const r = 2;
    const rng = new Rng(30);
    const u = tf.tensor2d(rng.fill(N * r * K, (q) => q.normal()), [N * r, K]);
    const capture = (ctx as NnCurvatureContext).capture(u, r);
    // The reference: an autodiff capture of the batch with each row repeated r times in place.
    const repeated = tf.tensor2d(Array.from({ length: N * r }, (_, row) => inputs[Math.floor(row / r)]!));
    const reference = captureLayersByAutodiff(model, model.params.map((p) => p.variable), repeated, u);
    expect(capture.outputs.arraySync()).toEqual(ctx.outputs().arraySync());
    expect(capture.layers.map((entry) => entry.layer.name)).toEqual(reference.layers.map((entry) => entry.layer.name));
    capture.layers.forEach((entry, l) => {
      const other = reference.layers[l]!;
      const wide = other.factor.arraySync();
      expect(entry.factor.shape[0]).toBe(N);
      entry.factor.arraySync().forEach((row, i) => expect(wide[i * r]).toEqual(row));
      expectClose(Array.from(entry.probeGradient.dataSync()), Array.from(other.probeGradient.dataSync()), 1e-5);
    });
    capture.dispose();
    reference.dispose();
    tf.dispose([u, repeated]);
    dispose();
  });

  it('shares one Jacobian, Gram and set of statistics between consumers', async () => {
    const { ctx, dispose } = setup(mseLoss());
    const first = ctx.jacobian();
    expect(ctx.jacobian()).toBe(first);
    expect(await ctx.gram64()).toBe(await ctx.gram64());
    expect(ctx.outputs()).toBe(ctx.outputs());
    expect(ctx.residual()).toBe(ctx.residual());
    expect(ctx.layerStatistics()).toBe(ctx.layerStatistics());
    dispose();
  });

  it('keeps what it returns alive through a caller’s tf.tidy until it is disposed', () => {
    const { ctx, dispose } = setup(mseLoss());
    const jacobian = tf.tidy(() => ctx.jacobian());
    let statistics: readonly LayerStatistics[] = [];
    tf.tidy(() => {
      statistics = ctx.layerStatistics();
    });
    expect(jacobian.isDisposed).toBe(false);
    expect(statistics[0]!.outputGradients.isDisposed).toBe(false);
    expect(ctx.jacobian()).toBe(jacobian);
    dispose();
    expect(jacobian.isDisposed).toBe(true);
    expect(statistics[0]!.inputs.isDisposed).toBe(true);
    expect(() => ctx.jacobian()).toThrow('this curvature context has been disposed: a context lives for one step; ask the provider for a new one');
  });

  it('works at the parameters it was made with, even when the variables change mid-step', () => {
    const { model, ctx, xs, dispose } = setup(mseLoss());
    const reference = referenceForward(SPECS, parameterValues(model), xs);
    model.params.forEach((p) => p.variable.assign(tf.tidy(() => tf.add(p.variable, 1))));
    ctx
      .outputs()
      .arraySync()
      .forEach((row, i) => row.forEach((f, c) => expect(f).toBeCloseTo(reference[i]![c]!, 6)));
    dispose();
  });

  it('refuses a dense Jacobian over its memory budget, naming the size and the budget', () => {
    // P = 2·5 + 5 + 5·3 + 3 = 33; n·k·P·4 = 4·3·33·4 = 1584 bytes > 1000.
    const { ctx, dispose } = setup(mseLoss(), { jacobianBudgetBytes: 1000 });
    expect(() => ctx.jacobian()).toThrow(
      'the dense Jacobian [12, 33] needs 0.0 MiB (n·k·P·4 bytes with n = 4, k = 3, P = 33), over the budget of 0.0 MiB (nnCurvatureProvider option jacobianBudgetBytes); use a matrix-free solver (conjugate gradient on jvp/vjp/ggnVectorProduct) or raise the budget',
    );
    // Matrix-free products still work.
    expect(ctx.jvp(ctx.model.params.map((p) => tf.onesLike(p.variable))).shape).toEqual([N, K]);
    dispose();
    // 1584 bytes fit exactly in a budget of 1584.
    const fits = setup(mseLoss(), { jacobianBudgetBytes: 1584 });
    expect(fits.ctx.jacobian().shape).toEqual([12, 33]);
    fits.dispose();
    expect(DEFAULT_JACOBIAN_BUDGET_BYTES).toBe(512 * 1024 * 1024);
  });

  it('refuses E3 at full size under a 256 MiB budget before allocating anything', () => {
    // E3 (PAPER.md): n = 476 pairs, k = p = 23 outputs, 2p-100-p without biases, P = 46·100 + 100·23 = 6900:
    // n·k·P·4 = 302,164,800 bytes = 288.2 MiB.
    const model = sequentialModel(
      [
        denseLayer({ name: 'dense_0', inputSize: 46, outputSize: 100, activation: 'quadratic', bias: false, kernelInit: 'zeros' }),
        denseLayer({ name: 'dense_1', inputSize: 100, outputSize: 23, bias: false, kernelInit: 'zeros' }),
      ],
      new Rng(0),
    );
    const x = tf.zeros([476, 46]) as tf.Tensor2D;
    const y = tf.zeros([476, 23]) as tf.Tensor2D;
    const ctx = nnCurvatureProvider({ jacobianBudgetBytes: 256 * 2 ** 20 }).create(model, mseLoss(), { x, y });
    const before = tf.memory().numBytes;
    expect(() => ctx.jacobian()).toThrow(
      /^the dense Jacobian \[10948, 6900\] needs 288\.2 MiB \(n·k·P·4 bytes with n = 476, k = 23, P = 6900\), over the budget of 256\.0 MiB/,
    );
    expect(tf.memory().numBytes).toBe(before);
    ctx.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad options, shapes and models, naming what is allowed', () => {
    expect(() => nnCurvatureProvider({ jacobianBudgetBytes: 0 })).toThrow('nnCurvatureProvider: jacobianBudgetBytes must be a finite number of bytes > 0, got 0');
    expect(() => nnCurvatureProvider({ captureStrategy: 'twice' as never })).toThrow("unknown captureStrategy 'twice'; valid strategies: replicate, per-output");
    const { ctx, dispose } = setup(mseLoss());
    const wrong = tf.zeros([N, 2]) as tf.Tensor2D;
    expect(() => ctx.vjp(wrong)).toThrow('vjp: the cotangent must be shaped [4, 3] like the outputs, got [4, 2]');
    expect(() => ctx.jvp([wrong])).toThrow(/jvp: expected 4 tensors, one per parameter \(l0\/kernel, l0\/bias, l1\/kernel, l1\/bias\), got 1/);
    expect(() => ctx.ggnVectorProduct([wrong, wrong, wrong, wrong])).toThrow("ggnVectorProduct: tensor 0 for 'l0/kernel' has shape [4, 2], the parameter is [2, 5]");
    wrong.dispose();
    dispose();
    const foreign: Model = { params: [], apply: (x) => x, applyWith: (_, x) => x, parameterCount: () => 0, dispose: () => undefined };
    const x = tf.zeros([1, 1]) as tf.Tensor2D;
    expect(() => nnCurvatureProvider().create(foreign, mseLoss(), { x, y: x })).toThrow(/needs a model built with sequentialModel \(layers, splitByLayer, forward\)/);
    x.dispose();
  });

  it('leaves no tensors behind across repeated create, use and dispose', async () => {
    const model = buildModel(SPECS, 40);
    const x = tf.randomNormal([N, 2]) as tf.Tensor2D;
    const y = tf.randomNormal([N, K]) as tf.Tensor2D;
    const v = model.params.map((p) => tf.onesLike(p.variable));
    const u = tf.onesLike(y);
    const provider = nnCurvatureProvider();
    const before = tf.memory().numTensors;
    for (const loss of [mseLoss(), crossEntropyLoss(), mseLoss(), crossEntropyLoss()]) {
      const ctx = provider.create(model, loss, { x, y });
      ctx.outputs();
      ctx.residual();
      ctx.jacobian();
      await ctx.gram64();
      // Products belong to the caller (core's contract): free them here.
      ctx.jvp(v).dispose();
      tf.dispose(tf.tidy(() => ctx.vjp(u)));
      tf.dispose(ctx.ggnVectorProduct(v));
      tf.dispose(ctx.ggnVectorProduct(v));
      ctx.layerStatistics();
      // The context holds its results until it is disposed, so the count has grown here.
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      ctx.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, y, u, ...v]);
    model.dispose();
  });
});
