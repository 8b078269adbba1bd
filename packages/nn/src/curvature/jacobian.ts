import * as tf from '@tensorflow/tfjs-core';
import type { SequentialModel } from '../sequential-model.js';
import type { JacobianCapture } from './capture.js';
import { addGram64, mirrorUpperTriangle } from './gram64.js';
import type { HostMatrix } from './layer-curvature.js';
import { layerJvp, noCaptureRulesError } from './rules.js';

/**
 * The dense per-sample Jacobian `J` `[n·k, P]` from a Jacobian capture: row `i·k + c` is
 * `∂f_ic/∂θ`, columns every parameter in model order, each flattened row-major (kernel `[in, out]`
 * → column `p·out + q`). Each layer contributes its blocks (dense: `a ⊗ g`, then `g` for the
 * bias), built per row from the captured factors: no backward pass per sample.
 */
export function jacobianFromCapture(capture: JacobianCapture): tf.Tensor2D {
  const missing = capture.uncaptured[0];
  if (missing) throw noCaptureRulesError(missing, 'a dense Jacobian');
  const rows = capture.samples * capture.outputSize;
  if (capture.layers.length === 0) return tf.zeros([rows, 0]);
  return tf.tidy(() => {
    const blocks = capture.layers.flatMap(({ layer, rules, factor, probeGradient }) => {
      const made = rules.jacobianBlocks(factor, probeGradient);
      if (made.length !== layer.params.length) {
        throw new Error(`layer '${layer.name}': jacobianBlocks returned ${made.length} blocks, one per parameter (${layer.params.map((p) => p.name).join(', ')}) expected`);
      }
      made.forEach((block, i) => {
        const spec = layer.params[i]!;
        const size = spec.shape.reduce((a, b) => a * b, 1);
        if (block.rank !== 2 || block.shape[0] !== rows || block.shape[1] !== size) {
          throw new Error(`layer '${layer.name}': the Jacobian block of '${spec.name}' is [${block.shape.join(', ')}], expected [${rows}, ${size}]`);
        }
      });
      return made;
    });
    return tf.concat(blocks, 1);
  });
}

async function readHost(t: tf.Tensor2D): Promise<HostMatrix> {
  const values = (await t.data()) as Float32Array | Int32Array;
  return { values, rows: t.shape[0], cols: t.shape[1] };
}

/**
 * The NTK Gram `J Jᵀ` `[n·k, n·k]` (row-major, rows `i·k + c`) accumulated in float64 on the CPU
 * from the float32 factors and probe gradients read back, layer by layer:
 * `J Jᵀ = Σ_l J_l J_lᵀ`, with each layer's structured rule (dense: `(A Aᵀ + 1) ∘ G Gᵀ`, see
 * `addAffineGram64`) or, for rules without one, the Gram of its dense blocks.
 */
export async function gram64FromCapture(capture: JacobianCapture): Promise<Float64Array> {
  const missing = capture.uncaptured[0];
  if (missing) throw noCaptureRulesError(missing, 'the float64 Gram J Jᵀ');
  const m = capture.samples * capture.outputSize;
  const gram = new Float64Array(m * m);
  for (const { rules, factor, probeGradient } of capture.layers) {
    if (rules.addGram64) {
      rules.addGram64(gram, await readHost(factor), await readHost(probeGradient), capture.outputSize);
    } else {
      const blocks = rules.jacobianBlocks(factor, probeGradient);
      try {
        for (const block of blocks) addGram64(gram, await block.data(), m, block.shape[1]);
      } finally {
        tf.dispose(blocks);
      }
    }
  }
  mirrorUpperTriangle(gram, m);
  return gram;
}

/**
 * `J·v` `[n, k]` for parameter-shaped tangents `v`, by forward mode through the layers (each
 * layer's `jvp` rule, or the double-VJP fallback for layers without one); dense layers apply
 * `ds = da W + a dW + db`, `da' = φ'(s) ⊙ ds`. Exact, one forward sweep.
 */
export function jacobianVectorProduct(model: SequentialModel, values: readonly tf.Tensor[], x: tf.Tensor2D, tangents: readonly tf.Tensor[]): tf.Tensor2D {
  const perLayer = model.splitByLayer(values);
  const perLayerTangents = model.splitByLayer(tangents);
  return tf.tidy(() => {
    let h: tf.Tensor = x;
    let dh: tf.Tensor | null = null;
    for (const [i, layer] of model.layers.entries()) {
      const step = layerJvp(layer, perLayer[i]!, perLayerTangents[i]!, h, dh);
      h = step.output;
      dh = step.tangent;
    }
    // A model without parameters has J = 0.
    return (dh ?? tf.zerosLike(h)) as tf.Tensor2D;
  });
}

/** `Jᵀ·u` (parameter-shaped) for an output cotangent `u` `[n, k]`: one reverse pass of `Σ u ⊙ f`. */
export function vectorJacobianProduct(model: SequentialModel, values: readonly tf.Tensor[], x: tf.Tensor2D, cotangent: tf.Tensor2D): tf.Tensor[] {
  if (values.length === 0) return [];
  return tf.grads((...vals: tf.Tensor[]) => model.forward(vals, x))([...values], cotangent);
}
