import { definePlugin, PRECONDITIONER, provide } from '@precond/core';
import { shampooOptions } from './options.js';
import { createShampoo } from './shampoo.js';

/**
 * Shampoo as a preconditioner plugin: per-layer `L^{-1/4} G R^{-1/4}` with grafting, blocking and
 * a diagonal rule for vectors. Pair it with any first-order optimizer:
 *
 * @example variants: { shampoo: { optimizer: sgd({ lr: 0.1 }), preconditioner: shampoo({ graft: 'adam' }) } }
 */
export const shampoo = definePlugin({
  meta: {
    name: '@precond/preconditioner-shampoo',
    version: '0.1.0',
    kind: 'preconditioner',
    id: 'shampoo',
    description: 'Shampoo: L^{-1/p} G R^{-1/p} per (blocked) matrix, grafted step size, diagonal rule for vectors',
  },
  options: shampooOptions,
  register(container, options) {
    provide(container, PRECONDITIONER, { useFactory: () => createShampoo(options) });
  },
});
