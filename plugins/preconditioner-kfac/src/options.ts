import { z } from '@precond/core';

/** How the output-gradient factor `G` is estimated (README, "Estimation modes"). */
export const ESTIMATION_MODES = ['ggn', 'fisher', 'empirical'] as const;
export type EstimationMode = (typeof ESTIMATION_MODES)[number];

/** How a damped factor is inverted in float64 on the CPU. */
export const INVERSE_METHODS = ['eigh', 'cholesky'] as const;
export type InverseMethod = (typeof INVERSE_METHODS)[number];

/** What a parameter that no Kronecker block covers gets (README, "Fallback"). */
export const FALLBACK_RULES = ['identity', 'diagonal'] as const;
export type FallbackRule = (typeof FALLBACK_RULES)[number];

const rate = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');
const period = z.number().int('must be an integer').positive('must be a positive integer');

/**
 * Levenberg-Marquardt-style adaptation of the damping λ by the gain ratio ρ (Martens & Grosse
 * 2015, §6.5), tested on the K-FAC direction at its model-optimal length (§6.4). Defaults are
 * M&G's: every T₁ = 5 updates, ω₁ = (19/20)^T₁.
 */
export const adaptiveDampingOptions = z
  .object({
    /** Updates between two adaptations (M&G's T₁). */
    every: period.default(5),
    /** λ ← λ·increase when ρ < 1/4. */
    increase: z.number().gt(1, 'must be > 1').default((20 / 19) ** 5),
    /** λ ← λ·decrease when ρ > 3/4. */
    decrease: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default((19 / 20) ** 5),
    /** Smallest λ the rule goes down to. */
    min: z.number().positive('must be > 0').default(1e-8),
    /** Largest λ the rule goes up to. */
    max: z.number().positive('must be > 0').default(1e4),
  })
  .strict()
  .refine((o) => o.min <= o.max, { message: 'must be <= max', path: ['min'] });
export type AdaptiveDampingOptions = z.output<typeof adaptiveDampingOptions>;

/** Options of the `kfac` preconditioner; every field has a default (README, "Options"). */
export const kfacOptions = z
  .object({
    /** `ggn` (exact GGN factor), `fisher` (targets sampled from the model), `empirical` (the batch's own gradients). */
    estimation: z.enum(ESTIMATION_MODES).default('ggn'),
    /** Tikhonov damping λ of `A ⊗ G + λI`, split between the factors by π (M&G §6.3). */
    damping: z.number().min(0, 'must be >= 0').refine(Number.isFinite, 'must be finite').default(1e-3),
    /** Exponential moving average of the factors; the first factor update initialises them. */
    decay: rate.default(0.95),
    /** Updates between two factor (statistics) updates. */
    factorUpdateEvery: period.default(1),
    /** Updates between two inverse computations. */
    inverseUpdateEvery: period.default(10),
    /** Updates during which factors accumulate and `apply` returns the gradient unchanged. */
    burnIn: z.number().int('must be an integer').min(0, 'must be >= 0').default(0),
    /** `cholesky` of `A + δI` (linalg's `spdInverse`) or `eigh` (`Q diag(1/(d + δ)) Qᵀ`), both float64 on the CPU. */
    inverse: z.enum(INVERSE_METHODS).default('cholesky'),
    /** What parameters outside every Kronecker block get: `identity` or `diagonal` (RMS scaling). */
    fallback: z.enum(FALLBACK_RULES).default('identity'),
    /** `false` (fixed λ) or the gain-ratio rule's settings. */
    adaptiveDamping: z.union([z.literal(false), adaptiveDampingOptions]).default(false),
  })
  .strict();

export type KfacOptions = z.output<typeof kfacOptions>;
export type KfacOptionsInput = z.input<typeof kfacOptions>;
