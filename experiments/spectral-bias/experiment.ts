// E1 of the paper (Fig. 3): spectral bias on a 1-D multi-frequency regression.
// u(x) = 1/3 Σ_{k=1..3} k·sin((2k+1)πx − k) on 100 equispaced points of [-1, 1) (bins 3, 5, 7),
// MLP 1-80-80-1 tanh (Glorot uniform), MSE ½·mean(r²). The FFT mode errors |ê_k| of the training
// residual show GD learning low frequencies first, Gauss-Newton removing them at one rate, and
// Levenberg-Marquardt in between; K-FAC and Shampoo ask the same question of cheaper curvature.
// The NTK probe records the kernel's spectrum at step 0 and how far each optimizer moves it.
import { defineExperiment } from '@precond/core';
import { adam, sgd } from '@precond/optimizer-first-order';
import { gn, lm } from '@precond/optimizer-gauss-newton';
import { kfac } from '@precond/preconditioner-kfac';
import { shampoo } from '@precond/preconditioner-shampoo';
import { ntk } from '@precond/probe-ntk';
import { fourierTarget } from '@precond/task-fourier-target';

// The Gauss-Newton-type variants take a few hundred steps, so they log every 5 steps and measure
// decay rates (`mode_rates`) over a 50-step window; GD and Adam keep the task's 100-step window.
const secondOrder = { task: fourierTarget({ rateWindow: 50 }), settings: { steps: 300, log: { every: 5 } } };

export default defineExperiment({
  name: 'spectral-bias',
  description: 'E1 (Fig. 3): FFT mode errors of the training residual under GD, Adam, LM (μ = 0.5, 0.1), GN, K-FAC and Shampoo on the paper’s three-sine target, with the NTK’s spectrum and kernel distance',
  task: fourierTarget(),
  // The NTK on the 100 training points at log-spaced steps (1, 2, 3, 4, 5, 6, 8, 10, 13, ..., 10 per
  // decade, plus step 0 and the last step): the kernel distance changes over decades of steps, and
  // the variants run from 300 to 8,000 steps. All 100 error modes `|q_kᵀ e|` are kept, so the
  // step-0 figure shows where the target's residual lies in the spectrum. One observation (a
  // 100 × 100 float64 Gram and eigh; LM and GN reuse the step's Gram) takes about 4 ms; 24-39 of
  // them per run were 3.2% of the runs' time (README, "Cost of the probe"), where every 25 steps
  // would have been 320 in each GD run.
  probes: [ntk({ logSpaced: 10, modes: 100 })],
  settings: { steps: 3000, seeds: [0, 1, 2], log: { every: 25 } },
  variants: {
    // GD step 0.3 (PAPER.md, "Numerical facts": GD η = 0.3 halves the 3-cycle mode in ~3,700 steps
    // and the 7-cycle mode in ~5,700), so GD gets 8,000 steps to show the ordering.
    sgd: { description: 'gradient descent, η = 0.3', optimizer: sgd({ lr: 0.3 }), settings: { steps: 8000 } },
    adam: { description: 'Adam, η = 1e-3', optimizer: adam({ lr: 1e-3 }) },
    // LM `(μI + JᵀJ)⁻¹Jᵀ(f − y)` with the paper's fixed damping, μ relative to the summed-loss JᵀJ
    // (the NumPy peer's convention). η = 0.5 (PAPER.md: LM μ = 0.1, η = 0.5 takes the loss from
    // 0.39 to 7e-5 within about 120 steps).
    'lm-0.5': { description: 'Levenberg-Marquardt, μ = 0.5, η = 0.5', optimizer: lm({ mu: 0.5, lr: 0.5 }), ...secondOrder },
    'lm-0.1': { description: 'Levenberg-Marquardt, μ = 0.1, η = 0.5', optimizer: lm({ mu: 0.1, lr: 0.5 }), ...secondOrder },
    // GN `(JᵀJ)†Jᵀ(f − y)`, cutoff ε = 1e-7 of λ_max, η = 0.05 (README: "Choosing GN's cutoff").
    // The float64 Gram resolves NTK eigenvalues to ~1e-13, but inverting the small ones moves the
    // weights so far (the step grows as 1/√λ) that tanh units saturate: at ε = 1e-10 one seed
    // stalled (at loss 12.5 with the final build; two with an earlier one). At ε = 1e-6 only 4-7
    // directions are kept at initialisation and the target modes' rates disagreed in two seeds; at
    // ε = 1e-7 every seed settles to one rate, by step 100-175 (the earlier build: by step 100).
    gn: { description: 'Gauss-Newton, pseudo-inverse cutoff ε = 1e-7, η = 0.05', optimizer: gn({ epsilon: 1e-7, lr: 0.05 }), ...secondOrder },
    // SGD (η = 1) with K-FAC's Kronecker-factored Gauss-Newton blocks (`ggn` estimation: exact
    // factors for MSE, and with one output as cheap as `fisher`). A fixed λ diverges on E1: at
    // initialisation the quadratic model along K-FAC's direction puts its minimum at 5.8 times the
    // direction, where the loss already rises (preconditioner-kfac README), so K-FAC runs with
    // Martens & Grosse's adaptive step length α* and λ rule, tested at every update, and fresh
    // inverses at every update: the factors are at most 81 × 81 here, so that costs little, and
    // with inverses every 10 updates the loss was 1.2e-3 at step 300 instead of 3e-5 (seed 0).
    kfac: {
      description: 'SGD η = 1 + K-FAC (ggn, λ₀ = 1e-3, adaptive λ and step length every update, inverses every update)',
      optimizer: sgd({ lr: 1 }),
      preconditioner: kfac({ damping: 1e-3, inverseUpdateEvery: 1, adaptiveDamping: { every: 1 } }),
      task: fourierTarget({ rateWindow: 50 }),
      settings: { steps: 500, log: { every: 5 } },
    },
    // SGD with Shampoo's `L^{-1/2} G R^{-1/2}` per layer (exponent 2, the override Distributed
    // Shampoo's README recommends, instead of Shampoo's 1/4), statistics summed (β₂ = 1), roots every
    // 10 updates, ε = 1e-6, and each layer's step length grafted from Adam, with η decaying from 0.1
    // to 0 by a cosine over the run. Why (README, "Choosing the K-FAC and Shampoo settings", seed 0):
    // with exponent 4 the loss was 6e-3 at step 3000 (η = 0.1) or rose again (η = 0.3); Adam's step
    // length does not shrink near a minimum, so a constant η left a floor (0.2 at η = 0.3) and the
    // cosine removes it; ε = 1e-12 (the default) weighs the directions the early, low-rank statistics
    // have not seen by up to (λ/ε)^{1/2} and kept the loss at 0.376 for 300 steps, ε = 1e-6 at 0.326;
    // a 50-step warm-up of η keeps Adam's full-size first step (bias-corrected, every weight moved
    // by η) from throwing the loss to 18-29 at step 1 (0.277 at step 300 against 0.327 without;
    // without it the loss at step 3,000 is lower in every seed, README).
    shampoo: {
      description: 'SGD η = 0.1 → 0 (50-step warm-up, cosine) + Shampoo (exponent 2, ε = 1e-6, Adam grafting)',
      optimizer: sgd({ lr: { type: 'cosine', value: 0.1, steps: 3000, warmup: 50 } }),
      preconditioner: shampoo({ exponent: 2, epsilon: 1e-6, graft: 'adam' }),
    },
  },
});
