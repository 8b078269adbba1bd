import * as tf from '@tensorflow/tfjs-core';
import {
  type DependencyContainer,
  chain,
  definePlugin,
  OPTIMIZER,
  pluginOption,
  PRECONDITIONER,
  provide,
  resolve,
  transformationOptimizer,
  z,
  type Optimizer,
  type PluginFactory,
  type State,
} from '@precond/core';
import { describe, expect, it } from 'vitest';
import { LEAST_SQUARES_OPTIMUM } from '../problems/least-squares.js';
import { ROSENBROCK_START } from '../problems/rosenbrock.js';
import { failedChecks } from '../report/report.js';
import { scaleBy } from '../training/trainer.js';
import { describeOptimizerConformance } from '../vitest.js';
import { checkOptimizerPlugin, OPTIMIZER_CHECKS, OPTIMIZER_SUITE_DEFAULTS, type OptimizerSuiteOptions } from './check-optimizer.js';

/** What is deliberately wrong with a test optimizer. */
type Flaw =
  | 'none'
  | 'leak'
  | 'forget-momentum'
  | 'forget-count'
  | 'ascend'
  | 'nan-unguarded'
  | 'math-random'
  | 'clear-throw'
  | 'obscure-throw';

const momentumOptions = z
  .object({
    lr: z.number().positive().default(0.1),
    momentum: z.number().min(0).max(0.999).default(0.9),
  })
  .strict();

/**
 * SGD with bias-corrected momentum, `v ← βv + (1-β)g`, `θ ← θ - η v / (1 - βᵗ)`: the momentum
 * buffer and the step count `t` both matter at every step, so losing either on restore shows.
 * Steps whose gradient is not finite are skipped (unless the flaw says otherwise).
 */
function momentumSgd(o: z.output<typeof momentumOptions>, flaw: Flaw): Optimizer {
  let velocity: tf.Tensor[] = [];
  let count = 0;
  const dispose = () => velocity.forEach((v) => v.dispose());
  return {
    init(params) {
      dispose();
      velocity = params.map((p) => tf.zerosLike(p.variable));
      count = 0;
    },
    async step(ctx) {
      const { value, grads } = ctx.valueAndGrads();
      const check = tf.tidy(() => tf.stack([value, tf.cast(tf.all(tf.stack(grads.map((g) => tf.all(tf.isFinite(g))))), 'float32')]));
      const [loss, finite] = await check.data();
      check.dispose();
      if (finite !== 1 && flaw !== 'nan-unguarded') {
        if (flaw === 'clear-throw') throw new Error(`step ${ctx.step}: the gradient holds NaN or infinite values`);
        if (flaw === 'obscure-throw') throw new Error('internal error 17');
        return { loss: loss!, info: { skipped: 1 } };
      }
      count++;
      const next = tf.tidy(() => velocity.map((v, i) => tf.add(tf.mul(v, o.momentum), tf.mul(grads[i]!, 1 - o.momentum))));
      dispose();
      velocity = next;
      const jitter = flaw === 'math-random' ? 1 + 1e-3 * (Math.random() - 0.5) : 1;
      const factor = ((flaw === 'ascend' ? 1 : -1) * o.lr * jitter) / (1 - o.momentum ** count);
      tf.tidy(() => ctx.params.forEach((p, i) => p.variable.assign(tf.add(p.variable, tf.mul(velocity[i]!, factor)))));
      // One tensor per step that nobody disposes.
      if (flaw === 'leak') tf.clone(velocity[0]!);
      return { loss: loss! };
    },
    getState: (): State => ({ count, velocity: [...velocity] }),
    setState(s) {
      dispose();
      velocity = s.velocity as tf.Tensor[];
      count = s.count as number;
      if (flaw === 'forget-momentum') {
        const restored = velocity;
        velocity = restored.map((v) => tf.zerosLike(v));
        restored.forEach((v) => v.dispose());
      }
      if (flaw === 'forget-count') count = 0;
    },
    dispose,
  };
}

function momentumPlugin(flaw: Flaw, id = `momentum-${flaw}`) {
  return definePlugin({
    meta: { name: '@example/optimizer-momentum', version: '1.0.0', kind: 'optimizer', id },
    options: momentumOptions,
    register: (c, o) => provide(c, OPTIMIZER, { useFactory: () => momentumSgd(o, flaw) }),
  });
}

const momentum = momentumPlugin('none', 'momentum');

/**
 * Options tuned per problem. Without bias correction this is heavy ball with step η(1-β):
 * quadratic η = 1, β = 0.5 (heavy ball 0.5, 0.5: the slowest direction, λ = 0.1, holding 2.167
 * of the initial error, contracts by the larger root 0.885 of z² - 1.45z + 0.5, so
 * 0.885ⁿ · 2.167 ≤ 1e-3 at n ≈ 63 of 200 steps); Rosenbrock η = 0.02,
 * β = 0.9 (heavy ball 0.002, 0.9 needs 2173 steps to 1e-2 in a float64 simulation; the bias
 * correction's larger early steps add about a hundred, so the suite allows 4000).
 */
const tuned: OptimizerSuiteOptions<z.input<typeof momentumOptions>> = {
  options: { lr: 0.1, momentum: 0.9 },
  quadratic: { options: { lr: 1, momentum: 0.5 } },
  rosenbrock: { steps: 4000, options: { lr: 0.02, momentum: 0.9 } },
};

describeOptimizerConformance(momentum, tuned);

/** The failing check names of a plugin under the tuned suite. */
async function failing(plugin: PluginFactory, suite: OptimizerSuiteOptions = tuned) {
  const report = await checkOptimizerPlugin(plugin, suite);
  return { report, failed: failedChecks(report).map((r) => r.check), result: (check: string) => report.results.find((r) => r.check === check)! };
}

describe('checkOptimizerPlugin', () => {
  it('passes a correct momentum SGD on every check, in the documented order, without leaking tensors itself', async () => {
    const before = tf.memory().numTensors;
    const { report, failed } = await failing(momentum);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.plugin).toBe('momentum (@example/optimizer-momentum@1.0.0)');
    expect(report.results.map((r) => r.check)).toEqual([...OPTIMIZER_CHECKS]);
    expect(failed).toEqual([]);
  });

  it('passes core transformationOptimizer (plain SGD around the PRECONDITIONER the suite provides), which skips NaN steps', async () => {
    const sgd = definePlugin({
      meta: { name: '@example/optimizer-sgd', version: '0.1.0-beta.1', kind: 'optimizer', id: 'sgd' },
      options: z.object({ lr: z.number().positive().default(1) }).strict(),
      register: (c, o) => provide(c, OPTIMIZER, { useFactory: (cc) => transformationOptimizer(chain(scaleBy(-o.lr)), resolve(cc, PRECONDITIONER)) }),
    });
    // Quadratic: gradient descent at η = 1 needs 73 steps (0.9ⁿ · 2.167 ≤ 1e-3, see the
    // preconditioner suite's identity test). Rosenbrock's
    // quarter is stable for η < 2/250.4 ≈ 0.008 (its largest curvature near the minimum), and
    // η = 0.006 needs 7544 steps to 1e-2 in a float64 simulation of the same iteration, so the
    // suite allows 9000.
    const { report, failed } = await failing(sgd, { quadratic: { options: { lr: 1 } }, rosenbrock: { steps: 9000, options: { lr: 0.006 } } });
    expect(failed).toEqual([]);
    expect(report.results.find((r) => r.check === 'nan-gradients')!.details!.behaviour).toBe('skipped');
  });

  it('catches an optimizer that creates a tensor per step and never disposes it', async () => {
    const { failed, result } = await failing(momentumPlugin('leak'));
    expect(failed).toEqual(['no-tensor-growth', 'dispose']);
    // One leaked tensor per counted step: the suite counts OPTIMIZER_SUITE_DEFAULTS.growth.steps = 50.
    const growth = result('no-tensor-growth').details as { before: number; after: number };
    expect(growth.after - growth.before).toBe(OPTIMIZER_SUITE_DEFAULTS.growth.steps);
    // The dispose check takes disposeSteps = 3 steps, so 3 tensors outlive dispose().
    const disposed = result('dispose').details as { before: number; after: number };
    expect(disposed.after - disposed.before).toBe(OPTIMIZER_SUITE_DEFAULTS.disposeSteps);
  });

  it('catches an optimizer whose setState loses the momentum buffer', async () => {
    const { failed, result } = await failing(momentumPlugin('forget-momentum'));
    expect(failed).toEqual(['state-round-trip']);
    // The checkpoint is taken after stepsBefore = 5 steps; the first restored step is step 6.
    expect(result('state-round-trip').message).toMatch(/on least-squares, after restoring the checkpoint of step 5, step 6 differs/);
  });

  it('catches an optimizer whose setState loses the step count', async () => {
    const { failed } = await failing(momentumPlugin('forget-count'));
    expect(failed).toEqual(['state-round-trip']);
  });

  it('catches an optimizer that diverges (steps up the gradient)', async () => {
    const { failed, result } = await failing(momentumPlugin('ascend'));
    expect(failed).toEqual(['convergence-quadratic', 'convergence-rosenbrock']);
    const quadratic = result('convergence-quadratic').details as { initialDistance: number; finalDistance: number };
    // The start is 0, so its distance to the minimiser is ‖(1, -2, 0.5, 0.5)‖ = sqrt(5.5).
    expect(quadratic.initialDistance).toBeCloseTo(Math.hypot(...LEAST_SQUARES_OPTIMUM), 6);
    expect(quadratic.finalDistance).toBeGreaterThan(quadratic.initialDistance);
    // From (-1.2, 1) to (1, 1) is 2.2.
    expect((result('convergence-rosenbrock').details as { initialDistance: number }).initialDistance).toBeCloseTo(1 - ROSENBROCK_START[0], 6);
  });

  it('fails convergence when the steps allowed are too few, and says how far it got', async () => {
    // 10 steps of the tuned quadratic cannot reach 1e-3: the slowest mode alone keeps
    // 0.885¹⁰ ≈ 0.29 of its share of the initial error.
    const { failed, result } = await failing(momentum, { ...tuned, quadratic: { steps: 10, options: { lr: 1, momentum: 0.5 } }, checks: ['convergence-quadratic'] });
    expect(failed).toEqual(['convergence-quadratic']);
    expect(result('convergence-quadratic').message).toMatch(/still .* from the minimiser after 10 steps, tolerance 0.001/);
  });

  it('catches an optimizer that lets NaN gradients into the parameters', async () => {
    const { failed, result } = await failing(momentumPlugin('nan-unguarded'));
    expect(failed).toEqual(['nan-gradients']);
    expect(result('nan-gradients').message).toMatch(/non-finite parameters/);
  });

  it('accepts a clear error on NaN gradients and rejects an obscure one', async () => {
    const clear = await failing(momentumPlugin('clear-throw'), { ...tuned, checks: ['nan-gradients'] });
    expect(clear.failed).toEqual([]);
    expect(clear.result('nan-gradients').details!.behaviour).toBe('threw');
    const obscure = await failing(momentumPlugin('obscure-throw'), { ...tuned, checks: ['nan-gradients'] });
    expect(obscure.failed).toEqual(['nan-gradients']);
    expect(obscure.result('nan-gradients').message).toMatch(/internal error 17/);
  });

  it('catches randomness drawn from Math.random (the trajectory is not a function of the seed)', async () => {
    const { failed } = await failing(momentumPlugin('math-random'));
    expect(failed).toEqual(['state-round-trip', 'determinism']);
  });

  it('catches metadata of a plugin made without definePlugin: a trailing hyphen in the id, a two-part version', async () => {
    // definePlugin itself refuses the id (so a plugin made with it cannot get here)...
    expect(() =>
      definePlugin({ meta: { name: '@example/x', version: '1.0.0', kind: 'optimizer', id: 'momentum-' }, options: momentumOptions, register: () => undefined }),
    ).toThrow(/kebab-case/);
    // ...but a hand-made factory can carry it, and the suite must catch it.
    const meta = { name: '@example/optimizer-momentum', version: '1.0', kind: 'optimizer' as const, id: 'momentum-' };
    const bad = Object.assign(
      (config?: unknown) => ({
        meta,
        options: momentumOptions,
        config: config ?? {},
        register: (c: DependencyContainer, o: unknown) =>
          provide(c, OPTIMIZER, { useFactory: () => momentumSgd(o as never, 'none') }),
      }),
      { meta, options: momentumOptions },
    ) as unknown as PluginFactory;
    const { failed, result } = await failing(bad, { ...tuned, checks: ['metadata', 'schema', 'registration'] });
    expect(failed).toEqual(['metadata']);
    expect(result('metadata').message).toMatch(/meta\.version "1\.0"/);
    expect(result('metadata').message).toMatch(/meta\.id "momentum-" is not kebab-case/);
  });

  it('catches a plugin of the wrong kind and a hand-made factory whose objects carry other metadata', async () => {
    const wrongKind = definePlugin({
      meta: { name: 'example-preconditioner', version: '1.0.0', kind: 'preconditioner', id: 'not-an-optimizer' },
      options: z.object({}).strict(),
      register: () => undefined,
    });
    expect((await failing(wrongKind, { checks: ['metadata'] })).result('metadata').message).toMatch(/meta\.kind is "preconditioner"/);
    const meta = { name: 'example-optimizer', version: '1.0.0', kind: 'optimizer' as const, id: 'MyOptimizer' };
    const handMade = Object.assign(
      (config?: unknown) => ({ meta: { ...meta }, options: momentumOptions, config: config ?? {}, register: () => undefined }),
      { meta, options: momentumOptions },
    ) as unknown as PluginFactory;
    const { failed, result } = await failing(handMade, { checks: ['metadata', 'registration'] });
    expect(failed).toEqual(['metadata', 'registration']);
    expect(result('metadata').message).toMatch(/"MyOptimizer" is not kebab-case/);
    expect(result('metadata').message).toMatch(/different `meta`/);
    // register() provides nothing, so resolving OPTIMIZER fails and the check says so.
    expect(result('registration').message).toMatch(/nothing is registered for @precond\/core:Optimizer/);
  });

  it('catches a schema that rejects its own default, a schema without defaults, and a non-strict schema', async () => {
    const withSchema = (id: string, options: z.ZodType) =>
      definePlugin({
        meta: { name: '@example/optimizer-momentum', version: '1.0.0', kind: 'optimizer', id },
        options,
        register: (c) => provide(c, OPTIMIZER, { useFactory: () => momentumSgd({ lr: 0.1, momentum: 0.9 }, 'none') }),
      });
    // zod fills a default without validating it, so {} passes once and the result fails again.
    const selfRejecting = await failing(withSchema('zero-lr', z.object({ lr: z.number().positive().default(0) }).strict()), { checks: ['schema'] });
    expect(selfRejecting.failed).toEqual(['schema']);
    expect(selfRejecting.result('schema').message).toMatch(/validated defaults \(\{\}\) do not validate again: lr/);
    const required = await failing(withSchema('no-default', z.object({ lr: z.number() }).strict()), { checks: ['schema'] });
    expect(required.result('schema').message).toMatch(/defaults \(\{\}\) \{\} do not validate: lr/);
    const loose = await failing(withSchema('loose', z.object({ lr: z.number().default(0.1) })), { checks: ['schema'] });
    expect(loose.result('schema').message).toMatch(/unknown option '__conformance_unknown_option__' is accepted/);
    const dated = await failing(withSchema('dated', z.object({ since: z.date().default(() => new Date(0)) }).strict()), { checks: ['schema'] });
    expect(dated.result('schema').message).toMatch(/since is a Date object, which JSON cannot hold/);
  });

  it('accepts a nested plugin option (a hybrid optimizer holding another optimizer)', async () => {
    const hybrid = definePlugin({
      meta: { name: '@example/optimizer-hybrid', version: '1.0.0', kind: 'optimizer', id: 'hybrid' },
      options: z.object({ inner: pluginOption('optimizer').default(() => momentum({ lr: 0.1 })), switchAt: z.number().int().default(10) }).strict(),
      register: (c) => provide(c, OPTIMIZER, { useFactory: () => momentumSgd({ lr: 0.1, momentum: 0.9 }, 'none') }),
    });
    const { failed, result } = await failing(hybrid, { options: { inner: momentum({ lr: 0.2 }) }, checks: ['schema'] });
    expect(failed).toEqual([]);
    // run.json records the nested plugin by id with its resolved options.
    expect(result('schema').message).toBe(
      'defaults {"inner":{"plugin":"momentum","package":"@example/optimizer-momentum","options":{"lr":0.1,"momentum":0.9}},"switchAt":10} validate, round-trip and are JSON',
    );
  });

  it("checks the suite's own options against the schema", async () => {
    const { failed, result } = await failing(momentum, { options: { lr: -1 } as never, checks: ['schema'] });
    expect(failed).toEqual(['schema']);
    expect(result('schema').message).toMatch(/suite options \{"lr":-1\} do not validate: lr/);
  });

  it('runs only the checks asked for, and leaves out a convergence check set to false', async () => {
    const report = await checkOptimizerPlugin(momentum, { ...tuned, rosenbrock: false, checks: ['metadata', 'convergence-rosenbrock'] });
    expect(report.results.map((r) => r.check)).toEqual(['metadata']);
  });

  it('reports an optimizer whose step throws as failed findings instead of throwing', async () => {
    const broken = definePlugin({
      meta: { name: '@example/optimizer-broken', version: '1.0.0', kind: 'optimizer', id: 'broken' },
      options: z.object({}).strict(),
      register: (c) =>
        provide(c, OPTIMIZER, {
          useValue: { ...momentumSgd({ lr: 0.1, momentum: 0.9 }, 'none'), step: () => Promise.reject(new TypeError('cannot read properties of undefined')) },
        }),
    });
    const { failed, result } = await failing(broken, {});
    expect(failed).toEqual(['state-round-trip', 'no-tensor-growth', 'dispose', 'determinism', 'nan-gradients', 'convergence-quadratic', 'convergence-rosenbrock']);
    expect(result('determinism').message).toMatch(/could not complete: TypeError: cannot read properties of undefined/);
  });
});
