import * as tf from '@tensorflow/tfjs-core';
import { conjugateGradient, type LinearOperator } from '@precond/linalg';
import { applyOutputHessian } from '../output-hessian.js';
import type { CgSystem, GaussNewtonSolution } from './system.js';

/**
 * The step without forming any matrix: conjugate gradient on `(μI + JᵀHJ) d = Jᵀg` (PAPER.md, "How
 * the systems are solved": matrix-free CG with J·v and Jᵀ·u products), each iteration one
 * `ggnVectorProduct` (a forward-mode J·v, the loss's H, one reverse pass) on the device in float32.
 * With μ = 0 (gn) CG from a start in the range of JᵀHJ stays there and converges to the
 * minimum-norm solution; its iteration budget, not ε, then does the truncating.
 *
 * `bᵀd` and `dᵀ(JᵀHJ)d = ⟨Jd, H Jd⟩` (one more J·v, so the gain ratio sees the true model
 * curvature even when CG stopped early) come back in one awaited read, as CG's own scalars do:
 * nothing here reads synchronously, so the solve runs on WebGPU.
 */
export async function solveByConjugateGradient(system: CgSystem): Promise<GaussNewtonSolution> {
  const { curvature, outputGradient, damping } = system;
  const b = curvature.vjp(outputGradient);
  const operator: LinearOperator = (v) => {
    const ggn = curvature.ggnVectorProduct(v);
    if (damping === 0) return ggn;
    const out = ggn.map((t, i) => tf.add(t, tf.mul(v[i]!, damping)));
    tf.dispose(ggn);
    return out;
  };
  const warm = system.cg.warmStart && system.warmStart !== null && system.warmStart.length === b.length ? system.warmStart : undefined;
  let d: tf.Tensor[] | null = null;
  try {
    const result = await conjugateGradient(operator, b, { tolerance: system.cg.tolerance, maxIterations: system.cg.maxIterations, x0: warm });
    d = result.x;
    const direction = d;
    // [⟨b_t, d_t⟩ per tensor…, ⟨Jd, H Jd⟩] in one read; the per-tensor sums are added in float64
    // here, as linalg's listDots does.
    const scalars = tf.tidy(() => {
      const parts = b.map((bi, i) => tf.sum(tf.mul(bi, direction[i]!)));
      const jd = curvature.jvp(direction);
      parts.push(tf.sum(tf.mul(jd, applyOutputHessian(system.loss, curvature.outputs(), system.targets, jd))));
      return tf.stack(parts);
    });
    let values: Float32Array;
    try {
      values = (await scalars.data()) as Float32Array;
    } finally {
      scalars.dispose();
    }
    let slope = 0;
    for (let i = 0; i < b.length; i++) slope += values[i]!;
    const curvatureTerm = values[b.length]!;
    const solution: GaussNewtonSolution = {
      direction,
      slope,
      curvature: curvatureTerm,
      info: { cg_iterations: result.iterations, cg_residual: result.relativeResidualNorm },
    };
    d = null;
    return solution;
  } finally {
    if (d) tf.dispose(d);
    tf.dispose(b);
  }
}
