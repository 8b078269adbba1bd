// The gain-ratio rule on the testkit's least-squares quadratic, where the quadratic model is the
// loss itself (linear model, MSE: Hessian = GGN), so ρ is known: 1.
import { Rng, type StepContext } from '@precond/core';
import { denseCurvatureProvider, leastSquaresInputs, leastSquaresProblem, LEAST_SQUARES_OPTIMUM } from '@precond/testkit';
import { describe, expect, it } from 'vitest';
import { adaptiveDampingOptions, gainRatio, modelOptimalStep, nextDamping } from './index.js';
import { makeKfac, stepContext, withOnes, disposeAfterEachTest } from './test-support/reference.js';

const { track } = disposeAfterEachTest();

const rule = adaptiveDampingOptions.parse({});

/** A step context whose trial losses are `trial(L0, modelChange)` instead of the real ones. */
function withTrialLoss(ctx: StepContext, trial: () => number): StepContext {
  return {
    step: ctx.step,
    model: ctx.model,
    params: ctx.params,
    batch: ctx.batch,
    loss: ctx.loss,
    rng: ctx.rng,
    valueAndGrads: () => ctx.valueAndGrads(),
    lossAt: async () => trial(),
    curvature: () => ctx.curvature(),
  };
}

describe('the quadratic model along the K-FAC direction', () => {
  it('on a quadratic: α* = gᵀd/(dᵀ(F+λI)d), the model change is the true change, ρ = 1', async () => {
    const problem = track(leastSquaresProblem());
    const k = track(makeKfac(problem.model, { damping: 1e-3 }));
    const ctx = track(stepContext(1, problem.model, problem.data, problem.loss, new Rng(0), denseCurvatureProvider()));
    await k.update(ctx);
    const { grads } = ctx.valueAndGrads();
    const d = k.apply(grads);
    const dv = d.flatMap((t) => Array.from(t.dataSync()));
    const lambda = 0.05;
    const model = (await modelOptimalStep(ctx, d, lambda))!;
    const test = await gainRatio(ctx, d, model);
    d.forEach((t) => t.dispose());

    // Independent float64: at θ = 0, f = 0, so ∇L = -(1/4) Ãᵀ y with Ã = [X, 1], y = Ã θ*; F = (1/4) ÃᵀÃ.
    const x = withOnes(leastSquaresInputs().map((row) => row.map(Math.fround)));
    const y = x.map((row) => row.reduce((s, v, j) => s + v * LEAST_SQUARES_OPTIMUM[j]!, 0));
    const g = [0, 1, 2, 3].map((j) => -x.reduce((s, row, i) => s + row[j]! * y[i]!, 0) / 4);
    const fd = [0, 1, 2, 3].map((j) => x.reduce((s, row) => s + row[j]! * row.reduce((t, v, q) => t + v * dv[q]!, 0), 0) / 4);
    const slope = g.reduce((s, v, j) => s + v * dv[j]!, 0);
    const curvature = dv.reduce((s, v, j) => s + v * fd[j]!, 0);
    const squaredNorm = dv.reduce((s, v) => s + v * v, 0);
    // Float32 device dot products against float64 ones: 1e-5 relative.
    expect(model.slope).toBeCloseTo(slope, 5);
    expect(model.curvature).toBeCloseTo(curvature, 5);
    expect(model.squaredNorm).toBeCloseTo(squaredNorm, 5);
    expect(model.alpha).toBeCloseTo(slope / (curvature + lambda * squaredNorm), 5);
    // The loss is its own quadratic model: L(θ - αd) - L(θ) = -α gᵀd + ½α² dᵀFd, so ρ = 1 up to
    // float32 rounding of two losses of order 0.6 whose difference is of order 0.5.
    expect(test.modelChange).toBeCloseTo(-model.alpha * slope + 0.5 * model.alpha ** 2 * curvature, 5);
    expect(Math.abs(test.rho - 1)).toBeLessThan(1e-4);
  });
});

describe('the damping rule (ρ < 1/4: ×increase; ρ > 3/4: ×decrease; else unchanged; within [min, max])', () => {
  it('by hand', () => {
    expect(nextDamping(1, 1e-2, rule)).toBeCloseTo(1e-2 * 0.95 ** 5, 15);
    expect(nextDamping(0.1, 1e-2, rule)).toBeCloseTo(1e-2 / 0.95 ** 5, 15);
    expect(nextDamping(0.5, 1e-2, rule)).toBe(1e-2);
    expect(nextDamping(Number.NaN, 1e-2, rule)).toBeCloseTo(1e-2 / 0.95 ** 5, 15);
    expect(nextDamping(1, 1e-8, rule)).toBe(1e-8);
    expect(nextDamping(-5, 1e4, rule)).toBe(1e4);
  });

  it('inside update(): apply returns α*·d every update; every `every` updates ρ moves λ', async () => {
    const problem = track(leastSquaresProblem());
    const k = track(makeKfac(problem.model, { damping: 0.01, inverseUpdateEvery: 1, adaptiveDamping: { every: 2 } }));
    const plain = track(makeKfac(problem.model, { damping: 0.01, inverseUpdateEvery: 1 }));
    const rng = new Rng(0);
    const metrics: Record<string, number>[] = [];
    // Update 1: α* only ((1 − 0) % 2 ≠ 0). Update 2: the true quadratic, ρ = 1 > 3/4, λ shrinks.
    // Update 4: a trial loss above the current one (ρ < 0 < 1/4), λ grows back.
    for (let u = 1; u <= 4; u++) {
      const ctx = track(stepContext(u, problem.model, problem.data, problem.loss, rng, denseCurvatureProvider()));
      const seen = u === 4 ? withTrialLoss(ctx, () => 10) : ctx;
      metrics.push((await k.update(seen)) as Record<string, number>);
      if (u === 1) {
        // Same λ, same factors: the adaptive direction is the plain one times α*.
        await plain.update(ctx);
        const { grads } = ctx.valueAndGrads();
        const [scaled, unscaled] = [k.apply(grads), plain.apply(grads)];
        const alpha = metrics[0]!['kfac.step_scale']!;
        expect(alpha).toBeGreaterThan(0.5);
        scaled.forEach((t, i) => Array.from(t.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(alpha * unscaled[i]!.dataSync()[j]!, 6)));
        [...scaled, ...unscaled].forEach((t) => t.dispose());
      }
    }
    expect(metrics[0]!['kfac.rho']).toBeUndefined();
    expect(metrics[1]!['kfac.rho']).toBeCloseTo(1, 4);
    expect(metrics[1]!['kfac.damping']).toBeCloseTo(0.01 * 0.95 ** 5, 12);
    expect(metrics[2]!['kfac.damping']).toBe(metrics[1]!['kfac.damping']);
    expect(metrics[3]!['kfac.rho']).toBeLessThan(0);
    expect(metrics[3]!['kfac.damping']).toBeCloseTo(0.01, 12);
  });
});
