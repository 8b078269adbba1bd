import { z } from '@precond/core';
import { trainCount } from './pairs.js';

/**
 * The network forms of the task. `mlp` is the paper's E3 (Fig. 5): one-hot inputs, a quadratic
 * MLP, MSE. `transformer` is E6 (Figs. 8, 12; Power et al., 2022): token sequences `[a, b, =]`,
 * a decoder-only transformer, cross-entropy. Each form picks its input encoding, loss and default
 * model in `forms.ts`; the data split, the targets and the metrics are shared by all forms.
 */
export const MODULAR_ADDITION_FORMS = ['mlp', 'transformer'] as const;
export type ModularAdditionForm = (typeof MODULAR_ADDITION_FORMS)[number];

/**
 * The defaults that depend on the form: the paper's E3 for `mlp` (p = 23, a 90% split, width 100,
 * α = 1) and E6 for `transformer` (p = 97, a 50% split, 2 blocks, 4 heads, d_model 128).
 */
export const FORM_DEFAULTS = {
  mlp: { p: 23, trainFraction: 0.9, alpha: 1, width: 100 },
  transformer: { p: 97, trainFraction: 0.5, dModel: 128, heads: 4, layers: 2 },
} as const;

/** The options only one form reads; giving one to the other form is an error. */
const FORM_ONLY: Record<ModularAdditionForm, readonly string[]> = {
  mlp: ['alpha', 'width'],
  transformer: ['dModel', 'heads', 'layers'],
};

interface SharedOptions {
  /** The modulus: the task learns (a + b) mod p over all p² pairs a, b ∈ {0, …, p−1}. */
  readonly p: number;
  /** Share of the p² pairs used for training (round half to even of trainFraction·p²); the rest is the test set. */
  readonly trainFraction: number;
  /** Accuracy at which the grokking markers `grok.train_step` and `grok.test_step` are set. */
  readonly grokThreshold: number;
}

/** The options of the MLP form (E3), every default filled in. */
export interface MlpFormOptions extends SharedOptions {
  readonly form: 'mlp';
  /** α: output scale α²/(2p·width), loss ÷ α². Larger α is lazier (closer to the NTK regime). */
  readonly alpha: number;
  /** Hidden width N of the default model. */
  readonly width: number;
}

/** The options of the transformer form (E6), every default filled in. */
export interface TransformerFormOptions extends SharedOptions {
  readonly form: 'transformer';
  /** Model width d of the default transformer. */
  readonly dModel: number;
  /** Attention heads per block; must divide dModel. */
  readonly heads: number;
  /** Transformer blocks. */
  readonly layers: number;
}

/** The options a task is made from: one form's, with every default filled in. */
export type ModularAdditionOptions = MlpFormOptions | TransformerFormOptions;

const fields = z
  .object({
    p: z.number().int().min(2).optional().describe('the modulus; default 23 (mlp) or 97 (transformer)'),
    trainFraction: z
      .number()
      .gt(0, { message: 'must be in (0, 1), the share of pairs used for training' })
      .lt(1, { message: 'must be in (0, 1), the share of pairs used for training' })
      .optional()
      .describe('share of the p² pairs used for training; default 0.9 (mlp) or 0.5 (transformer)'),
    form: z.enum(MODULAR_ADDITION_FORMS).default('mlp').describe('network form: mlp (E3) or transformer (E6)'),
    alpha: z.number().positive().optional().describe('mlp form: output scale α²/(2p·width), loss ÷ α²; default 1'),
    width: z.number().int().positive().optional().describe('mlp form: hidden width N; default 100'),
    dModel: z.number().int().positive().optional().describe('transformer form: model width; default 128'),
    heads: z.number().int().positive().optional().describe('transformer form: attention heads per block; default 4'),
    layers: z.number().int().positive().optional().describe('transformer form: transformer blocks; default 2'),
    grokThreshold: z
      .number()
      .gt(0, { message: 'must be in (0, 1], an accuracy' })
      .max(1, { message: 'must be in (0, 1], an accuracy' })
      .default(0.95)
      .describe('accuracy at which the grokking markers are set'),
  })
  .strict();

/** What the schema holds before the form's defaults are filled in. */
export type ModularAdditionFields = z.output<typeof fields>;

/**
 * `options` with the defaults of its form filled in (`FORM_DEFAULTS`), as the form's own type. The
 * schema applies it while validating, so on validated options it changes nothing and only narrows
 * the type.
 */
export function resolveModularAdditionOptions(options: ModularAdditionFields): ModularAdditionOptions {
  const { form, grokThreshold } = options;
  if (form === 'mlp') {
    const d = FORM_DEFAULTS.mlp;
    return { p: options.p ?? d.p, trainFraction: options.trainFraction ?? d.trainFraction, form, alpha: options.alpha ?? d.alpha, width: options.width ?? d.width, grokThreshold };
  }
  const d = FORM_DEFAULTS.transformer;
  return {
    p: options.p ?? d.p,
    trainFraction: options.trainFraction ?? d.trainFraction,
    form,
    dModel: options.dModel ?? d.dModel,
    heads: options.heads ?? d.heads,
    layers: options.layers ?? d.layers,
    grokThreshold,
  };
}

/**
 * Options of the modular-addition task. One flat object whose defaults depend on `form`:
 * validation first rejects the options of the other form (`alpha` with `form: 'transformer'`),
 * then fills in the form's defaults (`FORM_DEFAULTS`), then checks the split. So `{}` is the
 * paper's E3 (p = 23, 90%, width 100, α = 1) and `{ form: 'transformer' }` its E6 (p = 97, 50%,
 * 2 blocks, 4 heads, d_model 128); an explicit `p` or `trainFraction` wins in either form, and the
 * resolved options (what run.json records) hold only the form's own fields.
 */
export const modularAdditionOptions = fields
  .superRefine((o, ctx) => {
    const other = o.form === 'mlp' ? 'transformer' : 'mlp';
    for (const key of FORM_ONLY[other]) {
      if ((o as Record<string, unknown>)[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `applies to the ${other} form only; the ${o.form} form's own options are ${FORM_ONLY[o.form].join(', ')}`,
        });
      }
    }
  })
  .overwrite(resolveModularAdditionOptions)
  .superRefine((raw, ctx) => {
    const o = resolveModularAdditionOptions(raw);
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
    if (o.form === 'transformer' && o.dModel % o.heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['heads'], message: `must divide dModel (${o.dModel}): each head attends in dModel / heads dimensions` });
    }
  });

/** The validated options as `register` receives them (the form's defaults filled in; see `resolveModularAdditionOptions` for the form's type). */
export type ModularAdditionOptionsParsed = z.output<typeof modularAdditionOptions>;
/** The options as a user writes them (every field optional). */
export type ModularAdditionOptionsInput = z.input<typeof modularAdditionOptions>;
