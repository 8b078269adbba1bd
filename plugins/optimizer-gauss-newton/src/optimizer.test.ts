import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import {
  crossEntropyLoss,
  defineExperiment,
  MemoryRunStore,
  OptionsError,
  parsePluginOptions,
  runVariant,
  type PluginFactory,
  type PluginInstance,
} from '@precond/core';
import { mlp } from '@precond/nn';
import { denseCurvatureProvider, leastSquaresProblem, leastSquaresTask, optionsErrorOf } from '@precond/testkit';
import { describe, expect, it } from 'vitest';
import { gaussNewtonPlugins, ggn, gn, hybrid, lm } from './index.js';
import { flatParameters, optimizerFor, smallNetwork, stepOnce } from './test-support/networks.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

const parse = (plugin: PluginInstance) => parsePluginOptions(plugin, plugin.config, 'optimizer') as Record<string, unknown>;

describe('plugins and options', () => {
  it('are optimizers of this package with ids lm, gn, ggn, hybrid', () => {
    expect(gaussNewtonPlugins.map((p) => p.meta.id)).toEqual(['lm', 'gn', 'ggn', 'hybrid']);
    for (const factory of gaussNewtonPlugins as readonly PluginFactory[]) {
      expect(factory.meta).toMatchObject({ name: pkg.name, version: pkg.version, kind: 'optimizer' });
      // `precond list` prints it: a sentence, not an empty string or the id again.
      expect(factory.meta.description).toMatch(/^\S.* .*\S$/);
      expect(factory.meta.description).not.toBe(factory.meta.id);
    }
    // Each says what that plugin does, so no two are the same.
    expect(new Set(gaussNewtonPlugins.map((p) => p.meta.description)).size).toBe(gaussNewtonPlugins.length);
  });

  it('fill in the documented defaults', () => {
    const common = { lr: 1, solver: 'auto', cg: { maxIterations: 30, tolerance: 1e-6, warmStart: true }, memoryBudgetMiB: 512, lineSearch: null };
    expect(parse(lm())).toEqual({ mu: 0.1, ...common });
    expect(parse(gn())).toEqual({ epsilon: 1e-6, ...common });
    expect(parse(ggn())).toEqual({
      mu: { type: 'adaptive', initial: 1, increase: 2, decrease: 1 / 3, min: 1e-12, max: 1e12, accept: 0, shrinkAbove: 0.75, growBelow: 0.25 },
      ...common,
    });
    // The paper's E1/E5 damping schedule is core's log-linear schedule.
    expect(parse(lm({ mu: { type: 'log-linear', from: 1e-2, to: 1e-4, steps: 500 } })).mu).toEqual({ type: 'log-linear', from: 1e-2, to: 1e-4, steps: 500 });
    expect(parse(lm({ lineSearch: { type: 'backtracking' } })).lineSearch).toEqual({ type: 'backtracking', shrink: 0.5, maxTrials: 10, armijo: 1e-4 });
    const h = parse(hybrid()) as unknown as { first: PluginInstance; then: PluginInstance; switchAt: number };
    expect([h.first.meta.id, h.then.meta.id, h.switchAt]).toEqual(['lm', 'gn', 100]);
  });

  it.each([
    ['negative damping', lm({ mu: -0.1 }), 'optimizer.mu', /must be > 0, got -0\.1/],
    ['zero damping', lm({ mu: 0 }), 'optimizer.mu', /must be > 0, got 0/],
    ['a damping schedule below 0', lm({ mu: { type: 'constant', value: -1 } }), 'optimizer.mu.value', /must be > 0/],
    ['adaptive damping starting below 0', lm({ mu: { type: 'adaptive', initial: -1 } }), 'optimizer.mu.initial', /> ?0/],
    ['adaptive increase ≤ 1', lm({ mu: { type: 'adaptive', increase: 1 } }), 'optimizer.mu.increase', /must be > 1/],
    ['adaptive thresholds crossed', lm({ mu: { type: 'adaptive', growBelow: 0.8 } }), 'optimizer.mu.growBelow', /<= shrinkAbove \(0\.75\)/],
    ['damping of the wrong type', lm({ mu: 'big' as never }), 'optimizer.mu', /number > 0, a schedule .*'adaptive'/],
    ['an unknown solver', lm({ solver: 'lu' as never }), 'optimizer.solver', /"auto"\|"residual"\|"parameter"\|"cg"/],
    ['epsilon ≥ 1', gn({ epsilon: 1 }), 'optimizer.epsilon', /must be < 1/],
    ['a line-search shrink of 1', lm({ lineSearch: { type: 'backtracking', shrink: 1 } }), 'optimizer.lineSearch.shrink', /\(0, 1\)/],
    ['lr 0', gn({ lr: 0 }), 'optimizer.lr', /must be > 0/],
  ])('reject %s, naming the option path', (_name, plugin, path, detail) => {
    const error = optionsErrorOf(plugin, 'optimizer');
    expect(error.path).toBe(path);
    expect(error.message).toContain(`option '${path}' of plugin '${plugin.meta.id}'`);
    expect(error.message).toMatch(detail);
  });

  it("validate a hybrid phase's options when the hybrid registers, under <slot>.first", () => {
    const problem = leastSquaresProblem();
    try {
      const register = () => optimizerFor(hybrid({ first: lm({ mu: -1 }) }), problem.model);
      expect(register).toThrow(OptionsError);
      expect(register).toThrow(/option 'optimizer\.first\.mu' of plugin 'lm'.*must be > 0, got -1/);
    } finally {
      problem.dispose();
    }
  });

  it('rejects unknown options and a hybrid phase that is not an optimizer plugin', () => {
    expect(optionsErrorOf(lm({ damping: 1 } as never), 'optimizer').message).toMatch(/unknown option 'optimizer\.damping'.*its options are: mu, lr, solver/);
    expect(optionsErrorOf(hybrid({ then: mlp() as never }), 'optimizer').message).toMatch(/'optimizer\.then'.*expected an optimizer plugin object/);
  });
});

describe('the step rule on linear least squares', () => {
  // The testkit's problem: f(x) = x W + b, L = (1/8)Σ(f − y)², zero residual at θ*. With μ tiny the
  // LM direction is d = θ₀ − θ* (Gauss-Newton is exact on a linear model), so θ₀ − ηd leaves the
  // error (1 − η)(θ₀ − θ*) and the loss (1 − η)²·L₀.
  async function run(plugin: PluginInstance, steps: number) {
    const problem = leastSquaresProblem();
    const optimizer = optimizerFor(plugin, problem.model);
    const results = [];
    const losses = [];
    for (let s = 1; s <= steps; s++) {
      results.push(await stepOnce(optimizer, problem.model, problem.data, problem.loss, s, denseCurvatureProvider()));
      losses.push(await problem.lossValue());
    }
    const state = optimizer.getState();
    const theta = await flatParameters(problem.model);
    optimizer.dispose();
    problem.dispose();
    return { results, losses, state, theta };
  }

  it('adaptive μ: a step that raises the loss is rejected (parameters unchanged) and μ grows', async () => {
    // η = 3: the trial's error is −2(θ₀ − θ*), loss 4·L₀. The model's predicted decrease
    // (η bᵀd − ½η² dᵀGd)/n = (3 − 4.5)·bᵀd/n < 0, so ρ = −∞: rejected, μ ← 2μ.
    const { results, losses, state, theta } = await run(lm({ mu: { type: 'adaptive', initial: 1e-6 }, lr: 3 }), 1);
    expect(results[0]!.info).toMatchObject({ accepted: 0, mu: 1e-6, lr: 3, rho: Number.NEGATIVE_INFINITY, rejected_steps: 1, solver: 'residual' });
    expect(state.mu).toBe(2e-6);
    expect(Array.from(theta)).toEqual([0, 0, 0, 0]);
    expect(losses[0]).toBeCloseTo(results[0]!.loss, 7);
  });

  it('adaptive μ: a good step is accepted and μ shrinks (ρ ≈ 1 > 0.75)', async () => {
    // η = 1 reaches θ*: actual decrease L₀, predicted (bᵀd − ½dᵀGd)/n = L₀ (d = G⁻¹b, bᵀd = 2nL₀): ρ = 1.
    const { results, losses, state } = await run(lm({ mu: { type: 'adaptive', initial: 1e-6 } }), 1);
    expect(results[0]!.info).toMatchObject({ accepted: 1, mu: 1e-6 });
    expect(results[0]!.info!.rho as number).toBeCloseTo(1, 4);
    expect(state.mu).toBeCloseTo(1e-6 / 3, 20);
    expect(losses[0]).toBeLessThan(1e-10);
  });

  it('backtracking halves η from 3 to 1.5, where Armijo holds', async () => {
    // L(θ₀ − ηd) = (1 − η)²L₀ and ∇L·d = bᵀd/n = 2L₀: Armijo L₀(1 − η)² ≤ L₀(1 − 2cη) fails at
    // η = 3 (4 vs ≈ 1) and holds at 1.5 (0.25): two trials, loss 0.25·L₀.
    const { results, losses } = await run(lm({ mu: 1e-9, lr: 3, lineSearch: { type: 'backtracking' } }), 1);
    expect(results[0]!.info).toMatchObject({ lr: 1.5, line_search_trials: 2, accepted: 1 });
    expect(losses[0]! / results[0]!.loss).toBeCloseTo(0.25, 5);
  });

  it('follows a damping schedule at the number of applied updates (the paper’s log-linear decay)', async () => {
    // μ(i) = exp(ln 1e-2 + (i/4)(ln 1e-4 − ln 1e-2)) for i < 4, then 1e-4: 1e-2, 10^-2.5, 1e-3, 10^-3.5, 1e-4.
    const { results } = await run(lm({ mu: { type: 'log-linear', from: 1e-2, to: 1e-4, steps: 4 } }), 5);
    const mus = results.map((r) => r.info!.mu as number);
    [1e-2, 10 ** -2.5, 1e-3, 10 ** -3.5, 1e-4].forEach((v, i) => expect(mus[i]! / v).toBeCloseTo(1, 10));
  });

  it('gn reports the rank it kept and solves the full-rank problem in one step', async () => {
    const { results, theta } = await run(gn(), 1);
    expect(results[0]!.info).toMatchObject({ rank: 4, solver: 'residual', lr: 1 });
    [1, -2, 0.5, 0.5].forEach((v, i) => expect(Math.abs(theta[i]! - v)).toBeLessThan(1e-5));
  });
});

describe('on a real network (nn curvature)', () => {
  it.each([
    ['residual', lm({ mu: 0.1, solver: 'residual' })],
    ['parameter', lm({ mu: 0.1, solver: 'parameter' })],
    ['cg', lm({ mu: 0.1, solver: 'cg', cg: { maxIterations: 10 } })],
    ['adaptive + line search', lm({ mu: { type: 'adaptive' }, lineSearch: { type: 'backtracking', maxTrials: 3 } })],
    ['gn', gn({ epsilon: 1e-4, lr: 0.5 })],
  ])('%s: lowers the loss and leaks no tensor over 20 steps', async (_name, plugin) => {
    const net = await smallNetwork();
    const optimizer = optimizerFor(plugin, net.model);
    const first = await stepOnce(optimizer, net.model, net.batch, net.loss, 1);
    const before = tf.memory().numTensors;
    let last = first;
    for (let s = 2; s <= 21; s++) last = await stepOnce(optimizer, net.model, net.batch, net.loss, s);
    expect(tf.memory().numTensors).toBe(before);
    expect(last.loss).toBeLessThan(0.5 * first.loss);
    optimizer.dispose();
    net.dispose();
  });

  it('ggn trains a cross-entropy classifier with the parameter-space GGN and with CG', async () => {
    for (const solver of ['parameter', 'cg'] as const) {
      const net = await smallNetwork({ outputs: 3, loss: crossEntropyLoss() });
      const optimizer = optimizerFor(ggn({ solver }), net.model);
      const results = [];
      for (let s = 1; s <= 10; s++) results.push(await stepOnce(optimizer, net.model, net.batch, net.loss, s));
      expect(results.at(-1)!.loss).toBeLessThan(1e-2 * results[0]!.loss);
      expect(results[0]!.info!.solver).toBe(solver);
      optimizer.dispose();
      net.dispose();
    }
  });

  it("auto records its choice: 'parameter' for cross-entropy, whose block Hessians rule out the residual space", async () => {
    const net = await smallNetwork({ outputs: 3, loss: crossEntropyLoss() });
    const optimizer = optimizerFor(ggn(), net.model);
    const result = await stepOnce(optimizer, net.model, net.batch, net.loss, 1);
    // P = 747: the parameter-space system fits the 512 MiB budget.
    expect(result.info!.solver).toBe('parameter');
    optimizer.dispose();
    net.dispose();
  });
});

describe('runs', () => {
  const experiment = (optimizer: PluginInstance) =>
    defineExperiment({
      name: 'gauss-newton-runs',
      task: leastSquaresTask(),
      model: mlp({ hidden: [4] }),
      settings: { steps: 3, log: { every: 1 } },
      variants: { v: { optimizer } },
    });
  const runOf = async (optimizer: PluginInstance) => {
    const store = new MemoryRunStore();
    const outcome = await runVariant({ experiment: experiment(optimizer), variant: 'v', seed: 0, store, location: 'r', environment: { backend: { name: tf.getBackend(), version: tf.version_core } } });
    const record = JSON.parse(await (await store.open('r')).readText('run.json')) as { status: string; error: { message: string } | null };
    const rows = (await (await store.open('r')).readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    return { outcome, record, rows };
  };

  it("an explicit 'residual' solver over the memory budget fails the run (marked failed, with the message), not the process", async () => {
    // n·k = 4: the residual system takes 3·8·16 = 384 bytes; the budget is 1e-4 MiB ≈ 105 bytes.
    const { outcome, record, rows } = await runOf(lm({ solver: 'residual', memoryBudgetMiB: 1e-4 }));
    expect(outcome.status).toBe('failed');
    expect(record.status).toBe('failed');
    expect(record.error!.message).toMatch(/optimizer\.solver: the residual-space system is 4×4 .*about 384 bytes.*optimizer\.memoryBudgetMiB = 0\.0001 MiB; use solver 'cg'/);
    // Step 0 was logged before the first step failed.
    expect(rows.map((r) => r.step)).toEqual([0]);
  });

  it('logs the diagnostics of every step under opt.*, the chosen solver as a string', async () => {
    const { outcome, rows } = await runOf(lm({ mu: { type: 'adaptive' } }));
    expect(outcome.status).toBe('completed');
    expect(rows[1]).toMatchObject({ 'opt.solver': 'residual', 'opt.lr': 1 });
    for (const key of ['opt.mu', 'opt.rho', 'opt.accepted']) expect(rows[1]).toHaveProperty(key);
  });
});
