import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { denseCurvatureProvider } from '../problems/dense-curvature.js';
import { leastSquaresProblem } from '../problems/least-squares.js';
import { checkBudget, GPU_CHECK_BUDGET } from './budget.js';
import { checkConvergence, type TrainingEnv } from './checks.js';
import { composeTrainer } from './trainer.js';

describe('checkBudget', () => {
  it('keeps the suites’ defaults on cpu and wasm and shrinks them on GPU backends', () => {
    for (const backend of ['cpu', 'wasm', 'tensorflow']) {
      expect(checkBudget(backend)).toMatchObject({ backend, reduced: false, growthSteps: null, determinismSteps: null, settleSteps: null, maxConvergenceSteps: null });
    }
    for (const backend of ['webgpu', 'webgl']) {
      expect(checkBudget(backend)).toEqual({ backend, reduced: true, growthSteps: 12, determinismSteps: 5, settleSteps: 5, maxConvergenceSteps: 200, referenceAgreement: 1e-3 });
    }
    // 12 counted steps after the warm-up step span a whole 10-update period of periodic work.
    expect(GPU_CHECK_BUDGET.growthSteps).toBeGreaterThan(10);
    // The test set-up runs on cpu (or wasm): the active backend's budget is the full one.
    expect(checkBudget().reduced).toBe(false);
  });
});

describe('convergence with settleSteps', () => {
  // Plain gradient descent at η = 1 on the least-squares quadratic: the slowest direction
  // (λ = 0.1) holds 2.167 of the initial distance and keeps 0.9 of it a step; the others die
  // faster (0.7ⁿ and 0ⁿ). 0.9ⁿ · 2.167 ≤ 1e-3 first at n = 73 (0.9⁷² · 2.167 = 1.1e-3).
  const env: TrainingEnv = { makeTrainer: () => composeTrainer({ seed: 0, steps: 200, sgdLearningRate: 1 }), seed: 0, curvature: denseCurvatureProvider() };

  it('stops settleSteps after first coming within tolerance, and reports where', async () => {
    const full = await checkConvergence('convergence-quadratic', env, leastSquaresProblem, { steps: 200, tolerance: 1e-3 });
    expect(full.passed).toBe(true);
    expect(full.details).toMatchObject({ firstStepWithinTolerance: 73 });
    const settled = await checkConvergence('convergence-quadratic', env, leastSquaresProblem, { steps: 200, tolerance: 1e-3, settleSteps: 5 });
    expect(settled.passed).toBe(true);
    // 73 + 5 = 78 steps taken instead of 200; still within tolerance there (0.9⁷⁸ · 2.167 = 5.9e-4).
    expect(settled.details).toMatchObject({ firstStepWithinTolerance: 73, stepsTaken: 78, settleSteps: 5 });
    expect((settled.details as { finalDistance: number }).finalDistance).toBeCloseTo(0.9 ** 78 * 2.167, 4);
    expect(settled.message).toContain('stopped at step 78 of 200');
  });

  it('still fails an iteration that does not reach the tolerance within its steps', async () => {
    // 60 steps leave 0.9⁶⁰ · 2.167 = 3.9e-3 > 1e-3.
    const short = await checkConvergence('convergence-quadratic', env, leastSquaresProblem, { steps: 60, tolerance: 1e-3, settleSteps: 5 });
    expect(short.passed).toBe(false);
    expect((short.details as { finalDistance: number }).finalDistance).toBeCloseTo(0.9 ** 60 * 2.167, 4);
  });
});

describe('convergence capped and compared with a reference backend', () => {
  const backend = tf.getBackend();
  const settings = { steps: 300, tolerance: 1e-3, maxSteps: 20 };

  it('passes when both backends take the same iteration, and says how far apart they ended', async () => {
    const env: TrainingEnv = { makeTrainer: () => composeTrainer({ seed: 0, steps: 20, sgdLearningRate: 1 }), seed: 0, curvature: denseCurvatureProvider() };
    // Against itself the difference is exactly 0.
    const self = await checkConvergence('convergence-quadratic', env, leastSquaresProblem, { ...settings, reference: 'cpu' });
    expect(self.passed, self.message).toBe(true);
    expect(self.details).toMatchObject({ cappedAt: 20, reference: 'cpu', difference: 0 });
    // cpu against wasm: float32 rounding in another order, far below 1e-3 of the distance moved.
    const wasm = await checkConvergence('convergence-quadratic', env, leastSquaresProblem, { ...settings, reference: 'wasm' });
    expect(wasm.passed, wasm.message).toBe(true);
    expect((wasm.details as { relative: number }).relative).toBeLessThan(1e-5);
    expect(tf.getBackend()).toBe(backend);
  });

  it('fails when the reference backend takes a different step', async () => {
    // The trainer is made after the backend switch, so on wasm it steps with η = 1.1 instead of 1.
    // Along the slowest direction (λ = 0.1, 2.167 of the start's distance) 20 steps leave
    // 0.9²⁰ = 0.1216 against 0.89²⁰ = 0.0972 of it: 0.053 apart, after moving about 2.1 (2.345
    // minus 2.167 · 0.1216 along it, the other directions nearly gone): 2.5e-2 of the distance.
    const env: TrainingEnv = {
      makeTrainer: () => composeTrainer({ seed: 0, steps: 20, sgdLearningRate: tf.getBackend() === 'wasm' ? 1.1 : 1 }),
      seed: 0,
      curvature: denseCurvatureProvider(),
    };
    const result = await checkConvergence('convergence-quadratic', env, leastSquaresProblem, { ...settings, reference: 'wasm' });
    expect(result.passed).toBe(false);
    const relative = (result.details as { relative: number }).relative;
    expect(relative).toBeGreaterThan(1.5e-2);
    expect(relative).toBeLessThan(3.5e-2);
    expect(result.message).toContain('the first 20 of 300 steps on');
    expect(tf.getBackend()).toBe(backend);
  });
});
