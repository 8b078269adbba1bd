import type { ExperimentSpec } from '@precond/core';
import { defineExperiment } from '@precond/core';
import { adam, sgd } from '@precond/optimizer-first-order';
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
  },
});

export const BENCH_CASES: readonly BenchCase[] = [
  { name: 'e1/sgd', experiment: e1, variant: 'sgd', peer: ['e1', '--opt', 'gd'] },
  { name: 'e1/adam', experiment: e1, variant: 'adam', peer: ['e1', '--opt', 'adam'] },
];
