import * as tf from '@tensorflow/tfjs-core';
import { activation as builtInActivation, valueAndDerivative } from '../activation.js';
import type { AffineLayer } from '../layers/layer.js';
import { addAffineGram64 } from './gram64.js';
import type { CotangentRequest, LayerCotangents, LayerCurvature, LayerLinearization } from './layer-curvature.js';

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
 * - Gram: `(A Aᵀ + [bias]) ∘ G Gᵀ` blockwise (see `addAffineGram64`);
 * - linearisation: `a`, `φ'(s)` kept, so `J·v` is `φ'(s) ⊙ (da W + a dW + db)` and `Jᵀ·c` is
 *   `g = c ⊙ φ'(s)`, `dW = aᵀ g`, `db = Σ_rows g`, `da = g Wᵀ` (see `linearizeAffine`).
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
        const [output, slope] = valueAndDerivative(activation, s);
        return { output, tangent: tf.mul(slope, ds) };
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
    linearize: (params, input) => linearizeAffine(layer, params, input as tf.Tensor2D),
  };
}

const IDENTITY = builtInActivation('identity');

/**
 * An affine layer linearised at `(params, a)`. The products are written out instead of taken from
 * the autodiff tape, and the transposes they need (`aᵀ`, `Wᵀ`) are made once, on first use, and
 * kept: tfjs-backend-wasm 4.22 runs `matMul` with `transposeA`/`transposeB` on a slow path (nn
 * README, "Timings"), and a CG loop asks for the same transposes 30 times per step.
 */
function linearizeAffine(layer: AffineLayer, params: readonly tf.Tensor[], a: tf.Tensor2D): LayerLinearization {
  const { activation, hasBias } = layer;
  const linear = activation === IDENTITY;
  const [kernel] = params as [tf.Tensor2D];
  const [output, slope = null] = tf.tidy(() => {
    const s = layer.preActivation(params, a);
    // φ'(s), the Jacobian of the activation (diagonal); none for the identity.
    return linear ? [activation.apply(s)] : valueAndDerivative(activation, s);
  }) as [tf.Tensor, tf.Tensor?];
  // What the linearisation holds must outlive a caller's tf.tidy (a context made inside one).
  tf.keep(output);
  if (slope) tf.keep(slope);
  // The linearisation's own handle on `a` (a clone shares the data): it outlives the caller's input.
  const factor = tf.keep(tf.clone(a));
  let inputTransposed: tf.Tensor2D | null = null;
  let kernelTransposed: tf.Tensor2D | null = null;
  return {
    output,
    factor,
    jvp(tangents, inputTangent) {
      return tf.tidy(() => {
        const [kernelTangent, biasTangent] = tangents as [tf.Tensor2D, tf.Tensor1D | undefined];
        let ds: tf.Tensor = tf.matMul(factor, kernelTangent);
        if (inputTangent) ds = tf.add(ds, tf.matMul(inputTangent as tf.Tensor2D, kernel));
        if (biasTangent) ds = tf.add(ds, biasTangent);
        return slope ? tf.mul(slope, ds) : ds;
      });
    },
    vjp(cotangent: tf.Tensor, request: CotangentRequest): LayerCotangents {
      if (request.parameters && !inputTransposed) inputTransposed = tf.keep(tf.transpose(factor));
      if (request.input && !kernelTransposed) kernelTransposed = tf.keep(tf.transpose(kernel));
      const aT = inputTransposed;
      const kT = kernelTransposed;
      const r = request.rowsPerSample ?? 1;
      if (r !== 1 && request.parameters) throw new RangeError(`layer '${layer.name}': parameter cotangents need one cotangent row per input row, got rowsPerSample ${r}`);
      const [probe, input, parameters] = tf.tidy(() => {
        // g = ∂⟨c, y⟩/∂s, the probe point's cotangent; a new tensor even for the identity. With r
        // cotangent rows per input row, φ'(s) is broadcast over each row's r cotangents.
        const g = (
          !slope
            ? tf.clone(cotangent)
            : r === 1
              ? tf.mul(cotangent, slope)
              : tf.reshape(tf.mul(tf.reshape(cotangent, [slope.shape[0]!, r, slope.shape[1]!]), tf.expandDims(slope, 1)), [cotangent.shape[0]!, slope.shape[1]!])
        ) as tf.Tensor2D;
        const parameterCotangents: tf.Tensor[] = [];
        if (request.parameters) {
          parameterCotangents.push(tf.matMul(aT!, g));
          if (hasBias) parameterCotangents.push(tf.sum(g, 0));
        }
        return [g, request.input ? [tf.matMul(g, kT!)] : [], parameterCotangents];
      }) as [tf.Tensor2D, tf.Tensor[], tf.Tensor[]];
      return { probe, parameters, input: input[0] ?? null };
    },
    dispose() {
      tf.dispose([output, factor, ...(slope ? [slope] : []), ...(inputTransposed ? [inputTransposed] : []), ...(kernelTransposed ? [kernelTransposed] : [])]);
    },
  };
}
