import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, definePlugin, mseLoss, provide, TASK, z, type Loss, type Metrics, type PluginFactory, type Task } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { leastSquaresTask, linearModel } from '../problems/least-squares-plugins.js';
import { failedChecks } from '../report/report.js';
import { describeTaskConformance } from '../vitest.js';
import { checkTaskPlugin, TASK_CHECKS, TASK_SUITE_DEFAULTS, type TaskSuiteOptions } from './check-task.js';

type Flaw = 'none' | 'math-random' | 'wide-targets' | 'wrong-gradient' | 'nan-metric' | 'reserved-metric' | 'forget-state';

const sinOptions = z.object({ points: z.number().int().min(2).default(16), testPoints: z.number().int().min(0).default(8) }).strict();

/** An MSE whose output gradient is twice what its value implies (a common slip: d/df of (f-y)² without the ½). */
function mseWithDoubledGradient(): Loss {
  const mse = mseLoss();
  return { ...mse, outputGradient: (pred, target) => tf.tidy(() => tf.mul(tf.sub(pred, target), 2) as tf.Tensor2D) };
}

/**
 * `y = sin(x)` at points drawn uniformly from [-π, π). Its metric is the largest error relative to
 * the largest error of the first logged step, which it keeps as state (so a resume must restore it).
 */
function sinTask(o: z.output<typeof sinOptions>, flaw: Flaw): Task {
  let initialMaxError: number | null = null;
  return {
    inputSize: 1,
    outputSize: 1,
    loss: flaw === 'wrong-gradient' ? mseWithDoubledGradient() : mseLoss(),
    makeData(rng) {
      const draw = () => (flaw === 'math-random' ? Math.random() : rng.uniform()) * 2 * Math.PI - Math.PI;
      const set = (n: number) => {
        const xs = Array.from({ length: n }, draw);
        const ys = xs.map(Math.sin);
        return {
          x: tf.tensor2d(xs, [n, 1]),
          y: flaw === 'wide-targets' ? tf.tensor2d(ys.flatMap((v) => [v, v]), [n, 2]) : tf.tensor2d(ys, [n, 1]),
        };
      };
      const train = set(o.points);
      return o.testPoints > 0 ? { train, test: set(o.testPoints) } : { train };
    },
    defaultModel: () => linearModel(),
    async metrics({ trainOutputs, data }): Promise<Metrics> {
      const t = tf.tidy(() => tf.max(tf.abs(tf.sub(trainOutputs, data.train.y))));
      const maxError = (await t.data())[0]!;
      t.dispose();
      initialMaxError ??= maxError;
      if (flaw === 'nan-metric') return { relative_max_error: Number.NaN };
      if (flaw === 'reserved-metric') return { loss: maxError };
      return { max_error: maxError, relative_max_error: maxError / initialMaxError };
    },
    getState: () => ({ initial_max_error: initialMaxError }),
    setState(s) {
      if (flaw !== 'forget-state') initialMaxError = s.initial_max_error as number | null;
    },
  };
}

function sinPlugin(flaw: Flaw, id = `sin-${flaw}`) {
  return definePlugin({
    meta: { name: '@example/task-sin', version: '0.3.0', kind: 'task', id },
    options: sinOptions,
    register: (c, o) => provide(c, TASK, { useFactory: () => sinTask(o, flaw) }),
  });
}

const sin = sinPlugin('none', 'sin');

describeTaskConformance(sin, { options: { points: 32 } });
describeTaskConformance(leastSquaresTask);

async function failing(plugin: PluginFactory, suite: TaskSuiteOptions = {}) {
  const report = await checkTaskPlugin(plugin, suite);
  return { report, failed: failedChecks(report).map((r) => r.check), result: (check: string) => report.results.find((r) => r.check === check)! };
}

describe('checkTaskPlugin', () => {
  it('passes a correct task on every check without leaking tensors itself', async () => {
    const before = tf.memory().numTensors;
    const { report, failed, result } = await failing(sin);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.results.map((r) => r.check)).toEqual([...TASK_CHECKS]);
    expect(failed).toEqual([]);
    // 16 training points of 1 input → 1 output and 8 test points (the defaults of sinOptions).
    expect(result('data-shapes').message).toBe('train is [16, 1] → [16, 1], test [8, ...], float32 and finite');
    expect(result('metrics').details!.names).toEqual(['max_error', 'relative_max_error']);
  });

  it('catches data drawn from Math.random instead of the RNG it is given', async () => {
    const { failed, result } = await failing(sinPlugin('math-random'));
    // The restored task in state-round-trip gets other data too, hence other metrics.
    expect(failed).toEqual(['data-determinism', 'state-round-trip']);
    expect(result('data-determinism').message).toMatch(/made different train data: x element 0/);
  });

  it('catches targets whose width is not outputSize', async () => {
    const { failed, result } = await failing(sinPlugin('wide-targets'));
    expect(failed).toEqual(['data-shapes']);
    expect(result('data-shapes').message).toMatch(/train\.y has 2 columns, task\.outputSize is 1/);
  });

  it('catches a loss whose output gradient and Hessian disagree with its value', async () => {
    const { failed, result } = await failing(sinPlugin('wrong-gradient'));
    expect(failed).toEqual(['loss']);
    // outputGradient = 2(f - y) where n·∂L/∂f = f - y: the difference is |f - y| = 0.5|ε| per entry,
    // far above the 1e-4 tolerance; the Hessian 1 of mseLoss() against the autodiff 2 likewise.
    const details = result('loss').details as { gradientError: number; hessianError: number };
    expect(details.gradientError).toBeGreaterThan(100 * TASK_SUITE_DEFAULTS.lossTolerance);
    expect(details.hessianError).toBeGreaterThan(100 * TASK_SUITE_DEFAULTS.lossTolerance);
  });

  it('checks a loss with a per-sample Hessian tensor (softmax cross-entropy) against autodiff', async () => {
    const classes = definePlugin({
      meta: { name: '@example/task-classes', version: '1.0.0', kind: 'task', id: 'classes' },
      options: z.object({}).strict(),
      register: (c) =>
        provide(c, TASK, {
          useValue: {
            ...sinTask({ points: 6, testPoints: 0 }, 'none'),
            outputSize: 3,
            loss: crossEntropyLoss(),
            makeData: (rng) => {
              const labels = Array.from({ length: 6 }, () => rng.int(3));
              const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32') as tf.Tensor2D);
              return { train: { x: tf.tensor2d(labels.map((l) => l / 2), [6, 1]), y } };
            },
          },
        }),
    });
    const { failed } = await failing(classes, { checks: ['loss'] });
    expect(failed).toEqual([]);
  });

  it('catches non-finite metrics and metrics named like what the runner writes', async () => {
    const nan = await failing(sinPlugin('nan-metric'));
    expect(nan.failed).toEqual(['metrics']);
    expect(nan.result('metrics').message).toMatch(/relative_max_error = NaN, not a finite number/);
    const reserved = await failing(sinPlugin('reserved-metric'), { checks: ['metrics'] });
    expect(reserved.result('metrics').message).toMatch(/a metric named 'loss', which the runner writes itself/);
  });

  it('catches a task whose setState loses its metric state', async () => {
    const { failed, result } = await failing(sinPlugin('forget-state'));
    expect(failed).toEqual(['state-round-trip']);
    // The restored task takes the error of step 3 as its first, so it reports exactly 1 there.
    expect(result('state-round-trip').message).toMatch(/metrics differ from the uninterrupted task at relative_max_error: 0\.\d+ vs 1/);
  });

  it('catches a default model that is not a model plugin', async () => {
    const noModel = definePlugin({
      meta: { name: '@example/task-sin', version: '0.3.0', kind: 'task', id: 'no-model' },
      options: sinOptions,
      register: (c, o) => provide(c, TASK, { useFactory: () => ({ ...sinTask(o, 'none'), defaultModel: () => sin() }) }),
    });
    const { failed, result } = await failing(noModel, { checks: ['default-model'] });
    expect(failed).toEqual(['default-model']);
    expect(result('default-model').message).toMatch(/returned a task plugin \('sin'\), not a model plugin/);
  });

  it('reports a task that does not register as failed findings instead of throwing', async () => {
    const empty = definePlugin({
      meta: { name: '@example/task-empty', version: '1.0.0', kind: 'task', id: 'empty' },
      options: z.object({}).strict(),
      register: () => undefined,
    });
    const { failed, result } = await failing(empty);
    expect(failed).toEqual(TASK_CHECKS.filter((c) => c !== 'metadata' && c !== 'schema'));
    expect(result('registration').message).toMatch(/nothing is registered for @precond\/core:Task/);
  });
});
