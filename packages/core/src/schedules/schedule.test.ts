import { describe, expect, it } from 'vitest';
import { scheduleValue } from './schedule.js';
import { isDue } from './when.js';

describe('scheduleValue', () => {
  it('follows the paper log-linear LM damping: 1e-2 at step 0, 1e-3 at 250, 1e-4 from 500 on', () => {
    // μ(i) = exp(ln 1e-2 + (i/500)(ln 1e-4 − ln 1e-2)) (PAPER.md); at i = 250 this is 1e-3.
    const s = { type: 'log-linear' as const, from: 1e-2, to: 1e-4, steps: 500 };
    expect(scheduleValue(s, 0)).toBeCloseTo(1e-2, 15);
    expect(scheduleValue(s, 250) / 1e-3).toBeCloseTo(1, 12);
    expect(scheduleValue(s, 500)).toBe(1e-4);
    expect(scheduleValue(s, 10_000)).toBe(1e-4);
  });

  it('computes step, cosine (with warm-up) and constant values by hand', () => {
    expect(scheduleValue(0.3, 99)).toBe(0.3);
    expect(scheduleValue({ type: 'step', value: 1, factor: 0.5, every: 10 }, 25)).toBe(0.25); // 1·0.5^⌊25/10⌋
    const cos = { type: 'cosine' as const, value: 1, steps: 110, final: 0, warmup: 10 };
    expect(scheduleValue(cos, 4)).toBeCloseTo(0.5, 12); // linear warm-up: (4+1)/10
    expect(scheduleValue(cos, 60)).toBeCloseTo(0.5, 12); // half way through the decay: ½(1+cos(π/2))
    expect(scheduleValue(cos, 110)).toBeCloseTo(0, 12);
  });
});

describe('isDue', () => {
  it('is due at step 0 always, every N, at listed steps, and log-spaced', () => {
    expect(isDue({ every: 5 }, 0)).toBe(true);
    expect([1, 5, 10, 11].map((s) => isDue({ every: 5 }, s))).toEqual([false, true, true, false]);
    expect([3, 4].map((s) => isDue({ steps: [3] }, s))).toEqual([true, false]);
    // 2 per decade: round(10^(k/2)) = 1, 3, 10, 32, 100, 316, 1000.
    const due = Array.from({ length: 1001 }, (_, s) => s).filter((s) => s > 0 && isDue({ logSpaced: 2 }, s));
    expect(due).toEqual([1, 3, 10, 32, 100, 316, 1000]);
  });
});
