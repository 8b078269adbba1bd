import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, OptionsError } from '@precond/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgOptionsSchema } from '../options.js';
import { smallNetwork, systemFor, type SmallNetwork } from '../test-support/networks.js';
import { parameterBytes, planSolver, residualBytes, type SystemShape } from './plan-solver.js';
import { solveGaussNewtonSystem } from './solve.js';
import type { GaussNewtonSolution, GaussNewtonSystem } from './system.js';

/** The direction as one flat array. */
async function flat(solution: GaussNewtonSolution): Promise<Float64Array> {
  const parts = await Promise.all(solution.direction.map((d) => d.data()));
  return Float64Array.from(parts.flatMap((p) => Array.from(p)));
}

/** max |a − b| / max |b|. */
function relativeDifference(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

async function solveAll(system: GaussNewtonSystem, solvers: readonly ('residual' | 'parameter' | 'cg')[]) {
  const out: Array<{ d: Float64Array; solution: GaussNewtonSolution }> = [];
  for (const solver of solvers) {
    const solution = await solveGaussNewtonSystem(solver, { ...system, cg: cgOptionsSchema.parse({ maxIterations: 60, tolerance: 1e-7 }), warmStart: null });
    out.push({ d: await flat(solution), solution });
    tf.dispose(solution.direction);
  }
  return out;
}

describe('the three solvers agree (MSE, 2-24-24-1 tanh MLP, 8 points)', () => {
  let net: SmallNetwork;
  let g: tf.Tensor2D;
  beforeAll(async () => {
    net = await smallNetwork();
    g = tf.tidy(() => tf.sub(net.curvature.outputs(), net.batch.y) as tf.Tensor2D);
  });
  afterAll(() => {
    g.dispose();
    net.dispose();
  });

  it('on the damped step (μI + JᵀJ)⁻¹Jᵀr, with the same slope bᵀd and curvature dᵀJᵀJd', async () => {
    // μ = 0.1·λ_max: the operator's condition number is at most 11, so float32 CG reaches 1e-7.
    const mu = 0.1 * net.eigen.values[0]!;
    const [residual, parameter, cg] = await solveAll(systemFor(net, g, { damping: mu }), ['residual', 'parameter', 'cg']);
    // Float32 products of size ≤ 697 (u√P ≈ 1.6e-6) and CG's tolerance: 1e-4 relative.
    expect(relativeDifference(parameter!.d, residual!.d)).toBeLessThan(1e-4);
    expect(relativeDifference(cg!.d, residual!.d)).toBeLessThan(1e-4);
    for (const other of [parameter!, cg!]) {
      expect(Math.abs(other.solution.slope / residual!.solution.slope - 1)).toBeLessThan(1e-4);
      expect(Math.abs(other.solution.curvature / residual!.solution.curvature - 1)).toBeLessThan(1e-4);
    }
    // With an exact solve, (μI + G) d = b gives dᵀGd = bᵀd − μ‖d‖².
    const dd = residual!.d.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(residual!.solution.curvature - (residual!.solution.slope - mu * dd)) / residual!.solution.slope).toBeLessThan(1e-4);
    expect(cg!.solution.info.cg_iterations).toBeGreaterThan(0);
    expect(cg!.solution.info.cg_residual).toBeLessThan(1e-6);
  });

  it('on the pseudo-inverse step (JᵀJ)†Jᵀr in residual and parameter space, with the same rank', async () => {
    // ε between λ_5 and λ_6 (relative): the kept λ ≥ λ_5 ≈ 0.6 keep float32 rounding small.
    const lambda = net.eigen.values;
    const cutoff = Math.sqrt(lambda[4]! * lambda[5]!) / lambda[0]!;
    const [residual, parameter] = await solveAll(systemFor(net, g, { cutoff }), ['residual', 'parameter']);
    expect(residual!.solution.info.rank).toBe(5);
    expect(parameter!.solution.info.rank).toBe(5);
    // ‖(JᵀJ)†‖ = 1/λ_5 ≈ 1.7 amplifies float32 rounding of J (≈ 1e-7 · λ_max/λ_5 ≈ 1e-5): 1e-4 relative.
    expect(relativeDifference(parameter!.d, residual!.d)).toBeLessThan(1e-4);
  });

  it('warm-started CG starts from the previous solution and needs no iteration when it is exact', async () => {
    const mu = 0.1 * net.eigen.values[0]!;
    const system = { ...systemFor(net, g, { damping: mu }), cg: cgOptionsSchema.parse({ tolerance: 1e-4 }) };
    const cold = await solveGaussNewtonSystem('cg', system);
    const warm = await solveGaussNewtonSystem('cg', { ...system, warmStart: cold.direction });
    // The cold solution satisfies the tolerance, so started there CG stops at once.
    expect(cold.info.cg_iterations).toBeGreaterThan(1);
    expect(warm.info.cg_iterations).toBe(0);
    tf.dispose([...cold.direction, ...warm.direction]);
  });
});

describe('cross-entropy (block output Hessian H_i = diag(p_i) − p_i p_iᵀ)', () => {
  let net: SmallNetwork;
  beforeAll(async () => {
    net = await smallNetwork({ outputs: 3, loss: crossEntropyLoss() });
  });
  afterAll(() => net.dispose());

  it('the parameter-space GGN and CG on ggnVectorProduct give the same damped step', async () => {
    const g = tf.tidy(() => net.loss.outputGradient(net.curvature.outputs(), net.batch.y));
    const system = { ...systemFor(net, g, { damping: 0.05 }), hessianScale: null };
    const [parameter, cg] = await solveAll(system, ['parameter', 'cg']);
    // CG reaches 1e-7 relative residual; cond(μI + JᵀHJ) ≤ 1 + ‖JᵀHJ‖/μ is moderate here: 1e-4.
    expect(relativeDifference(cg!.d, parameter!.d)).toBeLessThan(1e-4);
    expect(Math.abs(cg!.solution.curvature / parameter!.solution.curvature - 1)).toBeLessThan(1e-4);
    g.dispose();
  });

  it("planSolver refuses 'residual' for it, naming the option and the alternatives", () => {
    const shape: SystemShape = { samples: 8, outputs: 3, parameters: 747, scalarHessian: false, pseudoInverse: false };
    expect(() => planSolver('residual', shape, 512, 'optimizer')).toThrow(OptionsError);
    expect(() => planSolver('residual', shape, 512, 'optimizer')).toThrow(/optimizer\.solver: 'residual' needs .*MSE.*3×3 blocks.*not symmetric.*'parameter' or 'cg'/);
    expect(planSolver('auto', shape, 512, 'optimizer')).toBe('parameter');
  });
});

describe('planSolver', () => {
  const e1: SystemShape = { samples: 100, outputs: 1, parameters: 6721, scalarHessian: true, pseudoInverse: false };

  it("auto takes the smaller dense system that fits the budget, else 'cg'", () => {
    // E1: n·k = 100 ≪ P = 6721 → residual space (240 KB).
    expect(planSolver('auto', e1, 512, 'optimizer')).toBe('residual');
    // Few parameters, many rows: the P × P system.
    expect(planSolver('auto', { ...e1, samples: 5000, parameters: 50 }, 512, 'optimizer')).toBe('parameter');
    // E3 (PAPER.md): n·k = 476·23 = 10948, P = 6900 with cross-entropy-like blocks: neither fits 512 MiB.
    expect(planSolver('auto', { samples: 476, outputs: 23, parameters: 6900, scalarHessian: false, pseudoInverse: false }, 512, 'optimizer')).toBe('cg');
    // A budget below E1's residual system leaves CG.
    expect(planSolver('auto', e1, 0.1, 'optimizer')).toBe('cg');
  });

  it('estimates the memory of the dense solves', () => {
    // 3 float64 copies of the 100 × 100 Gram: 240,000 bytes = 234 KiB.
    expect(residualBytes(e1)).toBe(3 * 8 * 100 * 100);
    // J on the device and the host (float32) and its float64 transpose, plus 3 float64 P × P:
    // 10.75e6 + 1084.2e6 bytes = 1044 MiB.
    expect(parameterBytes(e1)).toBe(100 * 6721 * 16 + 3 * 8 * 6721 * 6721);
  });

  it('refuses an explicit dense solver over the budget with the size, the budget and the way out', () => {
    const call = () => planSolver('residual', e1, 0.1, 'optimizer.first');
    expect(call).toThrow(OptionsError);
    expect(call).toThrow(/optimizer\.first\.solver: the residual-space system is 100×100 .*about 234 KiB.*optimizer\.first\.memoryBudgetMiB = 0\.1 MiB; use solver 'cg'/);
    try {
      call();
    } catch (e) {
      expect((e as OptionsError).path).toBe('optimizer.first.solver');
    }
    expect(() => planSolver('parameter', e1, 512, 'optimizer')).toThrow(/parameter-space system is 6721×6721 .*about 1044 MiB.*512 MiB; use solver 'cg'/);
    expect(planSolver('cg', e1, 0.1, 'optimizer')).toBe('cg');
  });
});
