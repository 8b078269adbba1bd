import type * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../activation.js';
import type { Initializer } from '../initializer.js';
import type { LayerCurvature } from '../curvature/layer-curvature.js';

/** One parameter of a layer. The model names it `<layer>/<name>` and draws it with `init`. */
export interface ParameterSpec {
  /** Local name within the layer (`kernel`, `bias`); no `/`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Called once, when a model is built, to draw the initial values. */
  readonly init: Initializer;
}

/**
 * A layer: parameter specs and a pure forward map. The layer owns no tensors; a model holds the
 * variables and passes them in, in the order of `params`, so the same layer evaluates the live
 * weights (`Model.apply`), trial weights (`Model.applyWith`) or tangents without copies.
 * New layer types (attention, layer norm, embedding, third-party layers) implement this interface.
 */
export interface Layer {
  /** Unique within a model: the `<layer>` of every `<layer>/<param>` name. */
  readonly name: string;
  /** The layer type (`dense`, `scale`, ...), recorded and used to pick per-layer curvature rules. */
  readonly kind: string;
  /** Parameters in their fixed order; empty for parameter-free layers. */
  readonly params: readonly ParameterSpec[];
  /**
   * The layer's output for `input`, with `params` in the order of `this.params`. Called on every
   * forward pass; uses functional tfjs ops only, frees its intermediates, leaves its arguments alone.
   */
  forward(params: readonly tf.Tensor[], input: tf.Tensor): tf.Tensor;
  /**
   * Per-sample curvature rules (forward-mode `J·v`, Jacobian capture); read by the curvature
   * engine. Optional: `AffineLayer`s get theirs from their structure, and layers without rules use
   * matrix-free fallbacks (see `LayerCurvature`).
   */
  readonly curvature?: LayerCurvature;
}

/**
 * A layer whose parameters enter only through an affine map `s = a W (+ b)` that is followed by a
 * pointwise activation `y = φ(s)`. Kronecker-factored curvature (K-FAC, Shampoo) and the per-layer
 * statistics of core's `LayerStatistics` are built from the per-sample inputs `a` and the
 * gradients with respect to `s`, which is why `s` is exposed on its own.
 */
export interface AffineLayer extends Layer {
  readonly inputSize: number;
  readonly outputSize: number;
  /** Whether `params` holds a bias after the kernel (the `[a, 1]` column of K-FAC's `A` factor). */
  readonly hasBias: boolean;
  readonly activation: Activation;
  /** `s = a W (+ b)`, `[n, out]`; called by curvature code that needs the pre-activations. */
  preActivation(params: readonly tf.Tensor[], input: tf.Tensor2D): tf.Tensor2D;
}

/** Whether `layer` exposes the affine structure of `AffineLayer`. */
export function isAffineLayer(layer: Layer): layer is AffineLayer {
  const l = layer as Partial<AffineLayer>;
  return typeof l.preActivation === 'function' && typeof l.activation === 'object' && l.activation !== null;
}
