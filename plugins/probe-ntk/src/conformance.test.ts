import { mlp } from '@precond/nn';
import { fourierTarget } from '@precond/task-fourier-target';
import { describeProbeConformance } from '@precond/testkit/vitest';
import { ntk } from './index.js';

// The suite's state-round-trip check compares a restored probe's next observation with the
// original's number for number, and `ntk.seconds` is a wall-clock time that no two observations
// share; every other metric must match exactly, so the suites run with `seconds: false`.
const deterministic = { seconds: false };
// 16 points carry at most ⌊16/2⌋ + 1 = 9 FFT modes (the task's own default asks for 10).
const task = fourierTarget({ points: 16, modes: 8 });

describeProbeConformance(ntk, { options: deterministic, task, model: mlp({ hidden: [8] }) });
// A subset of the training set, through the model package's CURVATURE_PROVIDER, on the Lanczos route.
describeProbeConformance(ntk, {
  options: { ...deterministic, probeSet: { type: 'indices', indices: [15, 2, 7, 9, 0, 4] }, maxDense: 4, topK: 3, modes: 2 },
  task,
  model: mlp({ hidden: [8] }),
});
// The testkit's least-squares task and linear model (not built with @precond/nn: its dense
// autodiff curvature), whose parameters start at zero, where param_distance is the absolute distance.
describeProbeConformance(ntk, { options: deterministic });
