// The testkit's conformance suite for every optimizer of this package. Both testkit problems are
// least squares (mseLoss, H = I), where a Gauss-Newton step is exact on the quadratic and
// quadratically convergent on Rosenbrock's residual form, so a handful of steps is enough.
import { describeOptimizerConformance } from '@precond/testkit/vitest';
import { sgd } from '@precond/optimizer-first-order';
import { ggn, gn, hybrid, lm } from './index.js';

// μ = 1e-3 against the summed-loss GGN: on the quadratic JᵀJ has eigenvalues 4·{1, 1, 0.3, 0.1}
// (testkit README: XᵀX/4 has {1, 1, 0.3, 0.1}), so each LM step keeps at most μ/(μ + 0.4) = 0.25%
// of the error: 3 steps take 2.345 to below 1e-3. On Rosenbrock μ = 1e-3 is below λ_min ≈ 0.2.
describeOptimizerConformance(lm, { options: { mu: 1e-3 }, quadratic: { steps: 5 }, rosenbrock: { steps: 50 } });
describeOptimizerConformance(lm, {
  options: { mu: { type: 'adaptive', initial: 1 }, solver: 'parameter', lineSearch: { type: 'backtracking' } },
  quadratic: { steps: 40 },
  rosenbrock: { steps: 200 },
});
describeOptimizerConformance(lm, { options: { mu: 1e-3, solver: 'cg', cg: { maxIterations: 10 } }, quadratic: { steps: 10 }, rosenbrock: { steps: 100 } });
// GN's step on the quadratic is the least-squares solution itself (full rank, ε below 0.1/1).
describeOptimizerConformance(gn, { quadratic: { steps: 2 }, rosenbrock: { steps: 50 } });
describeOptimizerConformance(ggn, { quadratic: { steps: 60 }, rosenbrock: { steps: 300 } });
// Hybrid: LM for 6 steps (the state check's checkpoint at step 5 lands before the switch and its
// last two steps cross it), then SGD at η = 1, which meets the quadratic's tolerance by itself.
describeOptimizerConformance(hybrid, {
  options: { first: lm({ mu: 1e-3 }), then: sgd({ lr: 1 }), switchAt: 6 },
  rosenbrock: { steps: 100, options: { switchAt: 100 } },
});
