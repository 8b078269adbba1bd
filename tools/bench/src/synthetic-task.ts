import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, mseLoss, provide, TASK, z } from '@precond/core';
import { mlp } from '@precond/nn';

/** Samples, inputs, hidden width and classes of the paper's MNIST network (E5, PAPER.md). */
export const MNIST_SHAPE = { samples: 1000, inputs: 784, hidden: 250, classes: 10 } as const;

/**
 * A task with the shapes of E5's MNIST subset: 1000 inputs of 784 values uniform in [0, 1) and
 * one-hot targets of 10 classes, from the run's seeded `data` stream, MSE loss (E5 trains on MSE),
 * and the 784-250-10 ReLU MLP as its model. Only the shapes set the cost of a step, so random
 * labels stand in for digits.
 */
export const mnistShapedTask = definePlugin({
  meta: { name: '@precond/bench', version: '0.1.0', kind: 'task', id: 'bench-mnist-shaped' },
  options: z.object({}).strict(),
  register(container) {
    const { samples, inputs, hidden, classes } = MNIST_SHAPE;
    provide(container, TASK, {
      useValue: {
        inputSize: inputs,
        outputSize: classes,
        loss: mseLoss(),
        makeData(rng) {
          const x = rng.fill(samples * inputs, (r) => r.uniform());
          const y = new Float32Array(samples * classes);
          for (let i = 0; i < samples; i++) y[i * classes + rng.int(classes)] = 1;
          return { train: { x: tf.tensor2d(x, [samples, inputs]), y: tf.tensor2d(y, [samples, classes]) } };
        },
        defaultModel: () => mlp({ hidden: [hidden], activation: 'relu' }),
        metrics: async () => ({}),
        getState: () => ({}),
        setState: () => undefined,
      },
    });
  },
});
