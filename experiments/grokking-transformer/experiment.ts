// E6 of the paper (Figs. 8 and 12): grokking of modular addition by a transformer.
// (a, b) ↦ (a + b) mod 97 from the token sequence [a, b, =], half of the 97² pairs for training;
// a 2-block pre-norm decoder (4 heads, d_model 128, 422,241 parameters), softmax cross-entropy,
// no weight decay. The paper: Adam groks to 100% validation accuracy; GGN's validation accuracy
// rises earlier but stalls near 45%; GGN for 3000 steps then Adam needs about as many Adam steps
// as Adam alone, with a loss spike at the switch.
import { defineExperiment } from '@precond/core';
import { adam } from '@precond/optimizer-first-order';
import { ggn, hybrid } from '@precond/optimizer-gauss-newton';
import { modularAddition } from '@precond/task-modular-addition';

/** The paper's Adam for E6: lr 1e-3, β = (0.9, 0.98), no weight decay. */
const paperAdam = () => adam({ lr: 1e-3, beta1: 0.9, beta2: 0.98 });

/**
 * The GGN step `θ ← θ − η (μI + JᵀHJ)⁻¹ Jᵀg` (H = diag(p) − ppᵀ per sample, JᵀHJ summed over the
 * minibatch), solved matrix-free by conjugate gradient, η = 1. One GGN·v on all 4,704 training
 * pairs costs tens of seconds on wasm, so a step takes a minibatch of `GGN_BATCH` pairs and at most
 * `GGN_CG_ITERATIONS` CG iterations (warm-started from the previous solution): about 5 s a step on
 * two heavily shared cores (README, "Cost"). μ adapts by the gain ratio on the minibatch, starting
 * at `GGN_BATCH` and never below it: JᵀHJ is a sum over the batch, and on p = 11 (60 pairs, full
 * batch) the first accepted steps had μ between 10 and 80, about one per pair. Without the floor,
 * on E6's minibatches the gain ratio kept shrinking μ (to the rule's 1e-12 by step 80): each step
 * then fitted its own 128 pairs and the loss on the whole training set went up and down between
 * 4.7 and 5.5 with accuracy at chance (README).
 */
export const GGN_BATCH = 128;
export const GGN_CG_ITERATIONS = 5;
const paperGgn = () => ggn({ solver: 'cg', cg: { maxIterations: GGN_CG_ITERATIONS }, mu: { type: 'adaptive', initial: GGN_BATCH, min: GGN_BATCH } });

/** The paper's switch point of the hybrid: 3000 GGN steps, then Adam. */
export const SWITCH_AT = 3000;

export default defineExperiment({
  name: 'grokking-transformer',
  description: 'E6 (Figs. 8, 12): a 2-block transformer on (a + b) mod 97 under Adam, GGN and GGN then Adam',
  task: modularAddition({ form: 'transformer' }),
  // Adam on minibatches of 512 pairs, as Power et al.; train/validation accuracy and loss every 100 steps.
  settings: { steps: 20000, seeds: [0], log: { every: 100 }, batchSize: 512 },
  variants: {
    adam: { description: 'Adam, lr 1e-3, β = (0.9, 0.98), batch 512', optimizer: paperAdam() },
    ggn: {
      description: `GGN (cross-entropy), CG ≤ ${GGN_CG_ITERATIONS} iterations, adaptive μ, batch ${GGN_BATCH}`,
      optimizer: paperGgn(),
      settings: { steps: 5000, batchSize: GGN_BATCH, log: { every: 25 } },
    },
    'ggn-then-adam': {
      description: `GGN for ${SWITCH_AT} steps (batch ${GGN_BATCH}), then Adam (batch ${GGN_BATCH})`,
      optimizer: hybrid({ first: paperGgn(), then: paperAdam(), switchAt: SWITCH_AT }),
      settings: { steps: 20000, batchSize: GGN_BATCH, log: { every: 25 } },
    },
  },
});
