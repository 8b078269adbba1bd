import type { ConcreteSolver } from './plan-solver.js';
import { solveByConjugateGradient } from './cg-solver.js';
import { solveInParameterSpace } from './parameter-solver.js';
import { solveInResidualSpace } from './residual-solver.js';
import type { CgSystem, GaussNewtonSolution } from './system.js';

/**
 * Solve one step's system with the named solver. The three agree up to rounding (and CG's
 * tolerance): `Jᵀ(μI + hJJᵀ)⁻¹g = (μI + hJᵀJ)⁻¹Jᵀg` by the push-through identity, and CG converges
 * to the same `(μI + JᵀHJ)⁻¹Jᵀg`.
 */
export function solveGaussNewtonSystem(solver: ConcreteSolver, system: CgSystem): Promise<GaussNewtonSolution> {
  switch (solver) {
    case 'residual':
      return solveInResidualSpace(system);
    case 'parameter':
      return solveInParameterSpace(system);
    case 'cg':
      return solveByConjugateGradient(system);
  }
}
