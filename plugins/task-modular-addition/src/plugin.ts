import { definePlugin, provide, TASK } from '@precond/core';
import { modularAdditionOptions } from './options.js';
import { createModularAdditionTask } from './task.js';

/**
 * The modular-addition grokking task (paper E3, Fig. 5) as a plugin: `modularAddition()` for the
 * paper's p = 23, 90% split, α = 1, or `modularAddition({ alpha: 2 })`. Registers the task under
 * TASK; its default model is the quadratic MLP `α²/(2p·N) · W2 (W1 x)²`.
 */
export const modularAddition = definePlugin({
  meta: {
    name: '@precond/task-modular-addition',
    version: '0.1.0',
    kind: 'task',
    id: 'modular-addition',
    description: 'modular addition (a + b) mod p from a share of the pairs; train/test accuracy and grokking markers (paper E3, Fig. 5)',
  },
  options: modularAdditionOptions,
  register(container, options) {
    provide(container, TASK, { useValue: createModularAdditionTask(options) });
  },
});
