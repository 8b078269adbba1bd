import * as tf from '@tensorflow/tfjs-core';
import { eigh, gram64, matVec64, type Matrix64 } from '@precond/linalg';
import { outputHessianBlocks } from '../output-hessian.js';
import { dot64, solveSymmetric } from './dense.js';
import type { GaussNewtonSolution, GaussNewtonSystem } from './system.js';

/** `Jᵀ` of the row-major `m × P` float32 `J`, as a row-major `P × m` float64 matrix. */
function transposeToFloat64(j: ArrayLike<number>, m: number, p: number): Float64Array {
  const out = new Float64Array(p * m);
  const tile = 32;
  for (let r0 = 0; r0 < m; r0 += tile) {
    const r1 = Math.min(r0 + tile, m);
    for (let c0 = 0; c0 < p; c0 += tile) {
      const c1 = Math.min(c0 + tile, p);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * m + r] = j[r * p + c]!;
    }
  }
  return out;
}

/** A flat float64 vector cut into float32 tensors of the given shapes. Caller owns the result. */
export function tensorsFromFlat(flat: Float64Array, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(Float32Array.from(flat.subarray(offset, offset + size)), [...shape], 'float32');
    offset += size;
    return t;
  });
}

/**
 * `F_i` with `F_iᵀ F_i = H_i` for each sample's `k × k` output Hessian (`[n, k, k]`, row-major):
 * `F_i = diag(√λ) Vᵀ` from the float64 eigendecomposition, negative λ (rounding of a PSD block)
 * clipped to 0. Returned as one row-major `[n, k, k]` float64 array.
 */
function hessianFactors(blocks: ArrayLike<number>, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k * k);
  for (let i = 0; i < n; i++) {
    const block = Float64Array.from({ length: k * k }, (_, e) => blocks[i * k * k + e]!);
    // Symmetrise: H_i is symmetric, its float32 evaluation only nearly so.
    for (let r = 0; r < k; r++) for (let c = 0; c < r; c++) block[r * k + c] = block[c * k + r] = 0.5 * (block[r * k + c]! + block[c * k + r]!);
    const { values, vectors } = eigh({ rows: k, cols: k, data: block });
    for (let a = 0; a < k; a++) {
      const root = Math.sqrt(Math.max(values[a]!, 0));
      for (let c = 0; c < k; c++) out[i * k * k + a * k + c] = root * vectors.data[c * k + a]!;
    }
  }
  return out;
}

/** `(F J)ᵀ` as a row-major `P × m` float64 matrix: per sample, the k rows of J mixed by `F_i`. */
function factoredJacobianTransposed(j: ArrayLike<number>, factors: Float64Array, n: number, k: number, p: number): Float64Array {
  const out = new Float64Array(p * n * k);
  const m = n * k;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const row = i * k + a;
      for (let b = 0; b < k; b++) {
        const f = factors[i * k * k + a * k + b]!;
        if (f === 0) continue;
        const src = (i * k + b) * p;
        for (let c = 0; c < p; c++) out[c * m + row]! += f * j[src + c]!;
      }
    }
  }
  return out;
}

/**
 * The step in parameter space: `G = JᵀHJ` formed densely in float64 from the context's float32
 * Jacobian, then `(μI + G) d = Jᵀg` by Cholesky (lm, ggn) or `d = G† Jᵀg` (gn). G is built as the
 * Gram `(FJ)ᵀ(FJ)` of the Jacobian mixed by per-sample factors `F_iᵀF_i = H_i` (`√h·I` for MSE), on
 * linalg's float64 Gram kernel, so it is positive semidefinite to float64 rounding however small
 * μ gets (forming `Jᵀ(HJ)` with a float32 `HJ` is not, and its Cholesky failed for μ ≈ 1e-7·‖G‖
 * on a cross-entropy network here). Worth it when P is smaller than n·k; `planSolver` checks the
 * memory.
 */
export async function solveInParameterSpace(system: GaussNewtonSystem): Promise<GaussNewtonSolution> {
  const { curvature, outputGradient, hessianScale } = system;
  const jacobian = curvature.jacobian();
  const [m, p] = jacobian.shape;
  const [n, k] = outputGradient.shape;
  const [jData, gData] = await Promise.all([jacobian.data(), outputGradient.data()]);
  const jt = transposeToFloat64(jData, m, p);
  const g = Float64Array.from(gData);
  const b = matVec64({ rows: p, cols: m, data: jt }, g);
  let G: Matrix64;
  if (hessianScale !== null) {
    G = gram64(jt, p, m);
    if (hessianScale !== 1) for (let i = 0; i < G.data.length; i++) G.data[i]! *= hessianScale;
  } else {
    const blocks = outputHessianBlocks(system.loss, curvature.outputs(), system.targets);
    let blockData: ArrayLike<number>;
    try {
      blockData = await blocks.data();
    } finally {
      blocks.dispose();
    }
    G = gram64(factoredJacobianTransposed(jData, hessianFactors(blockData, n, k), n, k, p), p, m);
  }
  const what = system.pseudoInverseCutoff !== null ? 'gn (parameter space)' : 'lm (parameter space)';
  const { x: d, info } = solveSymmetric(G, b, system.damping, system.pseudoInverseCutoff, what);
  return {
    direction: tensorsFromFlat(d, system.shapes),
    slope: dot64(b, d),
    curvature: dot64(d, matVec64(G, d)),
    info,
  };
}
