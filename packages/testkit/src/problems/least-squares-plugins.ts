import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, MODEL_FACTORY, mseLoss, provide, TASK, z, type Task } from '@precond/core';
import { TESTKIT_PACKAGE } from '../package-meta.js';
import { FunctionModel } from './function-model.js';
import { leastSquaresProblem } from './least-squares.js';

/**
 * A linear model `f(x) = x W + b` (kernel `linear/kernel` `[in, out]`, bias `linear/bias` `[out]`,
 * both starting at 0) as a model plugin, so the suites can compose runs without a layer library.
 */
export const linearModel = definePlugin({
  meta: { ...TESTKIT_PACKAGE, kind: 'model', id: 'testkit-linear', description: 'f(x) = x W + b, starting at 0 (conformance suites)' },
  options: z.object({}).strict(),
  register(container) {
    provide(container, MODEL_FACTORY, {
      useValue: {
        create: ({ inputSize, outputSize }) =>
          new FunctionModel(
            [
              { name: 'linear/kernel', shape: [inputSize, outputSize], initial: new Float32Array(inputSize * outputSize) },
              { name: 'linear/bias', shape: [outputSize], initial: new Float32Array(outputSize) },
            ],
            ([kernel, bias], x) => tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias!) as tf.Tensor2D,
            [
              {
                layer: 'linear',
                params: ['linear/kernel', 'linear/bias'],
                inputs: (x) => tf.tidy(() => tf.concat([x, tf.ones([x.shape[0], 1])], 1) as tf.Tensor2D),
              },
            ],
          ),
      },
    });
  },
});

/**
 * The least-squares problem (`leastSquaresProblem`) as a task plugin: its four samples do not
 * depend on the seed, its default model is `linearModel`, and its one metric is the residual norm
 * `‖f - y‖`. The probe suite observes it unless given another task.
 */
export const leastSquaresTask = definePlugin({
  meta: { ...TESTKIT_PACKAGE, kind: 'task', id: 'testkit-least-squares', description: 'linear least squares with condition number 10 (conformance suites)' },
  options: z.object({}).strict(),
  register(container) {
    const task: Task = {
      inputSize: 3,
      outputSize: 1,
      loss: mseLoss(),
      makeData() {
        const problem = leastSquaresProblem();
        // Keep the data, free the problem's own model.
        problem.model.dispose();
        return { train: problem.data };
      },
      defaultModel: () => linearModel(),
      async metrics({ trainOutputs, data }) {
        const norm = tf.tidy(() => tf.norm(tf.sub(trainOutputs, data.train.y)));
        const [value] = await norm.data();
        norm.dispose();
        return { residual_norm: value! };
      },
      getState: () => ({}),
      setState: () => undefined,
    };
    provide(container, TASK, { useValue: task });
  },
});
