import type * as tf from '@tensorflow/tfjs-core';
import type { CurvatureContext, Loss } from '@precond/core';
import type { CgOptions } from '../options.js';

/**
 * One step's linear system, in the summed-loss convention of core's CurvatureContext
 * (`S(θ) = Σ_i ℓ_i(f_i(θ), y_i)`, J the per-sample Jacobian, H_i the per-sample output Hessian):
 *
 *   lm / ggn:  d = (μI + JᵀHJ)⁻¹ Jᵀ g        gn:  d = (JᵀHJ)† Jᵀ g   (relative cutoff ε)
 *
 * with `g_i = ∂ℓ_i/∂f_i`. For MSE with scale 1, `g = f − y` and `H = I`, so d is the paper's
 * `(μI + JᵀJ)⁻¹ Jᵀ (f − y)` (PAPER.md, "Methods") and μ is measured against `JᵀJ`, not `JᵀJ/n`.
 */
export interface GaussNewtonSystem {
  readonly curvature: CurvatureContext;
  readonly loss: Loss;
  /** The batch targets y, `[n, k]`. */
  readonly targets: tf.Tensor2D;
  /** `g = ∂ℓ_i/∂f_i`, `[n, k]` (loss.outputGradient). */
  readonly outputGradient: tf.Tensor2D;
  /** `h` when `H_i = h·I` for every sample, else null (per-sample blocks). */
  readonly hessianScale: number | null;
  /** Parameter shapes, in model order. */
  readonly shapes: readonly (readonly number[])[];
  /** μ ≥ 0 of a damped solve; ignored by the pseudo-inverse. */
  readonly damping: number;
  /** The truncated pseudo-inverse's relative cutoff ε (gn), or null for a damped solve. */
  readonly pseudoInverseCutoff: number | null;
}

/** What a solver returns: the direction and the scalars the step rule needs. */
export interface GaussNewtonSolution {
  /** d, parameter-shaped; the caller owns these tensors. */
  readonly direction: tf.Tensor[];
  /** `bᵀd` with `b = Jᵀg` (the summed loss's gradient): the step `−ηd` lowers S at rate η·bᵀd. */
  readonly slope: number;
  /** `dᵀ(JᵀHJ)d`, the curvature of the Gauss-Newton model along d. */
  readonly curvature: number;
  /** Diagnostics: `rank` (pseudo-inverse), `jitter` (Cholesky shift), `cg_iterations`, `cg_residual`. */
  readonly info: Record<string, number>;
}

/** Matrix-free solves also get the CG options and the previous solution to start from. */
export interface CgSystem extends GaussNewtonSystem {
  readonly cg: CgOptions;
  /** The previous step's solution (not modified or disposed), or null. */
  readonly warmStart: readonly tf.Tensor[] | null;
}
