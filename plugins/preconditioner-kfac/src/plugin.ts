import { definePlugin, PRECONDITIONER, provide } from '@precond/core';
import { kfacPreconditioner } from './kfac.js';
import { kfacOptions } from './options.js';

/** Package identity (kept equal to package.json; a test checks it). */
export const PACKAGE_NAME = '@precond/preconditioner-kfac';
export const PACKAGE_VERSION = '0.1.0';

/**
 * The `kfac` preconditioner plugin: Kronecker-factored curvature blocks for dense and embedding
 * layers, π-adjusted damping, moving-average factors with their own update period and inverses
 * with theirs. First-order optimizers apply it to every gradient, so `sgd({ lr: 1 })` with it is
 * (damped) natural-gradient / Gauss-Newton descent with K-FAC's curvature.
 *
 * @example
 *   variants: { kfac: { optimizer: sgd({ lr: 1 }), preconditioner: kfac({ damping: 1e-3 }) } }
 */
export const kfac = definePlugin({
  meta: {
    name: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    kind: 'preconditioner',
    id: 'kfac',
    description: 'K-FAC: per-layer A ⊗ G curvature blocks, π-damped, moving averages, separate factor and inverse periods',
  },
  options: kfacOptions,
  register(container, options) {
    provide(container, PRECONDITIONER, { useFactory: () => kfacPreconditioner(options) });
  },
});
