import * as tf from '@tensorflow/tfjs-core';
import type { StepContext } from '@precond/core';
import type { AdaptiveDampingOptions } from './options.js';

/**
 * Martens & Grosse 2015, §6.4-6.5: the step length from the exact quadratic model and the
 * Levenberg-Marquardt rule for λ, as K-FAC runs them when `adaptiveDamping` is on.
 *
 * Step length (§6.4). K-FAC's block-diagonal Kronecker matrix F̃ misjudges the scale of its own
 * direction `d = F̃⁻¹ g`, so the direction is scaled by the minimiser of the damped quadratic
 * model built from the exact mean-loss GGN F along it,
 *   `M_λ(−αd) − M_λ(0) = −α gᵀd + ½α² dᵀ(F + λI)d`,  `α* = gᵀd / (dᵀ(F + λI)d)`.
 * `apply` then returns `α* d`, so `sgd({ lr: 1 })` takes exactly the step δ = −α* d that M&G take
 * (without their momentum term, which belongs to the optimizer). F·d is one `ggnVectorProduct`
 * (summed-loss GGN, divided by n for the mean loss).
 *
 * Damping (§6.5). Every `every` updates the step is tried, `h(θ + δ)` by one `lossAt` on the
 * step's batch, and `ρ = (h(θ + δ) − h(θ)) / (M(δ) − M(0))` with the undamped model
 * `M(δ) − M(0) = −α* gᵀd + ½α*² dᵀFd` (kfac-jax's default, `include_damping_in_quad_change=False`;
 * it is < 0 whenever gᵀd > 0). λ ← λ·increase if ρ < 1/4, λ·decrease if ρ > 3/4; a non-finite ρ
 * counts as ρ < 1/4 (kfac-jax maps NaN to −100). The new λ enters the quadratic model at once
 * and the factored inverses at their next update (M&G: T₁ = 5 for λ, T₃ = 20 for inverses).
 */
export interface StepModel {
  /** `gᵀd`: the slope along the direction (> 0 for a descent direction). */
  readonly slope: number;
  /** `dᵀFd` with F the mean-loss GGN `(1/n) Jᵀ H J`. */
  readonly curvature: number;
  /** `dᵀd`. */
  readonly squaredNorm: number;
  /** The loss at θ. */
  readonly loss: number;
  /** `α* = gᵀd / (dᵀ(F + λI)d)`. */
  readonly alpha: number;
}

/** The gain-ratio test of the step `−α* d`. */
export interface GainRatio {
  readonly trialLoss: number;
  /** `M(δ) − M(0) = −α* gᵀd + ½ α*² dᵀFd`. */
  readonly modelChange: number;
  readonly rho: number;
}

/**
 * The quadratic model along `direction` (parameter-shaped, the unscaled K-FAC direction for the
 * step's gradients), or null when it is not a descent direction or the model is degenerate.
 */
export async function modelOptimalStep(ctx: StepContext, direction: readonly tf.Tensor[], damping: number): Promise<StepModel | null> {
  const { value, grads } = ctx.valueAndGrads();
  const n = ctx.batch.x.shape[0];
  const product = ctx.curvature().ggnVectorProduct(direction);
  let dots: Float32Array;
  try {
    const stacked = tf.tidy(() => {
      const dot = (a: readonly tf.Tensor[], b: readonly tf.Tensor[]) => tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i]!))));
      return tf.stack([dot(grads, direction), dot(direction, product), dot(direction, direction), value]);
    });
    dots = (await stacked.data()) as Float32Array;
    stacked.dispose();
  } finally {
    tf.dispose(product);
  }
  const slope = dots[0]!;
  const curvature = dots[1]! / n;
  const squaredNorm = dots[2]!;
  const loss = dots[3]!;
  const denominator = curvature + damping * squaredNorm;
  if (!(slope > 0) || !(denominator > 0) || !Number.isFinite(slope) || !Number.isFinite(denominator)) return null;
  return { slope, curvature, squaredNorm, loss, alpha: slope / denominator };
}

/** Try the step `θ − α* d` on the step's batch and compare with the model's prediction. */
export async function gainRatio(ctx: StepContext, direction: readonly tf.Tensor[], model: StepModel): Promise<GainRatio> {
  const { alpha, slope, curvature, loss } = model;
  const trial = tf.tidy(() => ctx.params.map((p, i) => tf.sub(p.variable, tf.mul(direction[i]!, alpha))));
  let trialLoss: number;
  try {
    trialLoss = await ctx.lossAt(trial);
  } finally {
    tf.dispose(trial);
  }
  const modelChange = -alpha * slope + 0.5 * alpha * alpha * curvature;
  return { trialLoss, modelChange, rho: (trialLoss - loss) / modelChange };
}

/** λ after a test with gain ratio ρ, clipped to `[min, max]`. */
export function nextDamping(rho: number, damping: number, options: AdaptiveDampingOptions): number {
  let next = damping;
  if (!(rho >= 0.25)) next = damping * options.increase;
  else if (rho > 0.75) next = damping * options.decrease;
  return Math.min(options.max, Math.max(options.min, next));
}
