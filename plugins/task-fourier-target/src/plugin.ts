import { definePlugin, provide, TASK } from '@precond/core';
import { fourierTargetOptions } from './options.js';
import { createFourierTargetTask } from './task.js';

/**
 * The 1-D multi-frequency regression task of the paper's E1 (Fig. 3), as a plugin:
 * `fourierTarget()` for the paper's target, or `fourierTarget({ frequencies: [1, 10], ... })`.
 * Registers the task under TASK; its default model is the 1-80-80-1 tanh MLP.
 */
export const fourierTarget = definePlugin({
  meta: {
    name: '@precond/task-fourier-target',
    version: '0.1.0',
    kind: 'task',
    id: 'fourier-target',
    description: '1-D regression of a sum of sines; reports the FFT mode errors of the residual (paper E1, Fig. 3)',
  },
  options: fourierTargetOptions,
  register(container, options) {
    provide(container, TASK, { useValue: createFourierTargetTask(options) });
  },
});
