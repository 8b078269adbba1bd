import { z } from 'zod';

/**
 * Scalar schedules over the step (learning rates, damping): constant, step decay, cosine decay
 * with warm-up, and the paper's log-linear decay (E1/E5 LM damping:
 * `μ(i) = exp(ln a + (i/T)(ln b - ln a))` for i < T, then b).
 */
export const scalarScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant'), value: z.number().finite() }).strict(),
  z
    .object({
      type: z.literal('step'),
      value: z.number().finite(),
      /** Multiply by `factor` every `every` steps. */
      factor: z.number().positive(),
      every: z.number().int().positive(),
    })
    .strict(),
  z
    .object({
      type: z.literal('cosine'),
      value: z.number().finite(),
      /** Steps over which it decays to `final`. */
      steps: z.number().int().positive(),
      final: z.number().finite().default(0),
      warmup: z.number().int().nonnegative().default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal('log-linear'),
      /** Value at step 0. */
      from: z.number().positive(),
      /** Value from step `steps` on. */
      to: z.number().positive(),
      steps: z.number().int().positive(),
    })
    .strict(),
]);
export type ScalarSchedule = z.output<typeof scalarScheduleSchema>;

/** A schedule, or a plain number meaning a constant. */
export const scheduleOrNumber = z.union([z.number().finite(), scalarScheduleSchema]);
export type ScheduleOrNumber = z.output<typeof scheduleOrNumber>;

/**
 * A schedule whose every value is > 0 (learning rates, damping). A cosine schedule may decay to
 * `final: 0` (its usual form): a zero step at the end is harmless, a negative one would ascend.
 */
export const positiveSchedule = scheduleOrNumber.superRefine((schedule, ctx) => {
  const positive = (value: number, path: string[]) => {
    if (!(value > 0)) ctx.addIssue({ code: 'custom', message: `must be > 0, got ${value}`, path });
  };
  if (typeof schedule === 'number') return positive(schedule, []);
  switch (schedule.type) {
    case 'constant':
    case 'step':
      // A step schedule multiplies by a positive factor, so a positive start keeps it positive.
      return positive(schedule.value, ['value']);
    case 'cosine':
      positive(schedule.value, ['value']);
      if (!(schedule.final >= 0)) ctx.addIssue({ code: 'custom', message: `a cosine schedule must end at a final value >= 0, got ${schedule.final}`, path: ['final'] });
      return;
    case 'log-linear':
      return; // `from` and `to` are positive by the schema itself
  }
});
export type PositiveScheduleInput = z.input<typeof positiveSchedule>;

/** The value of `s` at `step` (0-based: the first update uses step 0). */
export function scheduleValue(s: ScheduleOrNumber, step: number): number {
  if (typeof s === 'number') return s;
  switch (s.type) {
    case 'constant':
      return s.value;
    case 'step':
      return s.value * Math.pow(s.factor, Math.floor(step / s.every));
    case 'cosine': {
      if (step < s.warmup) return (s.value * (step + 1)) / s.warmup;
      const t = Math.min(1, (step - s.warmup) / Math.max(1, s.steps - s.warmup));
      return s.final + 0.5 * (s.value - s.final) * (1 + Math.cos(Math.PI * t));
    }
    case 'log-linear': {
      if (step >= s.steps) return s.to;
      return Math.exp(Math.log(s.from) + (step / s.steps) * (Math.log(s.to) - Math.log(s.from)));
    }
  }
}
