import { z } from 'zod';

/** When something periodic happens (logging, probes, checkpoints): every N steps, log-spaced, or at listed steps. Step 0 always counts. */
export const whenSchema = z.union([
  z.object({ every: z.number().int().positive() }).strict(),
  z.object({ logSpaced: z.number().int().positive().describe('points per decade') }).strict(),
  z.object({ steps: z.array(z.number().int().nonnegative()).min(1) }).strict(),
]);
export type When = z.output<typeof whenSchema>;

/** Whether `when` falls on `step` (step 0 always does). */
export function isDue(when: When, step: number): boolean {
  if (step === 0) return true;
  if ('every' in when) return step % when.every === 0;
  if ('steps' in when) return when.steps.includes(step);
  // Log-spaced: the steps round(10^(k / perDecade)), k = 0, 1, ...
  const k = Math.round(Math.log10(step) * when.logSpaced);
  for (const kk of [k - 1, k, k + 1]) {
    if (kk >= 0 && Math.round(Math.pow(10, kk / when.logSpaced)) === step) return true;
  }
  return false;
}
