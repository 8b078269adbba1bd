// The testkit's preconditioner suite (packages/testkit README, "Preconditioner checks"). Its
// problems are FunctionModels with the dense test curvature, so K-FAC takes the `statistics` path:
// least squares is one dense layer with a bias (a Kronecker block; with `ggn`, G comes from the bias
// block of Jᵀ H J), Rosenbrock has no layer (every parameter falls back).
import { describePreconditionerConformance } from '@precond/testkit/vitest';
import { kfac } from './index.js';

// Defaults: ggn, λ = 1e-3, decay 0.95, inverses every 10 updates, identity fallback. On the
// quadratic the factors are constant (fixed inputs, G = h = 1; A has eigenvalues 1, 1, 0.3, 0.1,
// tr/4 = 0.6), so the first inverse is final: π = √0.6, shifts π√λ = 0.0245 and √λ/π = 0.0408,
// and a step at η = 1 keeps 1 − μ/((μ + 0.0245)·1.0408) of the error along an eigenvalue μ of A,
// at most 0.23 (μ = 0.1): well inside the suite's 200 steps.
describePreconditionerConformance(kfac);

// The other code paths: Cholesky inverses, the diagonal fallback (Rosenbrock), inverses every
// update and the gain-ratio damping rule every 2 updates.
describePreconditionerConformance(kfac, {
  options: { inverse: 'cholesky', fallback: 'diagonal', inverseUpdateEvery: 1, adaptiveDamping: { every: 2 } },
});
