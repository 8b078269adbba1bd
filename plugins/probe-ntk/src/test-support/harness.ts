// A probe observing a small MLP directly, without the runner: the container holds the `mlp` model
// plugin (and so its CURVATURE_PROVIDER) and the `ntk` plugin, and each observation gets a fresh
// curvature context of the training set, freed afterwards, as the runner's step context would be.
import * as tf from '@tensorflow/tfjs-core';
import {
  createRunContainer,
  CURVATURE_PROVIDER,
  MODEL_FACTORY,
  mseLoss,
  parsePluginOptions,
  PROBE,
  resolve,
  resolveAll,
  Rng,
  type CurvatureContext,
  type Metrics,
  type Model,
  type PluginInstance,
  type Probe,
  type Task,
  type TaskData,
} from '@precond/core';
import { mlp, type MlpPluginOptions } from '@precond/nn';
import { ntk } from '../plugin.js';
import type { NtkOptionsInput } from '../options.js';

export interface HarnessConfig {
  /** Inputs, row-major `n × d`. */
  readonly x: readonly number[];
  /** Targets, row-major `n × k`. */
  readonly y: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly model: Partial<MlpPluginOptions>;
  readonly probe?: NtkOptionsInput;
  readonly seed?: number;
  /** Register the model plugin (and with it CURVATURE_PROVIDER); default true. */
  readonly curvatureProvider?: boolean;
}

export interface Harness {
  readonly model: Model;
  readonly data: TaskData;
  readonly probe: Probe;
  /** `init` (when asked) and `observe` at `step`; counts how often the step's curvature was asked for. */
  observe(step: number, options?: { init?: boolean }): Promise<Metrics & { curvatureCalls: number }>;
  /** Plain gradient descent on the MSE loss `½ mean ‖f − y‖²`. */
  gradientSteps(count: number, lr: number): void;
  dispose(): void;
}

function register(container: ReturnType<typeof createRunContainer>, plugin: PluginInstance, slot: string): void {
  plugin.register(container, parsePluginOptions(plugin, plugin.config, slot) as never, { slot });
}

export function probeHarness(config: HarnessConfig): Harness {
  const n = config.x.length / config.inputSize;
  const loss = mseLoss();
  const data: TaskData = {
    train: { x: tf.tensor2d(config.x as number[], [n, config.inputSize]), y: tf.tensor2d(config.y as number[], [n, config.outputSize]) },
  };
  const task: Task = {
    inputSize: config.inputSize,
    outputSize: config.outputSize,
    loss,
    makeData: () => data,
    defaultModel: () => mlp(config.model),
    metrics: async () => ({}),
    getState: () => ({}),
    setState: () => undefined,
  };
  const container = createRunContainer();
  register(container, mlp(config.model), 'model');
  const provider = resolve(container, CURVATURE_PROVIDER);
  const model = resolve(container, MODEL_FACTORY).create({ rng: new Rng(config.seed ?? 0).fork('model'), inputSize: config.inputSize, outputSize: config.outputSize });
  // Without a provider the probe's own container must not hold one: register it in a fresh one.
  const probeContainer = config.curvatureProvider === false ? createRunContainer() : container;
  register(probeContainer, ntk(config.probe ?? {}), 'probes.ntk');
  const probe = resolveAll(probeContainer, PROBE)[0]!;

  return {
    model,
    data,
    probe,
    async observe(step, options = {}) {
      let made: CurvatureContext | undefined;
      let curvatureCalls = 0;
      const ctx = {
        step,
        model,
        task,
        data,
        curvature: () => {
          curvatureCalls++;
          return (made ??= provider.create(model, loss, data.train));
        },
      };
      try {
        if (options.init) await probe.init(ctx);
        return { ...(await probe.observe(ctx)), curvatureCalls };
      } finally {
        made?.dispose();
      }
    },
    gradientSteps(count, lr) {
      const vars = model.params.map((p) => p.variable);
      for (let s = 0; s < count; s++) {
        tf.tidy(() => {
          const grads = tf.grads((...values: tf.Tensor[]) => loss.value(model.applyWith(values, data.train.x), data.train.y))(vars);
          vars.forEach((v, i) => v.assign(tf.sub(v, tf.mul(grads[i]!, lr))));
        });
      }
    },
    dispose() {
      probe.dispose();
      model.dispose();
      tf.dispose([data.train.x, data.train.y]);
      container.clearInstances();
      probeContainer.clearInstances();
    },
  };
}

/** `count` equispaced points of [a, b) (NumPy `linspace(a, b, count, endpoint=False)`), as float32 values. */
export function grid(a: number, b: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.fround(a + ((b - a) * i) / count));
}
