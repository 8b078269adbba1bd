import * as tf from '@tensorflow/tfjs-core';
import { identityPreconditioner, type Preconditioner } from '@precond/core';
import { adamw, sgd } from '@precond/optimizer-first-order';
import { denseCurvatureProvider, leastSquaresProblem } from '@precond/testkit';
import { describe, expect, it } from 'vitest';
import { hybrid, lm } from './index.js';
import { flatParameters, optimizerFor, stepOnce } from './test-support/networks.js';

/** The identity preconditioner scaled by `factor`, counting the calls a run makes. */
function countingPreconditioner(factor: number) {
  const calls = { init: 0, update: 0, apply: 0, dispose: 0 };
  const inner = identityPreconditioner();
  const preconditioner: Preconditioner = {
    ...inner,
    init: (params) => {
      calls.init++;
      inner.init(params);
    },
    update: async () => {
      calls.update++;
    },
    apply: (grads) => {
      calls.apply++;
      return grads.map((g) => tf.mul(g, factor));
    },
    dispose: () => {
      calls.dispose++;
    },
  };
  return { preconditioner, calls };
}

describe('hybrid', () => {
  it('runs `first` for switchAt steps, then `then`, with diagnostics prefixed by the phase', async () => {
    const problem = leastSquaresProblem();
    const optimizer = optimizerFor(hybrid({ first: lm({ mu: 1e-3 }), then: adamw({ lr: 1e-3 }), switchAt: 2 }), problem.model);
    const infos = [];
    for (let s = 1; s <= 4; s++) infos.push((await stepOnce(optimizer, problem.model, problem.data, problem.loss, s, denseCurvatureProvider())).info!);
    expect(infos.map((i) => i.phase)).toEqual(['first', 'first', 'then', 'then']);
    expect(infos[0]).toMatchObject({ 'first.mu': 1e-3, 'first.solver': 'residual', 'first.lr': 1 });
    expect(Object.keys(infos[2]!).every((k) => k === 'phase' || k.startsWith('then.'))).toBe(true);
    const state = optimizer.getState();
    expect(state).toMatchObject({ phase: 'then', steps: 4 });
    // AdamW's own count starts at the switch: two updates.
    expect((state.then as { count: number }).count).toBe(2);
    optimizer.dispose();
    problem.dispose();
  });

  it("gives both phases the run's preconditioner, and disposes it once", async () => {
    // A preconditioner that zeroes every direction: SGD around it cannot move the parameters.
    const { preconditioner, calls } = countingPreconditioner(0);
    const problem = leastSquaresProblem();
    const optimizer = optimizerFor(hybrid({ first: sgd({ lr: 0.5 }), then: sgd({ lr: 0.5 }), switchAt: 1 }), problem.model, preconditioner);
    for (let s = 1; s <= 3; s++) await stepOnce(optimizer, problem.model, problem.data, problem.loss, s, denseCurvatureProvider());
    // Both SGDs init the preconditioner they own; every step applied it; nothing moved.
    expect(calls.init).toBe(2);
    expect(calls.apply).toBe(3);
    expect(Array.from(await flatParameters(problem.model))).toEqual([0, 0, 0, 0]);
    optimizer.dispose();
    expect(calls.dispose).toBe(1);
    problem.dispose();
  });

  it('the LM → SGD recipe: LM reaches the least-squares solution, SGD stays there', async () => {
    const problem = leastSquaresProblem();
    const optimizer = optimizerFor(hybrid({ first: lm({ mu: 1e-6 }), then: sgd({ lr: 0.5 }), switchAt: 1 }), problem.model);
    for (let s = 1; s <= 5; s++) await stepOnce(optimizer, problem.model, problem.data, problem.loss, s, denseCurvatureProvider());
    // One LM step lands on θ* (theory.test.ts); SGD's gradient there is ≈ 0.
    expect(await problem.distanceToOptimum()).toBeLessThan(1e-4);
    optimizer.dispose();
    problem.dispose();
  });
});
