import { positiveSchedule, z } from '@precond/core';

/** A learning rate: a number or one of core's schedules, every value > 0 (core's `positiveSchedule`). */
export const learningRateSchema = positiveSchedule;
/** A learning rate as written in an experiment (cosine `final`/`warmup` may be left out). */
export type LearningRateInput = z.input<typeof learningRateSchema>;

/** An exponential-decay rate (momentum, Adam's β₁ and β₂). */
export const decayRateSchema = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');
/** Adam's ε. */
export const epsilonSchema = z.number().positive('must be > 0');
/** A number >= 0 (Adam's ε_root). */
export const nonNegativeSchema = z.number().min(0, 'must be >= 0');
/** A weight-decay coefficient λ >= 0. */
export const weightDecaySchema = nonNegativeSchema;

/**
 * Validate a learning rate given to a transformation directly (outside a plugin's options) and
 * fill in schedule defaults; throws a RangeError naming `where`.
 */
export function parseLearningRate(schedule: LearningRateInput, where: string): z.output<typeof learningRateSchema> {
  const result = learningRateSchema.safeParse(schedule);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [where, ...issue.path.map(String)].join('.');
  throw new RangeError(`${path}: ${issue.message} (given ${JSON.stringify(schedule)})`);
}

/** Check a numeric argument of a transformation; the error names the argument, the value and the range. */
export function checkNumber(where: string, value: number, schema: z.ZodNumber, allowed: string): number {
  if (!schema.safeParse(value).success) throw new RangeError(`${where} must be ${allowed}, got ${value}`);
  return value;
}
