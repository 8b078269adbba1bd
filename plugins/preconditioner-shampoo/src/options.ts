import { z } from '@precond/core';

/** How a direction's step size is taken from a first-order method (Agarwal et al. 2020, "grafting"). */
export const GRAFTING_METHODS = ['none', 'sgd', 'adagrad', 'adam'] as const;
export type GraftingMethod = (typeof GRAFTING_METHODS)[number];

/** How inverse p-th roots are computed (the two root methods of @precond/linalg). */
export const ROOT_METHODS = ['eigh', 'newton'] as const;
export type RootMethod = (typeof ROOT_METHODS)[number];

/** What 1-D (and 0-D) parameters get. */
export const VECTOR_RULES = ['diagonal', 'graft'] as const;
export type VectorRule = (typeof VECTOR_RULES)[number];

/** Where the matrix statistics, their roots and the two-sided products live. */
export const PLACEMENTS = ['auto', 'host', 'device'] as const;
export type Placement = (typeof PLACEMENTS)[number];

const decay = (what: string) => z.number().min(0, `${what} must be in [0, 1)`).lt(1, `${what} must be in [0, 1)`);

export const shampooOptions = z
  .object({
    /**
     * Decay of the statistics: `L ← β₂L + (1−β₂)GGᵀ` (bias-corrected by `1−β₂ᵗ` before the root),
     * or the plain sum `L ← L + GGᵀ` when 1 (Gupta et al. 2018).
     */
    beta2: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(1),
    /** p of `L^{-1/p} G R^{-1/p}`: Shampoo's 1/(2k) for an order-k tensor gives 4 for matrices. */
    exponent: z.number().int('must be a positive integer').min(1, 'must be a positive integer').default(4),
    /** Added as εI to each (bias-corrected) statistic before its root; absolute, as in Distributed Shampoo. */
    epsilon: z.number().min(0, 'must be >= 0').default(1e-12),
    /** `eigh`: float64 eigendecomposition on the host; `newton`: coupled Newton iteration on float32 tensors. */
    rootMethod: z.enum(ROOT_METHODS).default('eigh'),
    /** Roots are recomputed every N steps (statistics are updated every step). */
    preconditionerUpdateEvery: z.number().int('must be a positive integer').min(1, 'must be a positive integer').default(10),
    /** First step (1-based count of updates) that uses the Shampoo direction; before it, the grafted direction. */
    startStep: z.number().int('must be a positive integer').min(1, 'must be a positive integer').default(1),
    /** Whose step size each block's Shampoo direction is rescaled to. */
    graft: z.enum(GRAFTING_METHODS).default('sgd'),
    /** Adam grafting: decay of the first moment (0 grafts RMSProp with bias correction, as Distributed Shampoo's Adam grafting). */
    graftBeta1: decay('graftBeta1').default(0.9),
    /** Adam grafting: decay of the second moment. */
    graftBeta2: decay('graftBeta2').default(0.999),
    /** Adagrad and Adam grafting: ε added to the square root in the denominator. */
    graftEpsilon: z.number().positive('must be > 0').default(1e-8),
    /** A dimension larger than this is split into blocks of at most this size, each with its own L and R. */
    maxPreconditionerDim: z.number().int('must be a positive integer').min(1, 'must be a positive integer').default(1024),
    /** 1-D parameters (biases): diagonal Shampoo `(Σg² + ε)^{-1/2} ⊙ g`, or the grafting direction. */
    vectors: z.enum(VECTOR_RULES).default('diagonal'),
    /**
     * A new root whose residual `max|R^p(X + εI) − I|` exceeds this is rejected and the last good
     * root kept (eigh roots: or 10·n·u·κ, what float64 rounding alone reaches, when larger).
     */
    maxRootResidual: z.number().positive('must be > 0').default(0.1),
    /** Newton root method: stop once the residual is at most this. */
    newtonTolerance: z.number().positive('must be > 0').default(1e-6),
    /** Newton root method: most iterations. */
    newtonMaxIterations: z.number().int('must be a positive integer').min(1, 'must be a positive integer').default(100),
    /** `host`: float64 on the CPU with linalg's kernels; `device`: float32 tfjs ops on the backend; `auto`: host on the cpu backend only. */
    placement: z.enum(PLACEMENTS).default('auto'),
  })
  .strict();

/** Options after validation, every default filled in. */
export type ShampooOptions = z.output<typeof shampooOptions>;
/** Options as written in an experiment. */
export type ShampooOptionsInput = z.input<typeof shampooOptions>;

/** Validate options given to `createShampoo` directly (outside a plugin); the error names the option. */
export function parseShampooOptions(input: ShampooOptionsInput = {}): ShampooOptions {
  const result = shampooOptions.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const given = issue.path.length > 0 ? (input as Record<string, unknown>)[String(issue.path[0])] : input;
  throw new RangeError(`shampoo option '${path || '(options)'}': ${issue.message} (given ${JSON.stringify(given)})`);
}
