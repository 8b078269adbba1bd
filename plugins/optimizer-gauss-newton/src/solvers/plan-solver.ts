import { OptionsError } from '@precond/core';
import type { SolverName } from '../options.js';

/** A solver that actually runs (what `auto` resolves to). */
export type ConcreteSolver = Exclude<SolverName, 'auto'>;

/** The sizes a solver choice depends on. */
export interface SystemShape {
  /** Samples n of the batch. */
  readonly samples: number;
  /** Outputs per sample k. */
  readonly outputs: number;
  /** Parameters P. */
  readonly parameters: number;
  /** Whether the loss's output Hessian is `h·I` (MSE): only then is the residual system symmetric. */
  readonly scalarHessian: boolean;
  /** Whether the step uses the truncated pseudo-inverse (gn) instead of a damped solve (lm, ggn). */
  readonly pseudoInverse: boolean;
}

const MIB = 2 ** 20;
const mib = (bytes: number) => {
  if (bytes < 1024) return `${bytes} bytes`;
  return bytes < MIB ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / MIB).toFixed(0)} MiB`;
};

/**
 * Float64 bytes of a dense `size × size` solve: the matrix, its Cholesky factor (lm) or eigenvectors
 * (gn), and one working copy (the damped matrix, or eigh's tridiagonalisation).
 */
export function denseSolveBytes(size: number): number {
  return 3 * 8 * size * size;
}

/** Bytes of the residual-space solve: the `n·k` Gram `J Jᵀ` in float64 and its factorisation. */
export function residualBytes(s: SystemShape): number {
  return denseSolveBytes(s.samples * s.outputs);
}

/**
 * Bytes of the parameter-space solve: the dense float32 Jacobian on the device and on the host,
 * its float64 transpose (and `H J` likewise for block Hessians), and the `P × P` solve.
 */
export function parameterBytes(s: SystemShape): number {
  const jacobian = s.samples * s.outputs * s.parameters;
  const perJacobian = 4 + 4 + 8;
  return jacobian * perJacobian * (s.scalarHessian ? 1 : 2) + denseSolveBytes(s.parameters);
}

/**
 * Multiply-adds of a dense solve: forming the system (`m²P` for `J Jᵀ`, `mP²` for `JᵀHJ`) plus
 * the factorisation (`N³/3` for Cholesky, about `9N³` for the symmetric eigendecomposition).
 */
function denseFlops(formed: number, size: number, pseudoInverse: boolean): number {
  return formed + (pseudoInverse ? 9 : 1 / 3) * size ** 3;
}

/** Why a dense solver cannot run for this system, or null when it can. */
export function denseSolverProblem(solver: 'residual' | 'parameter', s: SystemShape, budgetMiB: number, slot: string): string | null {
  const m = s.samples * s.outputs;
  const budget = budgetMiB * MIB;
  if (solver === 'residual') {
    if (!s.scalarHessian) {
      return (
        `${slot}.solver: 'residual' needs a loss whose output Hessian is a multiple of the identity (MSE); this loss has ` +
        `per-sample ${s.outputs}×${s.outputs} blocks H_i, so the residual-space system μI + H·J Jᵀ is not symmetric and would ` +
        "need a non-symmetric (LU) solve; use solver 'parameter' or 'cg' (or 'auto', which picks one of them)"
      );
    }
    const bytes = residualBytes(s);
    if (bytes > budget) {
      return (
        `${slot}.solver: the residual-space system is ${m}×${m} (n·k with n = ${s.samples}, k = ${s.outputs}) and needs about ` +
        `${mib(bytes)} in float64 (Gram J Jᵀ, its factorisation and a working copy), over ${slot}.memoryBudgetMiB = ${budgetMiB} MiB; ` +
        "use solver 'cg' (matrix-free conjugate gradient) or 'auto', or raise memoryBudgetMiB"
      );
    }
    return null;
  }
  const bytes = parameterBytes(s);
  if (bytes > budget) {
    return (
      `${slot}.solver: the parameter-space system is ${s.parameters}×${s.parameters} (P = ${s.parameters}) and with the dense ` +
      `${m}×${s.parameters} Jacobian needs about ${mib(bytes)}, over ${slot}.memoryBudgetMiB = ${budgetMiB} MiB; ` +
      "use solver 'cg' (matrix-free conjugate gradient) or 'auto', or raise memoryBudgetMiB"
    );
  }
  return null;
}

/**
 * The solver a step runs. An explicit choice is checked (and refused with an OptionsError naming
 * `<slot>.solver`, the size and the budget). `auto` takes, among the dense solvers that apply and fit
 * the memory budget, the one with fewer multiply-adds: the residual space when `n·k < P` (PAPER.md,
 * "How the systems are solved": the push-through identity), the parameter space when `P < n·k`;
 * matrix-free CG when neither fits.
 */
export function planSolver(requested: SolverName, s: SystemShape, budgetMiB: number, slot: string): ConcreteSolver {
  if (requested === 'cg') return 'cg';
  if (requested !== 'auto') {
    const problem = denseSolverProblem(requested, s, budgetMiB, slot);
    if (problem) throw new OptionsError(`${slot}.solver`, problem);
    return requested;
  }
  const m = s.samples * s.outputs;
  const P = s.parameters;
  const candidates: Array<{ solver: ConcreteSolver; flops: number }> = [];
  if (!denseSolverProblem('residual', s, budgetMiB, slot)) candidates.push({ solver: 'residual', flops: denseFlops(m * m * P, m, s.pseudoInverse) });
  if (!denseSolverProblem('parameter', s, budgetMiB, slot)) candidates.push({ solver: 'parameter', flops: denseFlops(m * P * P, P, s.pseudoInverse) });
  if (candidates.length === 0) return 'cg';
  // Ties go to the residual space: its Gram comes from the curvature engine's structured float64 rule.
  candidates.sort((a, b) => a.flops - b.flops);
  return candidates[0]!.solver;
}
