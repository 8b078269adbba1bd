import { defineExperiment, type ExperimentSpec } from '@precond/core';
import { gn, lm } from '@precond/optimizer-gauss-newton';
import { adam, sgd } from '@precond/optimizer-first-order';
import { kfac } from '@precond/preconditioner-kfac';
import { shampoo } from '@precond/preconditioner-shampoo';
import { ntk } from '@precond/probe-ntk';
import { fourierTarget } from '@precond/task-fourier-target';
import { modularAddition, paperLearningRate } from '@precond/task-modular-addition';

/** How an experiment of the catalog is built: the same choices give the same spec, so a run can be resumed. */
export interface BuildChoices {
  /** Add the NTK probe (`ntk`), observing every `ntkEvery` steps: eigenvalues of `K = J Jᵀ`, kernel distance, ... */
  readonly ntk: boolean;
  readonly ntkEvery: number;
}

export const DEFAULT_CHOICES: BuildChoices = { ntk: false, ntkEvery: 25 };

/** One experiment the playground offers. */
export interface CatalogEntry {
  /** The experiment's name (also its key in the catalog). */
  readonly id: string;
  /** The paper's figure and what it shows, for the page. */
  readonly title: string;
  readonly build: (choices: BuildChoices) => ExperimentSpec;
}

const probes = (choices: BuildChoices) => (choices.ntk ? { probes: [ntk({ every: choices.ntkEvery })] } : {});

/**
 * E1 (PAPER.md, Fig. 3), as `experiments/spectral-bias/experiment.ts` defines it for the CLI:
 * same task, settings and variants, so a run here and `precond run experiments/spectral-bias` with
 * the same seed compute the same thing (the browser test compares them; catalog.test.ts checks
 * that the two stay alike). That file is a Node project and cannot be bundled for the browser,
 * hence this copy. The playground adds `lm-adaptive`.
 */
function spectralBias(choices: BuildChoices): ExperimentSpec {
  // The Gauss-Newton-type variants take a few hundred steps, so they log every 5 steps and measure
  // decay rates (`mode_rates`) over a 50-step window; GD and Adam keep the task's 100-step window.
  const secondOrder = { task: fourierTarget({ rateWindow: 50 }), settings: { steps: 300, log: { every: 5 } } };
  return defineExperiment({
    name: 'spectral-bias',
    description: 'E1 (Fig. 3): FFT mode errors of the training residual under GD, Adam, LM (μ = 0.5, 0.1), GN, K-FAC and Shampoo on the paper’s three-sine target',
    task: fourierTarget(),
    settings: { steps: 3000, seeds: [0, 1, 2], log: { every: 25 } },
    ...probes(choices),
    variants: {
      sgd: { description: 'gradient descent, η = 0.3', optimizer: sgd({ lr: 0.3 }), settings: { steps: 8000 } },
      adam: { description: 'Adam, η = 1e-3', optimizer: adam({ lr: 1e-3 }) },
      'lm-0.5': { description: 'Levenberg-Marquardt, μ = 0.5, η = 0.5', optimizer: lm({ mu: 0.5, lr: 0.5 }), ...secondOrder },
      'lm-0.1': { description: 'Levenberg-Marquardt, μ = 0.1, η = 0.5', optimizer: lm({ mu: 0.1, lr: 0.5 }), ...secondOrder },
      gn: { description: 'Gauss-Newton, pseudo-inverse cutoff ε = 1e-7, η = 0.05', optimizer: gn({ epsilon: 1e-7, lr: 0.05 }), ...secondOrder },
      // K-FAC and Shampoo as experiments/spectral-bias chose them (its README gives the reasons).
      kfac: {
        description: 'SGD η = 1 + K-FAC (ggn, λ₀ = 1e-3, adaptive λ and step length every update, inverses every update)',
        optimizer: sgd({ lr: 1 }),
        preconditioner: kfac({ damping: 1e-3, inverseUpdateEvery: 1, adaptiveDamping: { every: 1 } }),
        task: fourierTarget({ rateWindow: 50 }),
        settings: { steps: 500, log: { every: 5 } },
      },
      shampoo: {
        description: 'SGD η = 0.1 → 0 (50-step warm-up, cosine) + Shampoo (exponent 2, ε = 1e-6, Adam grafting)',
        optimizer: sgd({ lr: { type: 'cosine', value: 0.1, steps: 3000, warmup: 50 } }),
        preconditioner: shampoo({ exponent: 2, epsilon: 1e-6, graft: 'adam' }),
      },
      // The playground's own: LM with the classic adaptive damping (PAPER.md, "Methods": reject a
      // step that raises the loss, shrink μ when the gain ratio ρ > 0.75, grow it when ρ < 0.25),
      // from μ = 0.1 at η = 1. It falls steadily (0.385 to 0.026 in 100 steps on cpu, seed 0), where
      // the fixed μ = 0.1 at η = 0.5 swings between 0.06 and 7 over its first 100 steps on this
      // seed, as the NumPy peer's does (../shared/peers/numpy_peer.py e1 --opt lm --lr 0.5 --mu 0.1).
      'lm-adaptive': {
        description: 'Levenberg-Marquardt, adaptive μ from 0.1 (gain-ratio rule), η = 1',
        optimizer: lm({ mu: { type: 'adaptive', initial: 0.1 }, lr: 1 }),
        ...secondOrder,
      },
    },
  });
}

/**
 * E3 (PAPER.md, Fig. 5): grokking on modular addition, p = 23, MLP of width 100 with a quadratic
 * activation, α = 1; GD at the paper's rate η = 100/α², and Adam.
 */
function modularAdditionExperiment(choices: BuildChoices): ExperimentSpec {
  return defineExperiment({
    name: 'modular-addition',
    description: 'E3 (Fig. 5): train and test accuracy of modular addition (p = 23) under GD and Adam; grokking',
    task: modularAddition({ p: 23, alpha: 1 }),
    settings: { steps: 3000, seeds: [0], log: { every: 50 } },
    ...probes(choices),
    variants: {
      sgd: { description: 'gradient descent, η = 100/α²', optimizer: sgd({ lr: paperLearningRate(100, 1) }) },
      adam: { description: 'Adam, η = 1e-3', optimizer: adam({ lr: 1e-3 }) },
    },
  });
}

/** The experiments of the playground, by name. */
export const CATALOG: Readonly<Record<string, CatalogEntry>> = {
  'spectral-bias': { id: 'spectral-bias', title: 'E1 · spectral bias (Fig. 3)', build: spectralBias },
  'modular-addition': { id: 'modular-addition', title: 'E3 · modular addition, grokking (Fig. 5)', build: modularAdditionExperiment },
};

/** The catalog entry called `id`, with a message listing the others when there is none. */
export function catalogEntry(id: string): CatalogEntry {
  const entry = CATALOG[id];
  if (!entry) throw new Error(`no experiment '${id}' in the playground; experiments: ${Object.keys(CATALOG).join(', ')}`);
  return entry;
}
