import { scheduleValue } from '@precond/core';
import type { AdaptiveDamping, DampingOption } from './options.js';

/** Whether a damping option is the adaptive gain-ratio rule (else a number or a schedule). */
export function isAdaptive(option: DampingOption): option is AdaptiveDamping {
  return typeof option === 'object' && option.type === 'adaptive';
}

/** μ before the first step: the adaptive rule's `initial`, or null when μ is a number or a schedule. */
export function initialAdaptiveDamping(option: DampingOption): number | null {
  return isAdaptive(option) ? option.initial : null;
}

/**
 * μ for the update after `count` applied updates: the schedule's value (PAPER.md, E1/E5: fixed μ or
 * `μ(i) = exp(ln 1e-2 + (i/500)(ln 1e-4 − ln 1e-2))`), or the adaptive rule's current value.
 */
export function dampingValue(option: DampingOption, count: number, adaptiveMu: number | null): number {
  if (isAdaptive(option)) {
    if (adaptiveMu === null) throw new Error('adaptive damping has no current value: the optimizer was not initialised');
    return adaptiveMu;
  }
  return scheduleValue(option, count);
}

/** The verdict of the gain-ratio rule on one trial step. */
export interface DampingDecision {
  readonly accepted: boolean;
  /** μ for the next step. */
  readonly mu: number;
}

/**
 * The classic gain-ratio rule (Marquardt 1963; Nocedal & Wright, *Numerical Optimization* §4.1 and
 * §10.3). `rho` is actual over predicted decrease. A trial that does not lower the loss, or whose ρ
 * is at most `accept`, is rejected and μ grows; an accepted one shrinks μ when ρ > shrinkAbove (the
 * quadratic model is trustworthy, so move towards Gauss-Newton) and grows it when ρ < growBelow
 * (move towards a short gradient step). μ stays within [min, max].
 */
export function adaptDamping(rule: AdaptiveDamping, mu: number, rho: number, lossDecreased: boolean): DampingDecision {
  const clamp = (v: number) => Math.min(rule.max, Math.max(rule.min, v));
  const accepted = lossDecreased && rho > rule.accept;
  if (!accepted) return { accepted, mu: clamp(mu * rule.increase) };
  if (rho > rule.shrinkAbove) return { accepted, mu: clamp(mu * rule.decrease) };
  if (rho < rule.growBelow) return { accepted, mu: clamp(mu * rule.increase) };
  return { accepted, mu };
}
