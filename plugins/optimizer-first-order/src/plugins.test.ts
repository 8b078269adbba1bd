import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import {
  deserializeState,
  identityPreconditioner,
  parsePluginOptions,
  serializeState,
  type PluginFactory,
  type PluginInstance,
  type Preconditioner,
  type z,
} from '@precond/core';
import { optionsErrorOf } from '@precond/testkit';
import { describe, expect, it } from 'vitest';
import { adam, adamw, firstOrderPlugins, momentum, sgd } from './index.js';
import { expectClose, optimizerFor, quadratic, takeSteps, TARGET } from './test-support/harness.js';

// Every optimizer test runs on the quadratic of test-support/harness.ts: θ ∈ R², y = (1, -2),
// L(θ) = ¼‖θ - y‖², ∇L = (θ - y)/2. From θ₀ = 0 the first gradient is -y/2 = [-0.5, 1] and L₀ = 5/4.
const y = [...TARGET];
const scaled = (c: number) => y.map((v) => c * v);

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

function parse<S extends z.ZodType>(plugin: PluginInstance<S>): z.output<S> {
  return parsePluginOptions(plugin, plugin.config, 'optimizer');
}

describe('plugin metadata and options', () => {
  it('describes each plugin as an optimizer of this package', () => {
    expect(firstOrderPlugins.map((p) => p.meta.id)).toEqual(['sgd', 'momentum', 'adam', 'adamw']);
    for (const factory of firstOrderPlugins as readonly PluginFactory[]) {
      expect(factory.meta).toMatchObject({ name: pkg.name, version: pkg.version, kind: 'optimizer' });
      // `precond list` prints it: a sentence, not an empty string or the id again.
      expect(factory.meta.description).toMatch(/^\S.* .*\S$/);
      expect(factory.meta.description).not.toBe(factory.meta.id);
      expect(factory().meta).toBe(factory.meta);
    }
    // Each says what that plugin does, so no two are the same.
    expect(new Set(firstOrderPlugins.map((p) => p.meta.description)).size).toBe(firstOrderPlugins.length);
  });

  it('fills in the documented defaults', () => {
    expect(parse(sgd())).toEqual({ lr: 0.01, weightDecay: 0 });
    expect(parse(momentum())).toEqual({ lr: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0 });
    expect(parse(adam())).toEqual({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expect(parse(adamw())).toEqual({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    // Schedules get core's defaults (cosine: final 0, warmup 0), and a cosine decay to 0 is allowed.
    expect(parse(adam({ lr: { type: 'cosine', value: 1e-3, steps: 100 } })).lr).toEqual({ type: 'cosine', value: 1e-3, steps: 100, final: 0, warmup: 0 });
  });

  it.each([
    ['sgd lr 0', sgd({ lr: 0 }), 'optimizer.lr', /must be > 0, got 0.*given 0/],
    ['sgd lr -0.1', sgd({ lr: -0.1 }), 'optimizer.lr', /must be > 0, got -0\.1/],
    ['step schedule below 0', sgd({ lr: { type: 'step', value: -1, factor: 0.5, every: 10 } }), 'optimizer.lr.value', /must be > 0/],
    ['cosine ending below 0', adam({ lr: { type: 'cosine', value: 1e-3, steps: 10, final: -1e-4 } }), 'optimizer.lr.final', />= 0/],
    ['momentum 1', momentum({ momentum: 1 }), 'optimizer.momentum', /\[0, 1\)/],
    ['nesterov as a string', momentum({ nesterov: 'yes' as never }), 'optimizer.nesterov', /boolean/],
    ['beta1 1', adam({ beta1: 1 }), 'optimizer.beta1', /\[0, 1\)/],
    ['beta2 -0.5', adamw({ beta2: -0.5 }), 'optimizer.beta2', /\[0, 1\)/],
    ['eps 0', adam({ eps: 0 }), 'optimizer.eps', /> 0/],
    ['weightDecay -1', adamw({ weightDecay: -1 }), 'optimizer.weightDecay', />= 0/],
    ['sgd weightDecay NaN', sgd({ weightDecay: Number.NaN }), 'optimizer.weightDecay', /.+/],
  ])('rejects %s, naming the option path', (_name, plugin, path, detail) => {
    const error = optionsErrorOf(plugin, 'optimizer');
    expect(error.path).toBe(path);
    expect(error.message).toContain(`option '${path}' of plugin '${plugin.meta.id}'`);
    expect(error.message).toMatch(detail);
  });

  it('rejects unknown options and lists the valid ones', () => {
    const error = optionsErrorOf(adam({ learningRate: 1e-3 } as never), 'optimizer');
    expect(error.message).toContain("unknown option 'optimizer.learningRate'");
    expect(error.message).toContain('lr, beta1, beta2, eps');
  });
});

describe('optimizers on the quadratic', () => {
  it('sgd halves the error each step at η = 1', async () => {
    // θ_k - y = (1 - η/2)(θ_{k-1} - y) = ½(θ_{k-1} - y), so θ_k = (1 - 2^-k)·y, exactly in float32;
    // the loss before each step is ¼‖θ - y‖² = 5/4, 5/16, 5/64.
    const q = quadratic();
    const opt = optimizerFor(sgd({ lr: 1 }), q.model);
    const seen: number[][] = [];
    const losses: number[] = [];
    for (let k = 0; k < 3; k++) {
      losses.push(...(await takeSteps(opt, q, 1, k + 1)));
      seen.push(q.theta());
    }
    expect(seen).toEqual([scaled(0.5), scaled(0.75), scaled(0.875)]);
    expect(losses).toEqual([1.25, 0.3125, 0.078125]);
    opt.dispose();
    q.dispose();
  });

  it('sgd adds coupled weight decay λθ to the gradient', async () => {
    // η = 1, λ = 1: θ ← θ - ((θ - y)/2 + θ).
    // θ₁ = 0 - (-y/2) = y/2; θ₂ = y/2 - (-y/4 + y/2) = y/4; θ₃ = y/4 - (-3y/8 + y/4) = 3y/8.
    const q = quadratic();
    const opt = optimizerFor(sgd({ lr: 1, weightDecay: 1 }), q.model);
    const seen: number[][] = [];
    for (let k = 1; k <= 3; k++) {
      await takeSteps(opt, q, 1, k);
      seen.push(q.theta());
    }
    expect(seen).toEqual([scaled(0.5), scaled(0.25), scaled(0.375)]);
    opt.dispose();
    q.dispose();
  });

  it('momentum follows the heavy-ball recursion v₂ = βv₁ + g₂', async () => {
    // η = 1, β = 0.5, θ ← θ - v:
    // g₁ = -y/2, v₁ = -y/2, θ₁ = y/2
    // g₂ = -y/4, v₂ = 0.5·(-y/2) - y/4 = -y/2, θ₂ = y (the minimum, reached in two steps)
    // g₃ = 0,    v₃ = 0.5·(-y/2) = -y/4, θ₃ = 5y/4 (momentum carries it past)
    const q = quadratic();
    const opt = optimizerFor(momentum({ lr: 1, momentum: 0.5 }), q.model);
    const seen: number[][] = [];
    for (let k = 1; k <= 3; k++) {
      await takeSteps(opt, q, 1, k);
      seen.push(q.theta());
    }
    expect(seen).toEqual([scaled(0.5), scaled(1), scaled(1.25)]);
    opt.dispose();
    q.dispose();
  });

  it('momentum adds coupled weight decay before the trace', async () => {
    // η = 1, β = 0.5, λ = 1: the traced gradient is g' = (θ - y)/2 + θ.
    // g'₁ = -y/2,            v₁ = -y/2,             θ₁ = y/2
    // g'₂ = -y/4 + y/2 = y/4, v₂ = -y/4 + y/4 = 0,   θ₂ = y/2
    // g'₃ = y/4,             v₃ = y/4,              θ₃ = y/4
    // (Decay added after the trace instead would leave θ₃ = y/2; no decay gives y/2, y, 5y/4.)
    const q = quadratic();
    const opt = optimizerFor(momentum({ lr: 1, momentum: 0.5, weightDecay: 1 }), q.model);
    const seen: number[][] = [];
    for (let k = 1; k <= 3; k++) {
      await takeSteps(opt, q, 1, k);
      seen.push(q.theta());
    }
    expect(seen).toEqual([scaled(0.5), scaled(0.5), scaled(0.25)]);
    opt.dispose();
    q.dispose();
  });

  it('momentum with Nesterov steps along g + βv', async () => {
    // η = 1, β = 0.5, θ ← θ - (g + βv):
    // g₁ = -y/2,  v₁ = -y/2,   u₁ = -y/2 - y/4 = -3y/4,     θ₁ = 3y/4
    // g₂ = -y/8,  v₂ = -y/4 - y/8 = -3y/8,  u₂ = -y/8 - 3y/16 = -5y/16,  θ₂ = 17y/16
    // g₃ = y/32,  v₃ = -3y/16 + y/32 = -5y/32,  u₃ = y/32 - 5y/64 = -3y/64,  θ₃ = 71y/64
    const q = quadratic();
    const opt = optimizerFor(momentum({ lr: 1, momentum: 0.5, nesterov: true }), q.model);
    const seen: number[][] = [];
    for (let k = 1; k <= 3; k++) {
      await takeSteps(opt, q, 1, k);
      seen.push(q.theta());
    }
    expect(seen).toEqual([scaled(3 / 4), scaled(17 / 16), scaled(71 / 64)]);
    opt.dispose();
    q.dispose();
  });

  it('adam moves each coordinate by η on its first step, then by its bias-corrected ratio', async () => {
    // Step 1: g₁ = [-0.5, 1]; m̂ = g₁, v̂ = g₁², so θ₁ = -η·g₁/(|g₁| + ε) = [0.1, -0.1] for η = 0.1.
    // Step 2: g₂ = (θ₁ - y)/2 = [-0.45, 0.95];
    //   m₂ = 0.9·0.1·g₁ + 0.1·g₂, v₂ = 0.999·0.001·g₁² + 0.001·g₂²,
    //   θ₂ = θ₁ - η·(m₂/0.19)/(√(v₂/0.001999) + ε)   (0.19 = 1 - 0.9², 0.001999 = 1 - 0.999²).
    const q = quadratic();
    const opt = optimizerFor(adam({ lr: 0.1 }), q.model);
    await takeSteps(opt, q, 1, 1);
    expectClose(q.theta(), [0.1, -0.1], 1e-7);
    await takeSteps(opt, q, 1, 2);
    const g1 = [-0.5, 1];
    const g2 = [-0.45, 0.95];
    const theta2 = [0, 1].map((i) => {
      const m = 0.9 * 0.1 * g1[i]! + 0.1 * g2[i]!;
      const v = 0.999 * 0.001 * g1[i]! ** 2 + 0.001 * g2[i]! ** 2;
      return [0.1, -0.1][i]! - (0.1 * (m / 0.19)) / (Math.sqrt(v / 0.001999) + 1e-8);
    });
    expectClose(q.theta(), theta2, 1e-6);
    opt.dispose();
    q.dispose();
  });

  it('adamw decays the weights outside the Adam scaling', async () => {
    // θ₀ = [2, 2]: g₁ = (θ₀ - y)/2 = [0.5, 2], so the Adam part is sign(g₁) = [1, 1].
    // θ₁ = θ₀ - η·sign(g₁) - η·λ·θ₀ = 2 - 0.1 - 0.1·0.5·2 = 1.8 for η = 0.1, λ = 0.5.
    // (Adam alone, or L2 decay fed through Adam, which leaves sign(g) unchanged here: 1.9.)
    const q = quadratic([2, 2]);
    const opt = optimizerFor(adamw({ lr: 0.1, weightDecay: 0.5 }), q.model);
    await takeSteps(opt, q, 1, 1);
    expectClose(q.theta(), [1.8, 1.8], 1e-6);
    opt.dispose();
    q.dispose();
  });

  it.each([
    // The bound is 1e-6·L₀ (L₀ = 5/4). GD at η = 1 quarters the loss each step, so it needs 10
    // steps; measured on the cpu backend, momentum needs 17, Nesterov 12 and Adam/AdamW 108, so
    // 300 steps leave a wide margin, while a rule that does not descend (a flipped sign, an update
    // that never reaches the parameters) stays at L₀.
    ['sgd', sgd({ lr: 1 })],
    ['momentum', momentum({ lr: 0.5, momentum: 0.5 })],
    ['nesterov', momentum({ lr: 0.5, momentum: 0.5, nesterov: true })],
    ['adam', adam({ lr: 0.05 })],
    ['adamw', adamw({ lr: 0.05, weightDecay: 1e-4 })],
  ])('%s reaches the minimum of the parabola', async (_name, plugin) => {
    const q = quadratic();
    const opt = optimizerFor(plugin, q.model);
    const losses = await takeSteps(opt, q, 300);
    expect(losses[0]).toBe(1.25);
    expect(losses.at(-1)!).toBeLessThan(1.25e-6);
    opt.dispose();
    q.dispose();
  });
});

describe('schedules and preconditioners through the optimizer', () => {
  it('uses η of the current step from a step schedule', async () => {
    // η(k) = 0.5^k for updates k = 0, 1, 2 ({ value: 1, factor: 0.5, every: 1 }).
    // The error e = θ - y shrinks by 1 - η/2 = 0.5, 0.75, 0.875: from e₀ = -y,
    // θ₁ = y/2, θ₂ = y - 0.375y = 0.625y, θ₃ = y - 0.328125y = 0.671875y.
    const q = quadratic();
    const opt = optimizerFor(sgd({ lr: { type: 'step', value: 1, factor: 0.5, every: 1 } }), q.model);
    const seen: number[][] = [];
    for (let k = 1; k <= 3; k++) {
      await takeSteps(opt, q, 1, k);
      seen.push(q.theta());
    }
    expect(seen).toEqual([scaled(0.5), scaled(0.625), scaled(0.671875)]);
    opt.dispose();
    q.dispose();
  });

  it('stops moving when a cosine schedule reaches its final 0', async () => {
    // { value: 1, steps: 2 }: η(0) = 1, η(1) = ½(1 + cos(π/2)) = 0.5, η(2) = ½(1 + cos π) = 0.
    // θ₁ = y/2, θ₂ = 0.625y (as above), θ₃ = θ₂.
    const q = quadratic();
    const opt = optimizerFor(sgd({ lr: { type: 'cosine', value: 1, steps: 2 } }), q.model);
    const seen: number[][] = [];
    for (let k = 1; k <= 3; k++) {
      await takeSteps(opt, q, 1, k);
      seen.push(q.theta());
    }
    expect(seen).toEqual([scaled(0.5), scaled(0.625), scaled(0.625)]);
    opt.dispose();
    q.dispose();
  });

  it('applies the preconditioner registered in the run container', async () => {
    // P(g) = 2g with η = 0.5 takes the same first step as η = 1 without it: θ₁ = y/2
    // (the identity at η = 0.5 would give y/4).
    const doubling: Preconditioner = {
      ...identityPreconditioner(),
      apply: (grads) => grads.map((g) => tf.mul(g, 2)),
    };
    const q = quadratic();
    const opt = optimizerFor(sgd({ lr: 0.5 }), q.model, doubling);
    await takeSteps(opt, q, 1);
    expect(q.theta()).toEqual(scaled(0.5));
    opt.dispose();
    q.dispose();
  });
});

describe.each([
  ['sgd', sgd({ lr: { type: 'step', value: 0.5, factor: 0.9, every: 1 }, weightDecay: 0.01 })],
  ['momentum', momentum({ lr: 0.2, nesterov: true, weightDecay: 0.01 })],
  ['adam', adam({ lr: { type: 'log-linear', from: 0.1, to: 0.01, steps: 10 } })],
  ['adamw', adamw({ lr: 0.05, weightDecay: 0.1 })],
])('%s state', (_name, plugin) => {
  it('saves and restores to a bit-identical next step', async () => {
    const q = quadratic([0.3, 0.7]);
    const a = optimizerFor(plugin, q.model);
    await takeSteps(a, q, 3);
    // Through the checkpoint format: tensors to raw bytes and back.
    const saved = await serializeState(a.getState(), 'optimizer');
    const restored = deserializeState(saved.json, saved.tensors);
    const theta3 = q.theta();
    await takeSteps(a, q, 1, 4);
    const continued = q.model.params[0]!.variable.dataSync().slice();

    const reset = () => q.model.params[0]!.variable.assign(tf.tensor2d(theta3, [2, 1]));
    tf.tidy(reset);
    const b = optimizerFor(plugin, q.model);
    b.setState(restored);
    await takeSteps(b, q, 1, 4);
    expect(q.model.params[0]!.variable.dataSync()).toEqual(continued);

    // The state carries what the step depends on: a fresh optimizer takes a different step.
    tf.tidy(reset);
    const fresh = optimizerFor(plugin, q.model);
    await takeSteps(fresh, q, 1, 4);
    expect(q.model.params[0]!.variable.dataSync()).not.toEqual(continued);
    for (const o of [a, b, fresh]) o.dispose();
    q.dispose();
  });

  it('keeps the tensor count flat over 50 steps and frees its state on dispose', async () => {
    const q = quadratic();
    const baseline = tf.memory().numTensors;
    const opt = optimizerFor(plugin, q.model);
    await takeSteps(opt, q, 1);
    const before = tf.memory().numTensors;
    await takeSteps(opt, q, 50, 2);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    q.dispose();
  });
});
