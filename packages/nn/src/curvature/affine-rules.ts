import * as tf from '@tensorflow/tfjs-core';
import type { AffineLayer } from '../layers/layer.js';
import { addAffineGram64 } from './gram64.js';
import type { LayerCurvature } from './layer-curvature.js';

/**
 * Per-row outer products `[a_r ⊗ g_r]` flattened row-major, `[m, in·out]` (column `p·out + q` is
 * `a_rp · g_rq`, the kernel `[in, out]` flattened). Op choice measured with tfjs 4.22 on 2 cores
 * (README, "Timings"): the cpu backend's broadcasting `mul` is 5-10× slower than a batched
 * `matMul` of `[m, in, 1] × [m, 1, out]`, while on wasm the broadcasting `mul` is 2.5-3× faster.
 */
export function rowOuterProducts(a: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [m, p] = a.shape;
    const q = g.shape[1];
    const column = tf.reshape(a, [m, p, 1]);
    const row = tf.reshape(g, [m, 1, q]);
    const outer = tf.getBackend() === 'cpu' ? tf.matMul(column, row) : tf.mul(column, row);
    return tf.reshape(outer, [m, p * q]);
  });
}

/**
 * The curvature rules every `AffineLayer` (`y = φ(s)`, `s = a W + b`, kernel `[in, out]`) gets
 * without writing any: probe at `s`, factor `a`;
 * - Jacobian blocks: `∂(uᵀf)/∂W = a ⊗ g` and `∂(uᵀf)/∂b = g` per row, with `g = ∂(uᵀf)/∂s`;
 * - forward mode: `ds = da W + a dW + db`, `dy = φ'(s) ⊙ ds`;
 * - Gram: `(A Aᵀ + [bias]) ∘ G Gᵀ` blockwise (see `addAffineGram64`).
 */
export function affineCurvature(layer: AffineLayer): LayerCurvature {
  const { activation, hasBias } = layer;
  return {
    jvp(params, tangents, input, inputTangent) {
      return tf.tidy(() => {
        const s = layer.preActivation(params, input as tf.Tensor2D);
        const [kernel] = params as [tf.Tensor2D];
        const [kernelTangent, biasTangent] = tangents as [tf.Tensor2D, tf.Tensor1D | undefined];
        let ds: tf.Tensor = tf.matMul(input as tf.Tensor2D, kernelTangent);
        if (inputTangent) ds = tf.add(ds, tf.matMul(inputTangent as tf.Tensor2D, kernel));
        if (biasTangent) ds = tf.add(ds, biasTangent);
        return { output: activation.apply(s), tangent: tf.mul(activation.derivative(s), ds) };
      });
    },
    capture: {
      probeWidth: layer.outputSize,
      forward(params, input, probe) {
        const s = tf.add(layer.preActivation(params, input as tf.Tensor2D), probe);
        return { output: activation.apply(s), factor: input as tf.Tensor2D };
      },
      jacobianBlocks(factor, probeGradient) {
        const kernel = rowOuterProducts(factor, probeGradient);
        return hasBias ? [kernel, tf.clone(probeGradient)] : [kernel];
      },
      addGram64(gram, factor, probeGradient, rowsPerSample) {
        addAffineGram64(gram, factor, probeGradient, rowsPerSample, hasBias);
      },
    },
  };
}
