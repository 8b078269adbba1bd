import { z, type When } from '@precond/core';

/** The schedule used when neither `every` nor `logSpaced` is given. */
export const DEFAULT_EVERY = 100;

/**
 * Which samples the kernel is formed on: the whole training set (the default; the Gram is then
 * shared with a Gauss-Newton optimizer on the same step), its first `count` samples, or the listed
 * training indices (distinct, in the order given: row `r·k + c` of K is the r-th listed sample).
 */
export const probeSetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('train') }).strict(),
  z.object({ type: z.literal('first'), count: z.number().int().positive().describe('how many leading training samples') }).strict(),
  z
    .object({
      type: z.literal('indices'),
      indices: z
        .array(z.number().int().nonnegative())
        .min(1)
        .refine((xs) => new Set(xs).size === xs.length, { message: 'indices must be distinct (a repeated sample only adds a copy of a row of K)' })
        .describe('training-set indices, 0-based'),
    })
    .strict(),
]);
export type ProbeSet = z.output<typeof probeSetSchema>;

/**
 * Options of the `ntk` probe. The schedule is `every` or `logSpaced` (not both); with neither it
 * observes every `DEFAULT_EVERY` steps, and the resolved options say so.
 */
export const ntkOptions = z
  .object({
    every: z.number().int().positive().optional().describe('observe every N steps'),
    logSpaced: z.number().int().positive().optional().describe('observe at log-spaced steps, this many per decade'),
    probeSet: probeSetSchema.default({ type: 'train' }).describe('the samples K = J Jᵀ is formed on'),
    maxDense: z.number().int().positive().default(2000).describe('largest n·k whose spectrum is computed densely (all eigenvalues); beyond it Lanczos finds the top topK'),
    topK: z.number().int().positive().default(20).describe('eigenvalues reported when n·k > maxDense'),
    modes: z.number().int().nonnegative().default(10).describe('error modes |Qᵀe| reported, for the top eigenvectors'),
    // A wall-clock number differs between two runs of the same computation; leave it out where
    // rows must compare bit for bit.
    seconds: z.boolean().default(true).describe("report the observation's own wall time as seconds"),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.every !== undefined && o.logSpaced !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['logSpaced'],
        message: `give one schedule: every (${o.every}) or logSpaced (${o.logSpaced}), not both`,
      });
    }
  })
  // Fill the default schedule in, so that run.json records when the probe observed.
  .overwrite((o) => (o.every === undefined && o.logSpaced === undefined ? { ...o, every: DEFAULT_EVERY } : o));

/** The options as `register` receives them (validated, defaults filled in). */
export type NtkOptions = z.output<typeof ntkOptions>;
/** The options as a user writes them (every field optional). */
export type NtkOptionsInput = z.input<typeof ntkOptions>;

/** Core's `When` for the probe's schedule options. */
export function ntkSchedule(options: Pick<NtkOptions, 'every' | 'logSpaced'>): When {
  if (options.logSpaced !== undefined) return { logSpaced: options.logSpaced };
  return { every: options.every ?? DEFAULT_EVERY };
}
