// A tiny, fully specified linear-regression problem as real plugins, for core's own tests
// (core cannot depend on @precond/nn or on plugin packages).
import * as tf from '@tensorflow/tfjs-core';
import { provide } from '../di/container.js';
import { MODEL_FACTORY, OPTIMIZER, PRECONDITIONER, TASK } from '../di/tokens.js';
import { mseLoss } from '../contracts/loss.js';
import type { Model } from '../contracts/model.js';
import { definePlugin } from '../plugin/define-plugin.js';
import { chain, transformationOptimizer, type GradientTransformation } from '../optim/transformation.js';
import { scheduleOrNumber, scheduleValue } from '../schedules/schedule.js';
import { z } from 'zod';

/** f(x) = x w + b with w [in, 1], initial values drawn from the model's RNG stream. */
export function linearModel(inputSize: number, values: { w: Float32Array; b: Float32Array }): Model {
  // tf.variable keeps its initial tensor alive: make it inside tidy so only the variable remains.
  const w = tf.tidy(() => tf.variable(tf.tensor2d(values.w, [inputSize, 1])));
  const b = tf.tidy(() => tf.variable(tf.tensor1d(values.b)));
  const params = [
    { name: 'dense_0/kernel', variable: w },
    { name: 'dense_0/bias', variable: b },
  ];
  const applyWith = (v: readonly tf.Tensor[], x: tf.Tensor2D) =>
    tf.tidy(() => tf.add(tf.matMul(x, v[0] as tf.Tensor2D), v[1]!) as tf.Tensor2D);
  return {
    params,
    apply: (x) => applyWith([w, b], x),
    applyWith,
    parameterCount: () => inputSize + 1,
    dispose: () => {
      w.dispose();
      b.dispose();
    },
  };
}

export const linearModelPlugin = definePlugin({
  meta: { name: 'core-test', version: '0.0.0', kind: 'model', id: 'linear' },
  options: z.object({ initScale: z.number().positive().default(0.1) }).strict(),
  register(c, o) {
    provide(c, MODEL_FACTORY, {
      useValue: {
        create: ({ rng, inputSize }) =>
          linearModel(inputSize, { w: rng.fill(inputSize, (r) => r.normal() * o.initScale), b: new Float32Array(1) }),
      },
    });
  },
});

/** y = x·[1, -2, 0.5] + 0.3 + noise·N(0,1) on n points x ~ N(0, I). */
export const linearTaskPlugin = definePlugin({
  meta: { name: 'core-test', version: '0.0.0', kind: 'task', id: 'linear-task' },
  options: z.object({ points: z.number().int().positive().default(32), noise: z.number().nonnegative().default(0.1) }).strict(),
  register(c, o) {
    let calls = 0;
    provide(c, TASK, {
      useFactory: () => ({
        inputSize: 3,
        outputSize: 1,
        loss: mseLoss(),
        makeData(rng) {
          const x = rng.fill(o.points * 3, (r) => r.normal());
          const y = new Float32Array(o.points);
          for (let i = 0; i < o.points; i++) {
            y[i] = x[3 * i]! - 2 * x[3 * i + 1]! + 0.5 * x[3 * i + 2]! + 0.3 + o.noise * rng.normal();
          }
          return { train: { x: tf.tensor2d(x, [o.points, 3]), y: tf.tensor2d(y, [o.points, 1]) } };
        },
        defaultModel: () => linearModelPlugin(),
        async metrics(ctx) {
          calls++;
          const w = await ctx.model.params[0]!.variable.data();
          return { w: Array.from(w), calls };
        },
        getState: () => ({ calls }),
        setState: (s) => {
          calls = s.calls as number;
        },
      }),
    });
  },
});

/** Gradient descent with heavy-ball momentum: a state with tensors and a counter to checkpoint. */
function momentumDescent(lr: z.output<typeof scheduleOrNumber>, beta: number): GradientTransformation {
  return {
    init: (params) => ({ velocity: params.map((p) => tf.zerosLike(p)) }),
    update(updates, state, ctx) {
      const velocity = (state.velocity as tf.Tensor[]).map((v, i) => tf.tidy(() => tf.add(tf.mul(v, beta), updates[i]!)));
      const eta = scheduleValue(lr, ctx.count);
      return { updates: velocity.map((v) => tf.mul(v, -eta)), state: { velocity } };
    },
  };
}

export const momentumPlugin = definePlugin({
  meta: { name: 'core-test', version: '0.0.0', kind: 'optimizer', id: 'test-momentum' },
  options: z.object({ lr: scheduleOrNumber.default(0.1), beta: z.number().min(0).max(0.999).default(0.5) }).strict(),
  register(c, o) {
    provide(c, OPTIMIZER, { useFactory: (cc) => transformationOptimizer(chain(momentumDescent(o.lr, o.beta)), cc.resolve(PRECONDITIONER)) });
  },
});
