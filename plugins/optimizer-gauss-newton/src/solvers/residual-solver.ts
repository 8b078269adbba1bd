import * as tf from '@tensorflow/tfjs-core';
import { matVec64 } from '@precond/linalg';
import { dot64, solveSymmetric } from './dense.js';
import type { GaussNewtonSolution, GaussNewtonSystem } from './system.js';

/**
 * The step in residual space, for a loss with `H_i = h·I` (MSE). The push-through identity
 * (PAPER.md, "How the systems are solved") turns the `P × P` system into one of size `m = n·k`:
 *
 *   (μI + h JᵀJ)⁻¹ Jᵀ g = Jᵀ (μI + h J Jᵀ)⁻¹ g = Jᵀ α,
 *
 * and for gn `(h JᵀJ)† Jᵀ g = Jᵀ (J Jᵀ)† g / h` (both are J's pseudo-inverse applied to g/h; the
 * nonzero eigenvalues of JᵀJ and J Jᵀ agree, so the relative cutoff ε means the same in both). The
 * Gram `K = J Jᵀ` is the curvature context's float64 one (PAPER.md, "Numerical facts": a float32
 * Gram loses the eigenvalues below ~1e-7 of the largest, float64 keeps them to ~1e-13), solved on the
 * CPU in float64; `d = Jᵀ α` is one reverse pass (`vjp`).
 *
 * The scalars come from K in float64 at O(m²): `bᵀd = gᵀKα`, `dᵀ(hJᵀJ)d = h‖Kα‖²`.
 */
export async function solveInResidualSpace(system: GaussNewtonSystem): Promise<GaussNewtonSolution> {
  const h = system.hessianScale;
  if (h === null) throw new Error('solveInResidualSpace: the residual-space system needs an output Hessian h·I (planSolver refuses the others)');
  const { curvature, outputGradient } = system;
  const [n, k] = outputGradient.shape;
  const m = n * k;
  const [gram, gData] = await Promise.all([curvature.gram64(), outputGradient.data()]);
  const g = Float64Array.from(gData);
  const K = { rows: m, cols: m, data: gram };
  let alpha: Float64Array;
  let info: Record<string, number>;
  if (system.pseudoInverseCutoff !== null) {
    const solved = solveSymmetric(K, g, 0, system.pseudoInverseCutoff, 'gn (residual space)');
    alpha = solved.x.map((v) => v / h);
    info = solved.info;
  } else {
    const hK = { rows: m, cols: m, data: h === 1 ? gram : gram.map((v) => h * v) };
    const solved = solveSymmetric(hK, g, system.damping, null, 'lm (residual space)');
    alpha = solved.x;
    info = solved.info;
  }
  const kAlpha = matVec64(K, alpha);
  const slope = dot64(g, kAlpha);
  const curvatureTerm = h * dot64(kAlpha, kAlpha);
  const alphaTensor = tf.tensor2d(Float32Array.from(alpha), [n, k]);
  try {
    return { direction: curvature.vjp(alphaTensor), slope, curvature: curvatureTerm, info };
  } finally {
    alphaTensor.dispose();
  }
}
