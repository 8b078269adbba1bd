import type { ExperimentSpec } from '@precond/core';
import { defineExperiment } from '@precond/core';
import { adam, sgd } from '@precond/optimizer-first-order';
import { gn, lm } from '@precond/optimizer-gauss-newton';
import { fourierTarget } from '@precond/task-fourier-target';

/** One benchmark: an experiment variant timed by the real runner, and the peer command that does the same work. */
export interface BenchCase {
  /** `<experiment>/<optimizer>`, e.g. `e1/adam`. */
  readonly name: string;
  readonly experiment: ExperimentSpec;
  readonly variant: string;
  /** Arguments for ../shared/peers/numpy_peer.py (without `--bench --steps`), when the peer covers the case. */
  readonly peer?: readonly string[];
}

// E1 (PAPER.md): 100 points, MLP 1-80-80-1 tanh (6,721 parameters), full batch.
const e1 = defineExperiment({
  name: 'bench-e1',
  task: fourierTarget(),
  settings: { steps: 200, log: { every: 1_000_000 } },
  variants: {
    sgd: { optimizer: sgd({ lr: 0.05 }) },
    adam: { optimizer: adam({ lr: 1e-3 }) },
    // The peer's LM: (μI + JᵀJ)⁻¹Jᵀ(f − y) with μ = 0.1, η = 1, one 100 × 100 solve per step.
    lm: { optimizer: lm({ mu: 0.1, lr: 1 }) },
    // The peer's GN: eigendecomposition of J Jᵀ and a pseudo-inverse with cutoff 1e-6, η = 1.
    gn: { optimizer: gn({ epsilon: 1e-6, lr: 1 }) },
  },
});

export const BENCH_CASES: readonly BenchCase[] = [
  { name: 'e1/sgd', experiment: e1, variant: 'sgd', peer: ['e1', '--opt', 'gd'] },
  { name: 'e1/adam', experiment: e1, variant: 'adam', peer: ['e1', '--opt', 'adam'] },
  { name: 'e1/lm', experiment: e1, variant: 'lm', peer: ['e1', '--opt', 'lm', '--mu', '0.1'] },
  { name: 'e1/gn', experiment: e1, variant: 'gn', peer: ['e1', '--opt', 'gn'] },
];
