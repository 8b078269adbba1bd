import * as tf from '@tensorflow/tfjs-core';
import { conjugateGradient, listDots, type LinearOperator } from '@precond/linalg';
import { applyOutputHessian } from '../output-hessian.js';
import type { CgSystem, GaussNewtonSolution } from './system.js';

/**
 * The step without forming any matrix: conjugate gradient on `(μI + JᵀHJ) d = Jᵀg` (PAPER.md, "How
 * the systems are solved": matrix-free CG with J·v and Jᵀ·u products), each iteration one
 * `ggnVectorProduct` (a forward-mode J·v, the loss's H, one reverse pass) on the device in float32.
 * With μ = 0 (gn) CG from a start in the range of JᵀHJ stays there and converges to the
 * minimum-norm solution; its iteration budget, not ε, then does the truncating.
 *
 * `bᵀd` is one read; `dᵀ(JᵀHJ)d = ⟨Jd, H Jd⟩` costs one more J·v, so
 * the gain ratio sees the true model curvature even when CG stopped early.
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
  let result: ReturnType<typeof conjugateGradient>;
  try {
    result = conjugateGradient(operator, b, { tolerance: system.cg.tolerance, maxIterations: system.cg.maxIterations, x0: warm });
  } catch (error) {
    tf.dispose(b);
    throw error;
  }
  const d = result.x;
  try {
    const [slope] = listDots([[b, d]]);
    const quadratic = tf.tidy(() => {
      const jd = curvature.jvp(d);
      return tf.sum(tf.mul(jd, applyOutputHessian(system.loss, curvature.outputs(), system.targets, jd)));
    });
    let curvatureTerm: number;
    try {
      curvatureTerm = (await quadratic.data())[0]!;
    } finally {
      quadratic.dispose();
    }
    return {
      direction: d,
      slope: slope!,
      curvature: curvatureTerm,
      info: { cg_iterations: result.iterations, cg_residual: result.relativeResidualNorm },
    };
  } catch (error) {
    tf.dispose(d);
    throw error;
  } finally {
    tf.dispose(b);
  }
}
