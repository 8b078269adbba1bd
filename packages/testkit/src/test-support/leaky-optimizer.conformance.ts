// Run by vitest.test.ts in a nested Vitest: the wrapper's `it`s must fail, by check name, for an
// optimizer that leaks one tensor per step.
import * as tf from '@tensorflow/tfjs-core';
import { chain, definePlugin, identityPreconditioner, OPTIMIZER, provide, transformationOptimizer, z, type GradientTransformation } from '@precond/core';
import { describeOptimizerConformance } from '../vitest.js';

const leakyScale: GradientTransformation = {
  init: () => ({}),
  update: (updates) => {
    // The clone is never disposed.
    tf.clone(updates[0]!);
    return { updates: updates.map((u) => tf.mul(u, -1)), state: {} };
  },
};

const leaky = definePlugin({
  meta: { name: '@example/optimizer-leaky', version: '1.0.0', kind: 'optimizer', id: 'leaky' },
  options: z.object({}).strict(),
  register: (c) => provide(c, OPTIMIZER, { useFactory: () => transformationOptimizer(chain(leakyScale), identityPreconditioner()) }),
});

describeOptimizerConformance(leaky, { checks: ['metadata', 'no-tensor-growth', 'dispose'] });
