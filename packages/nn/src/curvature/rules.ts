import * as tf from '@tensorflow/tfjs-core';
import { isAffineLayer, type Layer } from '../layers/layer.js';
import { affineCurvature } from './affine-rules.js';
import type { LayerCaptureRules, LayerCurvature, TangentOutput } from './layer-curvature.js';

const derived = new WeakMap<Layer, LayerCurvature>();

/**
 * The curvature rules of `layer`: its own `curvature` when it carries one, else the rules every
 * `AffineLayer` gets from its structure, else `undefined` (matrix-free fallbacks only).
 */
export function curvatureOf(layer: Layer): LayerCurvature | undefined {
  if (layer.curvature) return layer.curvature;
  if (!isAffineLayer(layer)) return undefined;
  let rules = derived.get(layer);
  if (!rules) {
    rules = affineCurvature(layer);
    derived.set(layer, rules);
  }
  return rules;
}

/** The capture rules of a layer with parameters, or `undefined` when it has none (or no parameters). */
export function captureRulesOf(layer: Layer): LayerCaptureRules | undefined {
  return layer.params.length > 0 ? curvatureOf(layer)?.capture : undefined;
}

/** The error for a layer with parameters whose per-sample Jacobian cannot be captured. */
export function noCaptureRulesError(layer: Layer, what: string): Error {
  return new Error(
    `layer '${layer.name}' (kind '${layer.kind}') has parameters but no capture rules (layer.curvature.capture), so ${what} cannot be formed; ` +
      'give the layer LayerCurvature rules (see @precond/nn README, "Layer curvature contract") or use a matrix-free solver built on jvp/vjp, which work for every layer',
  );
}

/**
 * Forward mode through a layer without rules, by the double-VJP trick: the VJP
 * `w ↦ ∂(wᵀ y)/∂(θ, x)` is linear in `w`, so for any `w` (zeros here)
 *   `J·(dθ, dx) = ∂/∂w [ ⟨∂(wᵀ y)/∂θ, dθ⟩ + ⟨∂(wᵀ y)/∂x, dx⟩ ]`,
 * two reverse passes through the layer's own forward map. Exact; needs the gradients of the
 * layer's ops to be differentiable themselves (true of tfjs's built-in gradients).
 */
export function jvpByDoubleVjp(layer: Layer, params: readonly tf.Tensor[], tangents: readonly tf.Tensor[], input: tf.Tensor, inputTangent: tf.Tensor | null): TangentOutput {
  const primals = inputTangent ? [...params, input] : [...params];
  const directions = inputTangent ? [...tangents, inputTangent] : [...tangents];
  const output = layer.forward(params, input);
  if (primals.length === 0) return { output, tangent: null };
  const forward = (...xs: tf.Tensor[]) => layer.forward(xs.slice(0, params.length), inputTangent ? xs[params.length]! : input);
  const tangent = tf.tidy(() =>
    tf.grad((w: tf.Tensor) => {
      const vjps = tf.grads(forward)(primals, w);
      return tf.addN(vjps.map((g, i) => tf.sum(tf.mul(g, directions[i]!))));
    })(tf.zerosLike(output)),
  );
  return { output, tangent };
}

/** Forward mode through `layer`: its own rule, or the double-VJP fallback. */
export function layerJvp(layer: Layer, params: readonly tf.Tensor[], tangents: readonly tf.Tensor[], input: tf.Tensor, inputTangent: tf.Tensor | null): TangentOutput {
  const rules = curvatureOf(layer);
  return rules ? rules.jvp(params, tangents, input, inputTangent) : jvpByDoubleVjp(layer, params, tangents, input, inputTangent);
}
