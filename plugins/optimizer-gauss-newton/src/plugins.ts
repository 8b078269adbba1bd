import { definePlugin, OPTIMIZER, provide } from '@precond/core';
import { gaussNewtonOptimizer } from './gauss-newton-optimizer.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './meta.js';
import { ggnOptions, gnOptions, lmOptions, type GgnOptions, type LmOptions } from './options.js';

const meta = (id: string, description: string) => ({ name: PACKAGE_NAME, version: PACKAGE_VERSION, kind: 'optimizer' as const, id, description });

function registerDamped(container: Parameters<typeof provide>[0], options: LmOptions | GgnOptions, slot: string): void {
  provide(container, OPTIMIZER, { useFactory: () => gaussNewtonOptimizer({ ...options, epsilon: null, slot }) });
}

/**
 * Levenberg-Marquardt, `θ ← θ − η (μI + JᵀHJ)⁻¹ Jᵀ g` (PAPER.md, "Methods"); for MSE the paper's
 * `(μI + JᵀJ)⁻¹ Jᵀ (f − y)`. μ is fixed (default 0.1), a schedule, or the adaptive gain-ratio rule.
 *
 * @example variants: { 'lm-0.1': { optimizer: lm({ mu: 0.1, lr: 0.5 }) } }
 */
export const lm = definePlugin({
  meta: meta('lm', 'Levenberg-Marquardt: θ ← θ − η (μI + JᵀHJ)⁻¹ Jᵀ g (fixed, scheduled or adaptive μ)'),
  options: lmOptions,
  register(container, options, ctx) {
    registerDamped(container, options, ctx.slot);
  },
});

/**
 * Generalised Gauss-Newton for any loss, in particular cross-entropy (`H_i = diag(p_i) − p_i p_iᵀ`):
 * the `lm` step with adaptive damping by default. Its solver is the parameter-space GGN or CG
 * (`auto` picks), as the residual-space system is not symmetric for block Hessians.
 *
 * @example variants: { ggn: { optimizer: ggn({ solver: 'cg', cg: { maxIterations: 20 } }) } }
 */
export const ggn = definePlugin({
  meta: meta('ggn', 'generalised Gauss-Newton (cross-entropy): θ ← θ − η (μI + JᵀHJ)⁻¹ Jᵀ g, adaptive μ'),
  options: ggnOptions,
  register(container, options, ctx) {
    registerDamped(container, options, ctx.slot);
  },
});

/**
 * Gauss-Newton with a truncated pseudo-inverse, `θ ← θ − η (JᵀHJ)† Jᵀ g`: eigenvalues at most
 * `epsilon·λ_max` are dropped, so every mode above the cutoff decays at one rate and the rest do
 * not move (PAPER.md, "Methods"). Reports the rank it kept.
 *
 * @example variants: { gn: { optimizer: gn({ epsilon: 1e-10, lr: 0.05 }) } }
 */
export const gn = definePlugin({
  meta: meta('gn', 'Gauss-Newton with a truncated pseudo-inverse: θ ← θ − η (JᵀHJ)† Jᵀ g'),
  options: gnOptions,
  register(container, options, ctx) {
    provide(container, OPTIMIZER, { useFactory: () => gaussNewtonOptimizer({ ...options, mu: null, slot: ctx.slot }) });
  },
});
