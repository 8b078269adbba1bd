import { z } from '@precond/core';

/**
 * Options of the fourier-target task. Defaults are the paper's E1 (Fig. 3): the target
 * `u(x) = 1/3 Σ_{k=1..3} k sin((2k+1)πx − k)` on 100 equispaced points of [-1, 1), the first ten
 * FFT modes of the residual, and the loss `½ mean (f − y)²`.
 */
export const fourierTargetOptions = z
  .object({
    /** ω_j of `a_j sin(ω_j π x + φ_j)`; on [-1, 1) sine j lies on DFT bin ω_j. */
    frequencies: z.array(z.number()).min(1).default(() => [3, 5, 7]),
    /** a_j, one per frequency. */
    amplitudes: z.array(z.number()).min(1).default(() => [1 / 3, 2 / 3, 1]),
    /** φ_j in radians, one per frequency. */
    phases: z.array(z.number()).min(1).default(() => [-1, -2, -3]),
    /** [a, b): the grid leaves b out so that it is periodic (NumPy `linspace(a, b, n, endpoint=False)`). */
    domain: z
      .tuple([z.number(), z.number()])
      .refine(([a, b]) => a < b, { message: 'domain [a, b) needs a < b' })
      .default(() => [-1, 1] as [number, number]),
    /** Training points n (equispaced on [a, b)). */
    points: z.number().int().min(2).default(100),
    /** Held-out points: the midpoints of `testPoints` equal cells of [a, b); 0 for no test set. */
    testPoints: z.number().int().nonnegative().default(100),
    /** How many FFT modes of the residual `modes` reports (k = 0..modes-1); at most ⌊points/2⌋ + 1. */
    modes: z.number().int().positive().default(10),
    /** Scale of the MSE loss `(lossScale / 2n) Σ (f − y)²`. */
    lossScale: z.number().positive().default(1),
    /** Window W (in steps) of the `mode_rates` metric: the decay rate of each mode over the last W steps. */
    rateWindow: z.number().int().positive().default(100),
  })
  .strict()
  .superRefine((o, ctx) => {
    const sines = o.frequencies.length;
    for (const key of ['amplitudes', 'phases'] as const) {
      if (o[key].length !== sines) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `needs one entry per sine, as many as frequencies (${sines}), got ${o[key].length}`,
        });
      }
    }
    const maxModes = Math.floor(o.points / 2) + 1;
    if (o.modes > maxModes) {
      ctx.addIssue({
        code: 'custom',
        path: ['modes'],
        message: `at most ⌊points/2⌋ + 1 = ${maxModes} modes exist for ${o.points} points, got ${o.modes}`,
      });
    }
  });

/** The options as `register` receives them (validated, defaults filled in). */
export type FourierTargetOptions = z.output<typeof fourierTargetOptions>;
/** The options as a user writes them (every field optional). */
export type FourierTargetOptionsInput = z.input<typeof fourierTargetOptions>;
