import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, identityPreconditioner, PRECONDITIONER, provide, z, type PluginFactory, type Preconditioner, type State } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { failedChecks } from '../report/report.js';
import { describePreconditionerConformance } from '../vitest.js';
import { checkPreconditionerPlugin, PRECONDITIONER_CHECKS, PRECONDITIONER_SUITE_DEFAULTS } from './check-preconditioner.js';

const identity = definePlugin({
  meta: { name: '@example/preconditioner-identity', version: '1.0.0', kind: 'preconditioner', id: 'identity' },
  options: z.object({}).strict(),
  register: (c) => provide(c, PRECONDITIONER, { useFactory: () => identityPreconditioner() }),
});

/** The inverse of a small symmetric positive-definite matrix (Gauss-Jordan in float64). */
function invert(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const pivot = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

type Flaw = 'none' | 'flatten' | 'same-tensor' | 'forget-statistics' | 'leak';

const ggnOptions = z.object({ decay: z.number().min(0).max(0.999).default(0.9), damping: z.number().positive().default(1e-3) }).strict();

/**
 * A Gauss-Newton preconditioner: `M = Ĝ + λI` with `Ĝ` the bias-corrected moving average of the
 * mean-loss GGN `JᵀJ/n` (MSE), read from the step's curvature; `M⁻¹` is inverted on the CPU. Its
 * state (the average, the count and the inverse) all matter to the next direction.
 */
function ggnPreconditioner(o: z.output<typeof ggnOptions>, flaw: Flaw): Preconditioner {
  let average: tf.Tensor2D | null = null;
  let inverse: tf.Tensor2D | null = null;
  let count = 0;
  let shapes: number[][] = [];
  const free = () => {
    average?.dispose();
    inverse?.dispose();
    average = inverse = null;
  };
  return {
    init(params) {
      free();
      shapes = params.map((p) => [...p.variable.shape]);
      const size = params.reduce((s, p) => s + p.variable.size, 0);
      average = tf.zeros([size, size]);
      inverse = tf.eye(size);
      count = 0;
    },
    async update(ctx) {
      const jacobian = ctx.curvature().jacobian();
      const n = ctx.batch.x.shape[0];
      const next = tf.tidy(() => tf.add(tf.mul(average!, o.decay), tf.mul(tf.matMul(jacobian, jacobian, true, false), (1 - o.decay) / n)) as tf.Tensor2D);
      average!.dispose();
      average = next;
      count++;
      const g = (await average.array()) as number[][];
      const correction = 1 - o.decay ** count;
      const m = g.map((row, i) => row.map((v, j) => v / correction + (i === j ? o.damping : 0)));
      inverse!.dispose();
      inverse = tf.tensor2d(invert(m));
      return { count };
    },
    apply(grads) {
      if (flaw === 'same-tensor') return grads as tf.Tensor[];
      if (flaw === 'leak') tf.clone(grads[0]!);
      return tf.tidy(() => {
        const flat = tf.concat(grads.map((g) => tf.reshape(g, [-1])));
        const d = tf.reshape(tf.matMul(inverse!, tf.reshape(flat, [-1, 1])), [-1]);
        const parts = tf.split(d, shapes.map((s) => s.reduce((a, b) => a * b, 1)));
        return flaw === 'flatten' ? parts : parts.map((p, i) => tf.reshape(p, shapes[i]!));
      });
    },
    getState: (): State => ({ count, average: average!, inverse: inverse! }),
    setState(s) {
      if (flaw === 'forget-statistics') {
        stateTensorsOf(s).forEach((t) => t.dispose());
        return;
      }
      free();
      count = s.count as number;
      average = s.average as tf.Tensor2D;
      inverse = s.inverse as tf.Tensor2D;
    },
    dispose: free,
  };
}

function stateTensorsOf(s: State): tf.Tensor[] {
  return Object.values(s).filter((v): v is tf.Tensor => v instanceof tf.Tensor);
}

function ggnPlugin(flaw: Flaw, id = `ggn-${flaw}`) {
  return definePlugin({
    meta: { name: '@example/preconditioner-ggn', version: '2.1.0', kind: 'preconditioner', id },
    options: ggnOptions,
    register: (c, o) => provide(c, PRECONDITIONER, { useFactory: () => ggnPreconditioner(o, flaw) }),
  });
}

const ggn = ggnPlugin('none', 'ggn');

describePreconditionerConformance(identity);
describePreconditionerConformance(ggn, { options: { decay: 0.5 } });

async function failing(plugin: PluginFactory, suite: Parameters<typeof checkPreconditionerPlugin>[1] = {}) {
  const report = await checkPreconditionerPlugin(plugin, suite);
  return { report, failed: failedChecks(report).map((r) => r.check), result: (check: string) => report.results.find((r) => r.check === check)! };
}

describe('checkPreconditionerPlugin', () => {
  it('passes the identity on every check: plain gradient descent at the default η = 1', async () => {
    const before = tf.memory().numTensors;
    const { report, failed, result } = await failing(identity);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.results.map((r) => r.check)).toEqual([...PRECONDITIONER_CHECKS]);
    expect(failed).toEqual([]);
    // With M = I and η = 1 the error along an eigenvector of eigenvalue λ shrinks by |1 - λ| a step:
    // the two λ = 1 directions vanish at once, λ = 0.3 holds |(V W*)₂| = 1/3 (0.7ⁿ), λ = 0.1 holds
    // |(V W*)₃| = 6.5/3 ≈ 2.167 (0.9ⁿ), with V W* = (1/3)(-2, -1, 6.5). 0.9ⁿ · 2.167 ≤ 1e-3 first
    // at n = 73 (ln(1e-3 / 2.167) / ln 0.9 = 72.9), when 0.7ⁿ / 3 is negligible.
    expect(result('convergence-quadratic').details!.firstStepWithinTolerance).toBe(73);
    expect(PRECONDITIONER_SUITE_DEFAULTS.quadratic.lr).toBe(1);
  });

  it('passes a Gauss-Newton preconditioner, which at η = 1 is a damped Newton step on the quadratic', async () => {
    const { failed, result } = await failing(ggn, { options: { decay: 0.5 } });
    expect(failed).toEqual([]);
    // The bias-corrected average of a constant GGN is that GGN, so M = H + 1e-3 I and a step keeps
    // λ_d / (λ + λ_d) of the error along each eigenvalue λ: at most 1e-3 / 0.101 ≈ 0.0099. After one
    // step the slowest direction still holds 2.167 · 0.0099 ≈ 0.021 > 1e-3; after two, at most
    // 2.345 · 0.0099² ≈ 2.3e-4.
    expect(result('convergence-quadratic').details!.firstStepWithinTolerance).toBe(2);
  });

  it('catches apply returning flattened directions', async () => {
    const { failed, result } = await failing(ggnPlugin('flatten'), { checks: ['apply-shapes'] });
    expect(failed).toEqual(['apply-shapes']);
    // The least-squares kernel is [3, 1]; flattened it is [3].
    expect(result('apply-shapes').message).toMatch(/'linear\/kernel' has shape \[3\], the gradient \[3, 1\] on least-squares/);
  });

  it('catches apply handing back the gradients themselves', async () => {
    const { failed, result } = await failing(ggnPlugin('same-tensor'), { checks: ['apply-shapes'] });
    expect(failed).toEqual(['apply-shapes']);
    expect(result('apply-shapes').message).toMatch(/returned the gradient of 'linear\/kernel' itself/);
  });

  it('catches a preconditioner whose setState drops its statistics', async () => {
    const { failed, result } = await failing(ggnPlugin('forget-statistics'), { options: { decay: 0.5 } });
    expect(failed).toEqual(['state-round-trip']);
    // On the quadratic, Gauss-Newton is at the minimiser within the 5 steps before the checkpoint,
    // so the directions after it are 0 whatever the statistics: only the state comparison sees
    // the loss. Rosenbrock's curvature changes from step to step, so its next step differs.
    // The flawed restore keeps the fresh count 0, so after the 2 compared steps it is 2, not 5 + 2.
    expect(result('state-round-trip').message).toMatch(/on least-squares, parameters match, but after step 7 the restored preconditioner state differs from the uninterrupted one at count: 7 vs 2/);
    expect(result('state-round-trip').message).toMatch(/on rosenbrock, after restoring the checkpoint of step 5, step 6 differs/);
  });

  it('catches a preconditioner that leaks a tensor per apply', async () => {
    const { failed, result } = await failing(ggnPlugin('leak'), { options: { decay: 0.5 } });
    expect(failed).toEqual(['no-tensor-growth', 'dispose']);
    // One apply per step, 50 counted steps.
    const growth = result('no-tensor-growth').details as { before: number; after: number };
    expect(growth.after - growth.before).toBe(PRECONDITIONER_SUITE_DEFAULTS.growth.steps);
  });

  it('fails convergence when η is too large for the preconditioner', async () => {
    // With M = I, η = 2.5 multiplies the error along λ = 1 by |1 - 2.5| = 1.5 a step.
    const { failed } = await failing(identity, { quadratic: { lr: 2.5 }, checks: ['convergence-quadratic'] });
    expect(failed).toEqual(['convergence-quadratic']);
  });
});
