import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation } from '@precond/core';
import { checkNumber, decayRateSchema, epsilonSchema, nonNegativeSchema } from './options.js';
import { countAt, tensorsAt } from './state-access.js';

export interface ScaleByAdamOptions {
  /** Decay of the first moment, β₁ in [0, 1). */
  readonly beta1: number;
  /** Decay of the second moment, β₂ in [0, 1). */
  readonly beta2: number;
  /** Added to `√v̂` in the denominator, > 0. */
  readonly eps: number;
  /** Added to `v̂` inside the square root, >= 0 (default 0); keeps the square root differentiable at 0. */
  readonly epsRoot?: number;
}

/**
 * Adam's rescaling (Kingma & Ba 2015, Algorithm 1) without the learning rate:
 * `m ← β₁m + (1-β₁)u`, `v ← β₂v + (1-β₂)u²`, `m̂ = m/(1-β₁ᵗ)`, `v̂ = v/(1-β₂ᵗ)`,
 * output `m̂ / (√(v̂ + ε_root) + ε)`, with t the number of moment updates including this one.
 *
 * @returns a transformation with state `{ count, mu: [m per parameter], nu: [v per parameter] }`.
 * @example chain(scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }), scaleByLearningRate(1e-3))
 */
export function scaleByAdam(options: ScaleByAdamOptions): GradientTransformation {
  const beta1 = checkNumber('scaleByAdam.beta1', options.beta1, decayRateSchema, 'in [0, 1)');
  const beta2 = checkNumber('scaleByAdam.beta2', options.beta2, decayRateSchema, 'in [0, 1)');
  const eps = checkNumber('scaleByAdam.eps', options.eps, epsilonSchema, '> 0');
  const epsRoot = checkNumber('scaleByAdam.epsRoot', options.epsRoot ?? 0, nonNegativeSchema, '>= 0');
  return {
    // The count lives in this stage's state rather than coming from the update context: bias
    // correction counts the moment updates this state has seen, which stays right when Adam
    // starts mid-run (a hybrid that switches to Adam after N steps of another method).
    init: (params) => ({ count: 0, mu: params.map((p) => tf.zerosLike(p)), nu: params.map((p) => tf.zerosLike(p)) }),
    update(updates, state) {
      const where = 'scaleByAdam';
      const mu = tensorsAt(state, 'mu', updates.length, where);
      const nu = tensorsAt(state, 'nu', updates.length, where);
      const count = countAt(state, 'count', where) + 1;
      // Bias corrections in float64, so the powers do not lose precision over long runs.
      const correction1 = 1 - Math.pow(beta1, count);
      const correction2 = 1 - Math.pow(beta2, count);
      const out = tf.tidy(() => {
        const m = updates.map((u, i) => tf.add(tf.mul(mu[i]!, beta1), tf.mul(u, 1 - beta1)));
        const v = updates.map((u, i) => tf.add(tf.mul(nu[i]!, beta2), tf.mul(tf.square(u), 1 - beta2)));
        const next = m.map((mi, i) => {
          const mHat = tf.div(mi, correction1);
          const vHat = tf.div(v[i]!, correction2);
          return tf.div(mHat, tf.add(tf.sqrt(tf.add(vHat, epsRoot)), eps));
        });
        return { m, v, next };
      });
      return { updates: out.next, state: { count, mu: out.m, nu: out.v } };
    },
  };
}
