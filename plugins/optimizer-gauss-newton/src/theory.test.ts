// PAPER.md, "Exact checks of the theory", on a real network at initialisation (test-support's
// 2-24-24-1 tanh MLP on 8 points, curvature from @precond/nn), with the error operator of one step
// built through the solvers themselves: for each basis residual e_i the solver's step direction
// d_i, mapped back to outputs by J (test-support `errorOperator`). With K = J Jᵀ = Q Λ Qᵀ:
//   LM:  J (μI + JᵀJ)⁻¹ Jᵀ = K (μI + K)⁻¹   has eigenvalues λ_i/(μ + λ_i),
//   GN:  J (JᵀJ)† Jᵀ       = K K†           is the projector onto the kept eigenvectors.
// The reference eigenvalues λ_i come from linalg's float64 eigh of the float64 Gram.
import { mseLoss } from '@precond/core';
import { eigvalsh } from '@precond/linalg';
import { denseCurvatureProvider, leastSquaresInputs, leastSquaresProblem, LEAST_SQUARES_OPTIMUM } from '@precond/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lm } from './index.js';
import { errorOperator, flatParameters, optimizerFor, smallNetwork, stepOnce, symmetricPart, type SmallNetwork } from './test-support/networks.js';

let net: SmallNetwork;
let lambda: number[];
let m: number;

beforeAll(async () => {
  net = await smallNetwork();
  lambda = Array.from(net.eigen.values);
  m = lambda.length;
});
afterAll(() => net.dispose());

/** Eigenvalues (descending) of the symmetric part of an m × m operator. */
const eigenvaluesOf = (E: Float64Array) => Array.from(eigvalsh({ rows: m, cols: m, data: symmetricPart(E, m) }));

describe('exact checks of the theory (PAPER.md) on a 2-24-24-1 tanh MLP at initialisation', () => {
  it('the spectrum is resolved: 8 eigenvalues from λ_max down to about 5e-4·λ_max', () => {
    // The premise of the checks below: every λ_i is far above float32 rounding of J (≈ 1e-7·λ_max).
    expect(m).toBe(8);
    expect(lambda[m - 1]! / lambda[0]!).toBeGreaterThan(1e-4);
  });

  it.each(['residual', 'parameter', 'cg'] as const)('LM through the %s solver: J(μI + JᵀJ)⁻¹Jᵀ has eigenvalues λ_i/(μ + λ_i)', async (solver) => {
    // μ = λ_4 puts the spectrum of the operator on both sides of ½: from 0.98 down to 0.024.
    const mu = lambda[3]!;
    const { E } = await errorOperator(net, solver, { damping: mu, cg: { maxIterations: 50, tolerance: 1e-7 } });
    const expected = lambda.map((l) => l / (mu + l));
    // Rounding d_i to float32 moves J d_i by about u·λ_max·‖M⁻¹‖ ≈ 6e-8 · 62.6 / 1.31 ≈ 3e-6
    // (u = 2⁻²⁴); CG stops at a relative residual of 1e-7. Tolerance 2e-5 on every eigenvalue.
    eigenvaluesOf(E).forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(2e-5));
  });

  it('GN with a truncated pseudo-inverse is a projector: eigenvalues 1 (λ > ε·λ_max) and 0, rank = #{λ > ε·λ_max}', async () => {
    // ε halfway (geometrically) between λ_4 and λ_5 relative to λ_max keeps exactly 4 modes.
    const epsilon = Math.sqrt(lambda[3]! * lambda[4]!) / lambda[0]!;
    const kept = lambda.filter((l) => l > epsilon * lambda[0]!).length;
    expect(kept).toBe(4);
    for (const solver of ['residual', 'parameter'] as const) {
      const { E, ranks } = await errorOperator(net, solver, { cutoff: epsilon });
      expect(new Set(ranks)).toEqual(new Set([kept]));
      // The kept λ ≥ λ_4 ≈ 1.3, so rounding d to float32 moves J d by ≈ u·λ_max/λ_4 ≈ 3e-6: tolerance 1e-5.
      eigenvaluesOf(E).forEach((v, i) => expect(Math.abs(v - (i < kept ? 1 : 0))).toBeLessThan(1e-5));
    }
  });

  it.each(['residual', 'cg'] as const)('with μ = λ_min, κ_LM = (λ_N/λ_1)(λ_1 + μ)/(λ_N + μ) ≤ 2 (%s solver)', async (solver) => {
    const mu = lambda[m - 1]!;
    const { E } = await errorOperator(net, solver, { damping: mu, cg: { maxIterations: 50, tolerance: 1e-7 } });
    const values = eigenvaluesOf(E);
    const kappa = values[0]! / values[m - 1]!;
    // With λ_1 = μ: κ = 2λ_N/(λ_N + λ_1) < 2; here 1.99897.
    const exact = ((lambda[0]! / lambda[m - 1]!) * (lambda[m - 1]! + mu)) / (lambda[0]! + mu);
    expect(kappa).toBeLessThan(2);
    // Rounding d to float32 moves J d by ≈ u·λ_max/μ ≈ 6e-8 · 62.6/0.032 ≈ 1.2e-4 at worst; κ = σ_max/σ_min
    // with σ_min ≈ ½ moves by at most ≈ 2·(1.2e-4 + 2·1.2e-4) ≈ 7e-4.
    expect(Math.abs(kappa - exact)).toBeLessThan(7e-4);
  });
});

describe('one LM step on linear least squares', () => {
  // f(x) = x W + b on the testkit's four samples, y = X W* + b* exactly, so the least-squares
  // solution is θ* = (W*, b*) = (1, −2, 0.5, 0.5) (zero residual). J = A = [X, 1] does not depend on
  // θ and the residual is A(θ − θ*), so one step from θ₀ = 0 with η = 1 gives
  //   θ₁ = θ₀ − (μI + AᵀA)⁻¹ Aᵀ A (θ₀ − θ*) = θ* + μ (μI + AᵀA)⁻¹ (θ₀ − θ*),
  // the closed-form least-squares solution θ* as μ → 0, at distance ≤ μ/(μ + λ_min(AᵀA))·‖θ*‖.
  async function oneStep(mu: number, solver: 'residual' | 'parameter' | 'cg') {
    const problem = leastSquaresProblem();
    const optimizer = optimizerFor(lm({ mu, lr: 1, solver, cg: { tolerance: 1e-9 } }), problem.model);
    await stepOnce(optimizer, problem.model, problem.data, problem.loss, 1, denseCurvatureProvider());
    const theta = await flatParameters(problem.model);
    optimizer.dispose();
    problem.dispose();
    return theta;
  }

  it.each(['residual', 'parameter', 'cg'] as const)('with μ = 1e-9 lands on the least-squares solution (%s solver)', async (solver) => {
    const theta = await oneStep(1e-9, solver);
    // μ/(μ + 0.4)·‖θ*‖ ≈ 6e-9 (AᵀA = 4·diag{1, 1, 0.3, 0.1} in its eigenbasis); float32 parameters
    // and J hold θ* to ≈ 1e-7 relative (condition number 10 of AᵀA): tolerance 1e-5.
    theta.forEach((v, i) => expect(Math.abs(v - LEAST_SQUARES_OPTIMUM[i]!)).toBeLessThan(1e-5));
  });

  it('with μ = 0.4 moves to θ* + μ(μI + AᵀA)⁻¹(θ₀ − θ*), computed independently in float64', async () => {
    const mu = 0.4;
    const theta = await oneStep(mu, 'residual');
    // AᵀA from the float64 inputs (the device rounds X to float32: relative 6e-8).
    const A = leastSquaresInputs().map((row) => [...row, 1]);
    const G = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => A.reduce((s, a) => s + a[r]! * a[c]!, 0) + (r === c ? mu : 0)));
    // Solve (μI + AᵀA) z = θ₀ − θ* = −θ* by Gaussian elimination (4 × 4, well conditioned).
    const z = solve4(G, LEAST_SQUARES_OPTIMUM.map((v) => -v));
    const expected = LEAST_SQUARES_OPTIMUM.map((v, i) => v + mu * z[i]!);
    // The step is a sizable fraction of θ*, so float32 rounding gives ≈ 1e-7·‖θ*‖: tolerance 1e-5.
    theta.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5));
    // And the step is short of θ* by a visible amount (μ is not small here).
    expect(Math.hypot(...theta.map((v, i) => v - LEAST_SQUARES_OPTIMUM[i]!))).toBeGreaterThan(0.1);
  });
});

/** Solve a 4 × 4 system by Gaussian elimination with partial pivoting. */
function solve4(a: number[][], b: number[]): number[] {
  const M = a.map((row, i) => [...row, b[i]!]);
  const n = 4;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

describe('the summed-loss convention', () => {
  it('μ is relative to JᵀJ of the summed loss: the LM step for mseLoss(scale) equals that of scale 1 with μ/scale', async () => {
    // For ℓ_i = (s/2)‖r_i‖²: g = s·r, H = s·I, so (μI + s JᵀJ)⁻¹ Jᵀ s r = (μ/s · I + JᵀJ)⁻¹ Jᵀ r.
    const scale = 4;
    const steps: Float64Array[] = [];
    for (const [loss, mu] of [
      [mseLoss(scale), 0.8],
      [mseLoss(1), 0.2],
    ] as const) {
      const problem = leastSquaresProblem();
      const optimizer = optimizerFor(lm({ mu }), problem.model);
      await stepOnce(optimizer, problem.model, problem.data, loss, 1, denseCurvatureProvider());
      steps.push(await flatParameters(problem.model));
      optimizer.dispose();
      problem.dispose();
    }
    steps[0]!.forEach((v, i) => expect(Math.abs(v - steps[1]![i]!)).toBeLessThan(1e-6));
  });
});
