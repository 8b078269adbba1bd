import { z } from '@precond/core';
import { trainCount } from './pairs.js';

/**
 * The network forms of the task. `mlp` is the paper's E3 (Fig. 5): one-hot inputs, a quadratic
 * MLP, MSE. Each form picks its input encoding, loss and default model in `forms.ts`; the data
 * split, the targets and the metrics are shared by all forms.
 */
export const MODULAR_ADDITION_FORMS = ['mlp'] as const;
export type ModularAdditionForm = (typeof MODULAR_ADDITION_FORMS)[number];

/**
 * Options of the modular-addition task. Defaults are the paper's E3 (PAPER.md, Fig. 5): p = 23, a
 * 90% training split, width 100, α = 1 (the paper sweeps α ∈ {0.5, 1, 1.5, 2}).
 */
export const modularAdditionOptions = z
  .object({
    /** The modulus: the task learns (a + b) mod p over all p² pairs a, b ∈ {0, …, p−1}. */
    p: z.number().int().min(2).default(23),
    /** Share of the p² pairs used for training (round half to even of trainFraction·p²); the rest is the test set. */
    trainFraction: z
      .number()
      .gt(0, { message: 'must be in (0, 1), the share of pairs used for training' })
      .lt(1, { message: 'must be in (0, 1), the share of pairs used for training' })
      .default(0.9),
    /** Network form; only `mlp` (E3) so far. */
    form: z.enum(MODULAR_ADDITION_FORMS).default('mlp'),
    /** α of the MLP form: output scale α²/(2p·width), loss ÷ α². Larger α is lazier (closer to the NTK regime). */
    alpha: z.number().positive().default(1),
    /** Hidden width N of the MLP form. */
    width: z.number().int().positive().default(100),
    /** Accuracy at which the grokking markers `grok.train_step` and `grok.test_step` are set. */
    grokThreshold: z
      .number()
      .gt(0, { message: 'must be in (0, 1], an accuracy' })
      .max(1, { message: 'must be in (0, 1], an accuracy' })
      .default(0.95),
  })
  .strict()
  .superRefine((o, ctx) => {
    // Both sets must be non-empty: accuracy and test loss are means over them.
    const pairs = o.p * o.p;
    const train = trainCount(o.p, o.trainFraction);
    if (train < 1 || train > pairs - 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['trainFraction'],
        message: `gives ${train} of the ${pairs} pairs for training with p = ${o.p}; both the training and the test set need at least one pair`,
      });
    }
  });

/** The options as `register` receives them (validated, defaults filled in). */
export type ModularAdditionOptions = z.output<typeof modularAdditionOptions>;
/** The options as a user writes them (every field optional). */
export type ModularAdditionOptionsInput = z.input<typeof modularAdditionOptions>;
