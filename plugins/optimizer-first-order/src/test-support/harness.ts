// Helpers for this package's tests: run a transformation or an optimizer on tiny, fully specified
// inputs and read the numbers back.
import * as tf from '@tensorflow/tfjs-core';
import {
  createRunContainer,
  disposeState,
  identityPreconditioner,
  mseLoss,
  OPTIMIZER,
  parsePluginOptions,
  PRECONDITIONER,
  provide,
  resolve,
  Rng,
  RunStepContext,
  type Dataset,
  type GradientTransformation,
  type Model,
  type Optimizer,
  type PluginInstance,
  type Preconditioner,
  type State,
} from '@precond/core';
import { expect } from 'vitest';

/** One update's inputs: the incoming update per parameter and the parameter values it sees. */
export interface UpdateInput {
  readonly grads: readonly number[][];
  readonly params: readonly number[][];
}

/**
 * Apply `transform` to a sequence of updates (step k sees `count = k`) and return each step's
 * outgoing updates as plain arrays. Every tensor made here is disposed before returning.
 */
export function runUpdates(transform: GradientTransformation, steps: readonly UpdateInput[]): number[][][] {
  const first = steps[0]!.params.map((p) => tf.tensor1d(p));
  let state: State = transform.init(first);
  first.forEach((t) => t.dispose());
  const out: number[][][] = [];
  steps.forEach(({ grads, params }, count) => {
    const g = grads.map((x) => tf.tensor1d(x));
    const p = params.map((x) => tf.tensor1d(x));
    const result = transform.update(g, state, { count, params: p });
    out.push(result.updates.map((u) => Array.from(u.dataSync())));
    result.updates.forEach((u) => u.dispose());
    disposeState(state, result.state);
    state = result.state;
    g.forEach((t) => t.dispose());
    p.forEach((t) => t.dispose());
  });
  disposeState(state);
  return out;
}

/** Element-wise `|a - e| <= tol·max(1, |e|)`, with the index in the failure message. */
export function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      expect.fail(`entry ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
    }
  });
}

/**
 * A model with one parameter, a kernel `W [in, out]`, and `f(x) = x W`. Enough to test a step rule
 * without depending on @precond/nn.
 */
export function linearModel(kernel: readonly number[][]): Model {
  // tf.variable keeps its initial tensor alive unless that tensor is made inside tidy.
  const w = tf.tidy(() => tf.variable(tf.tensor2d(kernel as number[][])));
  const applyWith = (values: readonly tf.Tensor[], x: tf.Tensor2D) => tf.matMul(x, values[0] as tf.Tensor2D) as tf.Tensor2D;
  return {
    params: [{ name: 'linear/kernel', variable: w }],
    apply: (x) => applyWith([w], x),
    applyWith,
    parameterCount: () => w.size,
    dispose: () => w.dispose(),
  };
}

/**
 * The quadratic every optimizer test uses: `f(x) = x θ` with θ ∈ R² (a [2, 1] kernel), inputs
 * X = I₂ and targets y = (1, -2). Core's MSE is `L = (1/2n) Σ (f - y)²` with n = 2, so
 * `L(θ) = ¼ ‖θ - y‖²` and `∇L = (θ - y) / 2`: each coordinate is an independent parabola.
 */
export interface Quadratic {
  readonly model: Model;
  readonly batch: Dataset;
  /** θ as a plain array. */
  theta(): number[];
  dispose(): void;
}

export const TARGET = [1, -2] as const;

export function quadratic(theta0: readonly [number, number] = [0, 0]): Quadratic {
  const model = linearModel([[theta0[0]], [theta0[1]]]);
  const batch = {
    x: tf.tensor2d([
      [1, 0],
      [0, 1],
    ]),
    y: tf.tensor2d([[TARGET[0]], [TARGET[1]]]),
  };
  return {
    model,
    batch,
    theta: () => Array.from(model.params[0]!.variable.dataSync()),
    dispose() {
      model.dispose();
      batch.x.dispose();
      batch.y.dispose();
    },
  };
}

/**
 * The optimizer a run would get from `plugin`: options validated as the runner does, registered
 * in a fresh run container next to `preconditioner` (the identity, as the runner provides by
 * default), then resolved and initialised on the model's parameters.
 */
export function optimizerFor(plugin: PluginInstance, model: Model, preconditioner: Preconditioner = identityPreconditioner()): Optimizer {
  const container = createRunContainer();
  provide(container, PRECONDITIONER, { useValue: preconditioner });
  plugin.register(container, parsePluginOptions(plugin, plugin.config, 'optimizer'), { slot: 'optimizer' });
  const optimizer = resolve(container, OPTIMIZER);
  optimizer.init(model.params);
  return optimizer;
}

/** Take `steps` optimizer steps (numbered from `first`) and return the loss before each. */
export async function takeSteps(optimizer: Optimizer, problem: Quadratic, steps: number, first = 1): Promise<number[]> {
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const ctx = new RunStepContext(first + k, problem.model, problem.batch, mseLoss(), new Rng(0), undefined, false);
    try {
      losses.push((await optimizer.step(ctx)).loss);
    } finally {
      ctx.dispose();
    }
  }
  return losses;
}
