import * as tf from '@tensorflow/tfjs-core';
import type { Layer } from '../layers/layer.js';
import type { SequentialModel } from '../sequential-model.js';
import type { LayerCaptureRules } from './layer-curvature.js';
import { linearizeModel, type ModelLinearization } from './linearization.js';
import { captureRulesOf } from './rules.js';

/** What one capture recorded for one layer with parameters. */
export interface CapturedLayer {
  readonly layer: Layer;
  /** Position of the layer in `model.layers`. */
  readonly index: number;
  readonly rules: LayerCaptureRules;
  /** The per-row factor (dense: the layer input `a`), `[m, ·]`. */
  readonly factor: tf.Tensor2D;
  /** `g_r = ∂(u_rᵀ f_r)/∂p_r` at the layer's probe point (dense: the pre-activation), `[m, probeWidth]`. */
  readonly probeGradient: tf.Tensor2D;
}

/** Per-layer factors and probe gradients from one forward and one backward pass. Owns its tensors. */
export interface Capture {
  /** The model's outputs on the captured rows, `[m, k]`. */
  readonly outputs: tf.Tensor2D;
  /** Every layer with parameters and capture rules, in model order. */
  readonly layers: readonly CapturedLayer[];
  /** Layers with parameters but no capture rules; they are evaluated, not captured. */
  readonly uncaptured: readonly Layer[];
  /** Frees every tensor of the capture. */
  dispose(): void;
}

/**
 * For a batch `x` `[m, ·]` and output cotangent `u` `[m, k]`: the per-layer factors `a_l` and the
 * per-row output gradients `g_l = ∂(Σ_r u_rᵀ f_r)/∂s_l`, in ONE forward and ONE backward pass.
 *
 * The zero-probe trick: the forward pass adds a zero tensor `z_l` at each layer's probe point
 * (`s_l + z_l`), which leaves the outputs unchanged, and `tf.grads` w.r.t. the `z_l` returns
 * `∂(Σ_r u_rᵀ f_r)/∂s_l` for every layer at once. Row r of `s_l` influences only `f_r`, so row r of
 * the result is sample r's own gradient: no backward pass per sample.
 *
 * When every layer has a `linearize` rule (dense and scale layers do), the same quantities come from
 * `linearizeModel`'s tape-free reverse sweep instead of `tf.grads` (several times faster on small
 * batches, where the tape's bookkeeping dominates); otherwise from `tf.grads`.
 *
 * @example
 *   // per-sample gradients of the summed loss w.r.t. each pre-activation (K-FAC's G statistics)
 *   const capture = captureLayers(model, values, x, loss.outputGradient(f, y));
 *   capture.layers.map((c) => [c.factor.shape, c.probeGradient.shape]);
 *   capture.dispose();
 */
export function captureLayers(model: SequentialModel, values: readonly tf.Tensor[], x: tf.Tensor2D, cotangent: tf.Tensor2D): Capture {
  const linearization = linearizeModel(model, values, x);
  if (linearization) {
    try {
      return linearization.capture(cotangent);
    } finally {
      linearization.dispose();
    }
  }
  return captureLayersByAutodiff(model, values, x, cotangent);
}

/** `captureLayers` by the zero-probe trick on `tf.grads`: works for every layer with capture rules. */
export function captureLayersByAutodiff(model: SequentialModel, values: readonly tf.Tensor[], x: tf.Tensor2D, cotangent: tf.Tensor2D): Capture {
  const perLayer = model.splitByLayer(values);
  const rules = model.layers.map(captureRulesOf);
  const uncaptured = model.layers.filter((layer, i) => layer.params.length > 0 && !rules[i]);
  const rows = x.shape[0];
  const probes = rules.flatMap((r) => (r ? [tf.zeros([rows, r.probeWidth]) as tf.Tensor2D] : []));
  const factors: tf.Tensor2D[] = [];
  let outputs: tf.Tensor2D | undefined;

  // Tensors made inside the function given to tf.grads are disposed when it returns; the factors
  // and outputs are kept (as clones, so that disposing them never frees the caller's `x`).
  const forward = (...zeros: tf.Tensor[]): tf.Tensor => {
    let h: tf.Tensor = x;
    let probe = 0;
    model.layers.forEach((layer, i) => {
      const r = rules[i];
      if (r) {
        const step = r.forward(perLayer[i]!, h, zeros[probe++] as tf.Tensor2D);
        factors.push(tf.keep(tf.clone(step.factor)));
        h = step.output;
      } else {
        h = layer.forward(perLayer[i]!, h);
      }
    });
    outputs = tf.keep(tf.clone(h)) as tf.Tensor2D;
    return h;
  };

  let gradients: tf.Tensor[];
  try {
    if (probes.length > 0) {
      gradients = tf.grads(forward)(probes, cotangent).map((g) => tf.keep(g));
    } else {
      tf.tidy(() => {
        forward();
      });
      gradients = [];
    }
  } catch (error) {
    tf.dispose([...factors, ...(outputs ? [outputs] : [])]);
    throw error;
  } finally {
    tf.dispose(probes);
  }

  const layers: CapturedLayer[] = [];
  let next = 0;
  model.layers.forEach((layer, index) => {
    const r = rules[index];
    if (!r) return;
    layers.push({ layer, index, rules: r, factor: factors[next]!, probeGradient: gradients[next] as tf.Tensor2D });
    next++;
  });
  const captured = outputs!;
  return {
    outputs: captured,
    layers,
    uncaptured,
    dispose: () => tf.dispose([captured, ...factors, ...gradients]),
  };
}

/** How the k per-output cotangents `u = e_c` of a Jacobian capture are run. */
export type CaptureStrategy = 'replicate' | 'per-output';

/** Factors and probe gradients of the per-sample Jacobian: rows `r = i·k + c` (sample i, output c). */
export interface JacobianCapture {
  /** Samples n. */
  readonly samples: number;
  /** Outputs per sample k: rows `i·k … i·k + k - 1` belong to sample i and share its factor. */
  readonly outputSize: number;
  /** Every layer with parameters and capture rules; factors and probe gradients have `n·k` rows. */
  readonly layers: readonly CapturedLayer[];
  readonly uncaptured: readonly Layer[];
  dispose(): void;
}

/**
 * The captures of all k outputs: with cotangent `e_c` for row `(i, c)`, `g_l[i·k + c]` is
 * `∂f_ic/∂s_l[i]`, from which the dense Jacobian rows `i·k + c` follow (`jacobianFromCapture`).
 * `replicate` (default; faster where measured, see README "Timings") repeats every sample k times
 * and captures once with the block cotangent `I_k` per sample; `per-output` runs k captures of
 * the batch with `u = e_c` and interleaves them.
 *
 * `linearization`, the model already linearised at `(values, x)` (a curvature context's), is reused
 * where it applies: with k = 1 the capture is one reverse sweep from it (both strategies are that
 * one capture), `replicate` is one reverse sweep over the n·k rows from it (no repeated forward
 * pass; only the factors are repeated), and `per-output` runs its k sweeps from it.
 */
export function captureJacobian(
  model: SequentialModel,
  values: readonly tf.Tensor[],
  x: tf.Tensor2D,
  outputSize: number,
  strategy: CaptureStrategy = 'replicate',
  linearization?: ModelLinearization,
): JacobianCapture {
  const n = x.shape[0];
  const k = outputSize;
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`captureJacobian: outputSize must be a positive integer, got ${k}`);
  if (strategy !== 'replicate' && strategy !== 'per-output') {
    throw new RangeError(`captureJacobian: unknown strategy '${String(strategy)}'; valid strategies: replicate, per-output`);
  }
  const captureAt = (u: tf.Tensor2D): Capture => (linearization ? linearization.capture(u) : captureLayers(model, values, x, u));
  if (k === 1 && linearization) {
    const ones = tf.ones([n, 1]) as tf.Tensor2D;
    try {
      const single = captureAt(ones);
      single.outputs.dispose();
      return { samples: n, outputSize: k, layers: single.layers, uncaptured: single.uncaptured, dispose: single.dispose };
    } finally {
      ones.dispose();
    }
  }
  if (strategy === 'replicate' && linearization) {
    // One reverse sweep over n·k rows from the shared forward pass; only the factors are repeated.
    const cotangent = tf.tidy(() => tf.tile(tf.eye(k), [n, 1]) as tf.Tensor2D);
    let capture: Capture;
    try {
      capture = linearization.capture(cotangent, k);
    } finally {
      cotangent.dispose();
    }
    capture.outputs.dispose();
    const layers = capture.layers.map((entry): CapturedLayer => ({ ...entry, factor: tf.keep(repeatRows(entry.factor, k)), probeGradient: entry.probeGradient }));
    capture.layers.forEach((entry) => entry.factor.dispose());
    return owningJacobianCapture(n, k, layers, capture.uncaptured);
  }
  if (strategy === 'replicate') {
    const { rows, cotangent } = tf.tidy(() => ({
      rows: repeatRows(x, k),
      cotangent: tf.tile(tf.eye(k), [n, 1]) as tf.Tensor2D,
    }));
    try {
      const capture = captureLayers(model, values, rows, cotangent);
      capture.outputs.dispose();
      return { samples: n, outputSize: k, layers: capture.layers, uncaptured: capture.uncaptured, dispose: capture.dispose };
    } finally {
      tf.dispose([rows, cotangent]);
    }
  }
  const captures: Capture[] = [];
  try {
    for (let c = 0; c < k; c++) {
      const u = tf.tidy(() => tf.tile(tf.slice(tf.eye(k), [c, 0], [1, k]), [n, 1]) as tf.Tensor2D);
      try {
        captures.push(captureAt(u));
      } finally {
        u.dispose();
      }
    }
    const first = captures[0]!;
    const layers = first.layers.map((entry, l): CapturedLayer => {
      const [factor, probeGradient] = tf.tidy(() => {
        const width = entry.probeGradient.shape[1];
        // [n, k, width] → rows i·k + c, the layout of the replicated capture.
        const stacked = tf.stack(captures.map((cap) => cap.layers[l]!.probeGradient), 1);
        return [repeatRows(entry.factor, k), tf.reshape(stacked, [n * k, width]) as tf.Tensor2D];
      });
      return { ...entry, factor: tf.keep(factor), probeGradient: tf.keep(probeGradient) };
    });
    return owningJacobianCapture(n, k, layers, first.uncaptured);
  } finally {
    captures.forEach((cap) => cap.dispose());
  }
}

/** A Jacobian capture that owns its layers' factors and probe gradients (and frees them in `dispose`). */
function owningJacobianCapture(samples: number, outputSize: number, layers: readonly CapturedLayer[], uncaptured: readonly Layer[]): JacobianCapture {
  return { samples, outputSize, layers, uncaptured, dispose: () => tf.dispose(layers.flatMap((entry) => [entry.factor, entry.probeGradient])) };
}

/**
 * `x` with every row repeated `times` times in place: row `i·times + c` is `x[i]`. A gather of
 * rows, which every backend copies slice by slice (wasm's Tile goes element by element: 70 ms for
 * `[200, 784]` repeated 10 times).
 */
export function repeatRows(x: tf.Tensor2D, times: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (times === 1) return tf.clone(x);
    const n = x.shape[0];
    const rows = new Int32Array(n * times);
    for (let r = 0; r < rows.length; r++) rows[r] = Math.floor(r / times);
    return tf.gather(x, tf.tensor1d(rows, 'int32'));
  });
}
