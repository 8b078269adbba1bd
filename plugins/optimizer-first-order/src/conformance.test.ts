// The testkit's conformance suite for every optimizer of this package. Step sizes come from the
// testkit README: GD at η = 1 meets the quadratic's tolerance in 73 steps; on Rosenbrock, heavy
// ball η = 0.006, β = 0.9 needs ~650 steps, Adam η = 0.05 ~1460, plain GD ~7500.
import { describeOptimizerConformance } from '@precond/testkit/vitest';
import { adam, adamw, momentum, sgd } from './index.js';

describeOptimizerConformance(sgd, { options: { lr: 1 }, rosenbrock: { steps: 9000, options: { lr: 0.006 } } });
describeOptimizerConformance(momentum, { options: { lr: 0.5, momentum: 0.5 }, rosenbrock: { options: { lr: 0.006, momentum: 0.9 } } });
describeOptimizerConformance(adam, { options: { lr: 0.05 }, quadratic: { steps: 600 } });
// AdamW's decay pulls the minimiser towards 0, so its convergence checks use weightDecay 0 and
// the decay itself is covered by this package's own tests.
describeOptimizerConformance(adamw, { options: { lr: 0.05, weightDecay: 0 }, quadratic: { steps: 600 } });
