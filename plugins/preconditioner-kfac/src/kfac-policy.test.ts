// The failure policy (skip the update, keep the last good inverse, say so) and the fallback rule
// for parameters outside every Kronecker block.
import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng, type Loss, type State } from '@precond/core';
import { denseLayer, sequentialModel, type Layer } from '@precond/nn';
import { denseCurvatureProvider, FunctionModel, leastSquaresInputs, leastSquaresProblem } from '@precond/testkit';
import { describe, expect, it } from 'vitest';
import { encodeFloat64 } from './index.js';
import { directionOn, factorTolerance, flat, makeKfac, meanOuter, normals, relativeError, stepContext, updateOn, withOnes, disposeAfterEachTest } from './test-support/reference.js';

const { track, tensor, linearModel } = disposeAfterEachTest();

/** A 2 → 1 linear layer with a bias. */
const linear = () => linearModel(2, 1, 1);

describe('failed updates', () => {
  it('NaN statistics: the factor update is skipped, the last inverse kept, and the diagnostics say so', async () => {
    const model = linear();
    const rng = new Rng(2);
    const x = tensor(normals(rng, 6, 2));
    const good = { x, y: tensor(normals(rng, 6, 1)) };
    // A NaN target makes the empirical cotangent ∂ℓ/∂f = f − y, hence G, NaN.
    const poisoned = { x, y: tensor([[Number.NaN], [0], [0], [0], [0], [0]]) };
    const k = track(makeKfac(model, { estimation: 'empirical', inverseUpdateEvery: 1 }));
    const before = await directionOn(k, 1, model, good, mseLoss(), rng);
    const factors = (await k.inspect()).blocks[0]!.factors!;

    const metrics = await updateOn(k, 2, model, poisoned, mseLoss(), rng);
    expect(metrics['kfac.inverse_failures']).toBe(1);
    expect(metrics['kfac.warning']).toBe(1);
    expect(metrics['kfac.warning.dense.non_finite_statistics']).toBe(1);
    const after = (await k.inspect()).blocks[0]!;
    expect(after.factors).toEqual(factors);
    expect(after.factorUpdates).toBe(1);

    // The same gradient gets the same direction: the inverse of update 1 (recomputed at update 2
    // from the unchanged factors) is still the one in use.
    const again = await directionOn(k, 3, model, good, mseLoss(), rng);
    expect(again.direction).toEqual(before.direction);
    expect(again.metrics['kfac.inverse_failures']).toBe(1);
    expect(again.metrics['kfac.warning']).toBeUndefined();
  });

  // A layer whose ReLUs never fire (bias −100): its outputs do not reach the loss, so G = 0, and
  // the layer after it sees only zeros, so its A = diag(0, 0, 0, 1) (the ones column). With λ = 0
  // the first block's damped factor is exactly 0 (the zero case of π-damping: `√λ I`), singular
  // for either method; the second block's A is singular too.
  const deadModel = () =>
    track(
      sequentialModel(
        [
          denseLayer({ name: 'dead', inputSize: 2, outputSize: 3, activation: 'relu', biasInit: (shape) => new Float32Array(shape[0]!).fill(-100) }),
          denseLayer({ name: 'out', inputSize: 3, outputSize: 1 }),
        ],
        new Rng(3),
      ),
    );

  it('a singular factor with cholesky: refused (identity, nothing before it) or rescued by the jitter, and reported', async () => {
    const model = deadModel();
    const rng = new Rng(4);
    const batch = { x: tensor(normals(rng, 5, 2)), y: tensor(normals(rng, 5, 1)) };
    const k = track(makeKfac(model, { inverse: 'cholesky', damping: 0 }));
    const { metrics, grads, direction } = await directionOn(k, 1, model, batch, mseLoss(), rng);
    expect(metrics['kfac.warning.dead.singular_factor']).toBe(1);
    expect(metrics['kfac.inverse_failures']).toBe(1);
    // No inverse before: the dead layer's gradient passes unchanged (all zeros here).
    expect(direction[0]).toEqual(grads[0]);
    expect(direction[1]).toEqual(grads[1]);
    // `out`'s A = diag(0, 0, 0, 1) fails the plain Cholesky at pivot 0; linalg's first jitter,
    // 1e-10·mean(diag A), factors it, and the jitter is reported.
    expect(metrics['kfac.jitter.out']).toBe(1e-10);
    expect((await k.inspect()).blocks[1]!.inverses).not.toBeNull();
  });

  it('the same singular factors with eigh: both refused (a damped eigenvalue 0 ≤ n·2⁻⁵²·largest)', async () => {
    const model = deadModel();
    const rng = new Rng(4);
    const k = track(makeKfac(model, { inverse: 'eigh', damping: 0 }));
    const metrics = await updateOn(k, 1, model, { x: tensor(normals(rng, 5, 2)), y: tensor(normals(rng, 5, 1)) }, mseLoss(), rng);
    expect(metrics['kfac.warning.dead.singular_factor']).toBe(1);
    expect(metrics['kfac.warning.out.singular_factor']).toBe(1);
    expect(metrics['kfac.inverse_failures']).toBe(2);
    expect((await k.inspect()).blocks.map((b) => b.inverses)).toEqual([null, null]);
  });

  it('a factor Cholesky cannot factor even with jitter (an indefinite factor from a corrupted checkpoint) keeps the last inverse', async () => {
    // Factors are Gram matrices (PSD) and the jitter rescues any PSD matrix, so only a factor that
    // is not PSD fails Cholesky outright; it can only come from outside, e.g. a damaged checkpoint.
    const model = linear();
    const rng = new Rng(5);
    const batch = { x: tensor(normals(rng, 6, 2)), y: tensor(normals(rng, 6, 1)) };
    const k = track(makeKfac(model, { inverse: 'cholesky', factorUpdateEvery: 2, inverseUpdateEvery: 1 }));
    const before = await directionOn(k, 1, model, batch, mseLoss(), rng);
    const state = k.getState();
    const blocks = state.blocks as Record<string, State>;
    // Eigenvalues 4, −2, 1: the π-shift (≈ 0.03) and the largest jitter (1e-4·mean diag) cannot fix −2.
    const indefinite = encodeFloat64(Float64Array.of(1, 3, 0, 3, 1, 0, 0, 0, 1), [3, 3]);
    k.setState({ ...state, blocks: { ...blocks, '0': { ...blocks['0']!, a: indefinite } } });
    // Update 2: no factor update (period 2), an inverse update (period 1) from the bad factor.
    const after = await directionOn(k, 2, model, batch, mseLoss(), rng);
    expect(after.metrics['kfac.warning.dense.singular_factor']).toBe(1);
    expect(after.metrics['kfac.inverse_failures']).toBe(1);
    expect(after.direction).toEqual(before.direction);
  });
});

describe('fallback for parameters outside every Kronecker block', () => {
  /** A layer K-FAC does not know: `y = x ⊙ w`, no curvature rules. */
  const gate: Layer = {
    name: 'gate',
    kind: 'gate',
    params: [{ name: 'weights', shape: [3], init: () => Float32Array.of(0.5, -1, 2) }],
    forward: (params, input) => tf.mul(input, params[0]!),
  };
  const model = () => track(sequentialModel([gate, denseLayer({ name: 'dense', inputSize: 3, outputSize: 1, kernelInit: 'normal' })], new Rng(7)));

  it('is reported in the first update and by inspect(); identity passes the gradient unchanged', async () => {
    const m = model();
    const rng = new Rng(8);
    const k = track(makeKfac(m, { fallback: 'identity' }));
    const { metrics, grads, direction } = await directionOn(k, 1, m, { x: tensor(normals(rng, 6, 3)), y: tensor(normals(rng, 6, 1)) }, mseLoss(), rng);
    expect(metrics['kfac.blocks']).toBe(1);
    expect(metrics['kfac.fallback_params']).toBe(1);
    expect(metrics['kfac.fallback.gate/weights']).toBe(1);
    const info = (await k.inspect()).blocks.find((b) => b.kind === 'fallback')!;
    expect(info.params).toEqual(['gate/weights']);
    expect(info.rule).toBe('identity');
    expect(info.reason).toMatch(/layer 'gate' of kind 'gate' has no capture rules/);
    expect(direction[0]).toEqual(grads[0]);
    expect(direction[1]).not.toEqual(grads[1]);
  });

  it('diagonal scales by (D + λ)^(-1/2) with D the moving average of g ⊙ g (the first update: D = g²)', async () => {
    const m = model();
    const rng = new Rng(8);
    const k = track(makeKfac(m, { fallback: 'diagonal', damping: 1e-2 }));
    const { grads, direction } = await directionOn(k, 1, m, { x: tensor(normals(rng, 6, 3)), y: tensor(normals(rng, 6, 1)) }, mseLoss(), rng);
    const expected = Array.from(grads[0]!, (g) => g / Math.sqrt(g * g + 1e-2));
    expect(relativeError(direction[0]!, expected)).toBeLessThan(1e-6);
  });
});

describe('models that are not sequentialModels (layerStatistics only)', () => {
  it('ggn reads G from the bias block of Jᵀ H J: the least-squares layer gets A = (1/4)[X, 1]ᵀ[X, 1] and G = h = 1', async () => {
    const problem = track(leastSquaresProblem());
    const k = track(makeKfac(problem.model));
    const ctx = stepContext(1, problem.model, problem.data, problem.loss, new Rng(0), denseCurvatureProvider());
    const metrics = (await k.update(ctx)) as Record<string, number>;
    ctx.dispose();
    expect(metrics['kfac.blocks']).toBe(1);
    const block = (await k.inspect()).blocks[0]!;
    expect((await k.inspect()).source).toBe('statistics');
    const x = leastSquaresInputs().map((row) => row.map(Math.fround));
    expect(relativeError(block.factors!.a, flat(meanOuter(withOnes(x), 4)))).toBeLessThan(factorTolerance());
    expect(block.factors!.g[0]).toBeCloseTo(1, 6);
  });

  it('fisher (needs capture) and ggn on a layer without a bias fall back, each with its reason', async () => {
    const problem = track(leastSquaresProblem());
    const fisher = track(makeKfac(problem.model, { estimation: 'fisher' }));
    const ctx = stepContext(1, problem.model, problem.data, problem.loss, new Rng(0), denseCurvatureProvider());
    const metrics = (await fisher.update(ctx)) as Record<string, number>;
    ctx.dispose();
    expect(metrics['kfac.fallback_params']).toBe(2);
    expect((await fisher.inspect()).blocks.every((b) => b.kind === 'fallback' && /estimation 'fisher'/.test(b.reason!))).toBe(true);

    const noBias = track(
      new FunctionModel([{ name: 'linear/kernel', shape: [3, 1], initial: [0, 0, 0] }], ([w], x) => tf.matMul(x, w as tf.Tensor2D), [
        { layer: 'linear', params: ['linear/kernel'], inputs: (x) => tf.clone(x) },
      ]),
    );
    const ggn = track(makeKfac(noBias));
    const ctx2 = stepContext(1, noBias, problem.data, problem.loss, new Rng(0), denseCurvatureProvider());
    await ggn.update(ctx2);
    ctx2.dispose();
    expect((await ggn.inspect()).blocks[0]!.reason).toMatch(/has no bias/);
    // The empirical mode needs nothing more than the statistics: a Kronecker block.
    const empirical = track(makeKfac(noBias, { estimation: 'empirical' }));
    const ctx3 = stepContext(1, noBias, problem.data, problem.loss, new Rng(0), denseCurvatureProvider());
    await empirical.update(ctx3);
    ctx3.dispose();
    expect((await empirical.inspect()).blocks[0]!.kind).toBe('dense');
  });

  it('fisher with a loss that has no known predictive distribution is a clear error', async () => {
    const model = linear();
    const mse = mseLoss();
    const custom: Loss = { ...mse, name: 'huber', outputHessian: (pred) => tf.tidy(() => tf.reshape(tf.onesLike(pred), [pred.shape[0], 1, 1]) as tf.Tensor3D) };
    const k = track(makeKfac(model, { estimation: 'fisher' }));
    const rng = new Rng(9);
    await expect(updateOn(k, 1, model, { x: tensor(normals(rng, 3, 2)), y: tensor(normals(rng, 3, 1)) }, custom, rng)).rejects.toThrow(
      /estimation 'fisher' samples targets .* loss 'huber' is neither: use estimation 'ggn' or 'empirical'/,
    );
  });
});
