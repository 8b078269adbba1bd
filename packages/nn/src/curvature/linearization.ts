import * as tf from '@tensorflow/tfjs-core';
import type { SequentialModel } from '../sequential-model.js';
import type { Capture, CapturedLayer } from './capture.js';
import type { LayerLinearization } from './layer-curvature.js';
import { captureRulesOf, curvatureOf } from './rules.js';

/**
 * A model linearised at `(θ, x)`: one forward pass whose per-layer intermediates are kept, then any
 * number of `J·v`, `Jᵀ·u` and captures at that point, each a handful of products with no autodiff
 * tape. Owns its tensors (`outputs` included), which survive any enclosing `tf.tidy`, until `dispose`.
 */
export interface ModelLinearization {
  /** `f(x)` `[n, k]`, equal to `model.forward(values, x)`. Owned by the linearisation. */
  readonly outputs: tf.Tensor2D;
  /** `J·v` `[n, k]` for parameter-shaped tangents (forward mode through the kept intermediates). The caller owns it. */
  jvp(tangents: readonly tf.Tensor[]): tf.Tensor2D;
  /** `Jᵀ·u`, parameter-shaped, for an output cotangent `u` `[n, k]` (one reverse sweep, no tape). The caller owns them. */
  vjp(cotangent: tf.Tensor2D): tf.Tensor[];
  /**
   * The zero-probe capture for cotangent `u`: each captured layer's factor and probe gradient
   * `∂(Σ_r u_rᵀ f_r)/∂p_l`, from one reverse sweep that skips the parameter cotangents. Equal to
   * `captureLayers(model, values, x, u)`; the caller owns (and disposes) the capture.
   *
   * With `rowsPerSample` r > 1, `u` is `[n·r, k]` (row `i·r + c` is sample i's c-th cotangent) and
   * the probe gradients are `[n·r, ·]`, equal to a capture of x with every row repeated r times,
   * while factors and outputs stay `[n, ·]`: the forward pass is not repeated (the capture of every
   * output at once, `u_i = I_k`, is a reverse sweep over n·k rows after a forward pass over n).
   */
  capture(cotangent: tf.Tensor2D, rowsPerSample?: number): Capture;
  dispose(): void;
}

/**
 * `model` linearised at `values` and `x`, or `null` when some layer has no `linearize` rule (the
 * transformer's layers, embeddings): callers then use the autodiff routes.
 *
 * @example
 *   const lin = linearizeModel(model, values, x);
 *   if (lin) {
 *     const jv = lin.jvp(v);     // forward mode, no second forward pass
 *     const jtu = lin.vjp(u);    // reverse mode, no tape
 *     tf.dispose([jv, ...jtu]);
 *     lin.dispose();
 *   }
 */
export function linearizeModel(model: SequentialModel, values: readonly tf.Tensor[], x: tf.Tensor2D): ModelLinearization | null {
  const rules = model.layers.map(curvatureOf);
  if (!rules.every((r) => r?.linearize)) return null;
  const perLayer = model.splitByLayer(values);
  const layers: LayerLinearization[] = [];
  try {
    let h: tf.Tensor = x;
    model.layers.forEach((_layer, i) => {
      const lin = rules[i]!.linearize!(perLayer[i]!, h);
      layers.push(lin);
      h = lin.output;
    });
  } catch (error) {
    layers.forEach((l) => l.dispose());
    throw error;
  }
  const last = layers[layers.length - 1]!.output;
  if (last.rank !== 2) {
    layers.forEach((l) => l.dispose());
    throw new RangeError(`model outputs must be shaped [n, outputs], the last layer '${model.layers[model.layers.length - 1]!.name}' gave [${last.shape.join(', ')}]`);
  }
  const outputs = last as tf.Tensor2D;
  // The reverse sweep needs input cotangents only down to the first layer with parameters.
  const firstWithParameters = model.layers.findIndex((layer) => layer.params.length > 0);
  const captureRules = model.layers.map(captureRulesOf);
  let disposed = false;
  const checkAlive = () => {
    if (disposed) throw new Error('this model linearisation has been disposed');
  };

  /** The reverse sweep from `cotangent`: per layer, what `visit` keeps of its cotangents. */
  const reverse = (
    cotangent: tf.Tensor2D,
    parameters: boolean,
    visit: (index: number, probe: tf.Tensor2D | null, cotangents: tf.Tensor[]) => void,
    rowsPerSample = 1,
  ): void => {
    if (firstWithParameters < 0) return;
    let c: tf.Tensor = cotangent;
    for (let i = layers.length - 1; i >= firstWithParameters; i--) {
      const hasParameters = model.layers[i]!.params.length > 0;
      const step = layers[i]!.vjp(c, { parameters: parameters && hasParameters, input: i > firstWithParameters, rowsPerSample });
      visit(i, step.probe, step.parameters);
      if (c !== cotangent) c.dispose();
      if (i > firstWithParameters) c = step.input!;
    }
  };

  return {
    outputs,
    jvp(tangents) {
      checkAlive();
      const perLayerTangents = model.splitByLayer(tangents);
      return tf.tidy(() => {
        let dh: tf.Tensor | null = null;
        layers.forEach((lin, i) => {
          dh = lin.jvp(perLayerTangents[i]!, dh);
        });
        // A model without parameters has J = 0.
        return (dh ?? tf.zerosLike(outputs)) as tf.Tensor2D;
      });
    },
    vjp(cotangent) {
      checkAlive();
      if (firstWithParameters < 0) return [];
      return tf.tidy(() => {
        const perLayer: tf.Tensor[][] = model.layers.map(() => []);
        reverse(cotangent, true, (i, probe, cotangents) => {
          probe?.dispose();
          perLayer[i] = cotangents;
        });
        return perLayer.flat();
      });
    },
    capture(cotangent, rowsPerSample = 1) {
      checkAlive();
      const n = x.shape[0];
      if (!Number.isInteger(rowsPerSample) || rowsPerSample < 1) throw new RangeError(`capture: rowsPerSample must be a positive integer, got ${rowsPerSample}`);
      if (cotangent.rank !== 2 || cotangent.shape[0] !== n * rowsPerSample || cotangent.shape[1] !== outputs.shape[1]) {
        throw new RangeError(
          `capture: the cotangent must be [${n * rowsPerSample}, ${outputs.shape[1]}] (${rowsPerSample} row(s) per sample of [${n}, ${outputs.shape[1]}] outputs), got [${cotangent.shape.join(', ')}]`,
        );
      }
      const captured: CapturedLayer[] = [];
      const kept: tf.Tensor[] = [];
      try {
        tf.tidy(() => {
          reverse(cotangent, false, (index, probe, cotangents) => {
            tf.dispose(cotangents);
            const layer = model.layers[index]!;
            const rules = captureRules[index];
            if (!rules) {
              probe?.dispose();
              return;
            }
            const factor = layers[index]!.factor;
            if (!probe || !factor) {
              throw new Error(`layer '${layer.name}': its linearisation gives no ${probe ? 'factor' : 'probe cotangent'}, which its capture rules need`);
            }
            const entry = { layer, index, rules, factor: tf.keep(tf.clone(factor)), probeGradient: tf.keep(probe) };
            kept.push(entry.factor, entry.probeGradient);
            captured.unshift(entry);
          }, rowsPerSample);
        });
      } catch (error) {
        tf.dispose(kept);
        throw error;
      }
      const capturedOutputs = tf.keep(tf.clone(outputs));
      return {
        outputs: capturedOutputs,
        layers: captured,
        uncaptured: model.layers.filter((layer, i) => layer.params.length > 0 && !captureRules[i]),
        dispose: () => tf.dispose([capturedOutputs, ...kept]),
      };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      layers.forEach((l) => l.dispose());
    },
  };
}
