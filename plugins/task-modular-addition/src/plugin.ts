import { definePlugin, provide, TASK } from '@precond/core';
import { modularAdditionOptions } from './options.js';
import { createModularAdditionTask } from './task.js';

/**
 * The modular-addition grokking task as a plugin: `modularAddition()` for the paper's E3 (Fig. 5:
 * p = 23, 90% split, α = 1; `modularAddition({ alpha: 2 })`), whose default model is the quadratic
 * MLP `α²/(2p·N) · W2 (W1 x)²`, or `modularAddition({ form: 'transformer' })` for E6 (Figs. 8, 12:
 * p = 97, 50% split, tokens [a, b, =]), whose default model is a 2-block, 4-head, d_model 128
 * transformer. Registers the task under TASK.
 */
export const modularAddition = definePlugin({
  meta: {
    name: '@precond/task-modular-addition',
    version: '0.1.0',
    kind: 'task',
    id: 'modular-addition',
    description: 'modular addition (a + b) mod p from a share of the pairs; train/test accuracy and grokking markers (paper E3, Fig. 5: mlp form; E6, Figs. 8, 12: transformer form)',
  },
  options: modularAdditionOptions,
  register(container, options) {
    provide(container, TASK, { useValue: createModularAdditionTask(options) });
  },
});
