import * as tf from '@tensorflow/tfjs-core';
import type { LayerCurvature } from '../curvature/layer-curvature.js';
import { layerJvp } from '../curvature/rules.js';
import { checkName } from '../names.js';
import type { Layer, ParameterSpec } from './layer.js';

export interface ResidualLayerOptions {
  /** Layer name, e.g. `block_0_attention`: the `<layer>` of every parameter of the branch. */
  readonly name: string;
  /** The branch, applied in order; it must map its input to the input's shape. */
  readonly layers: readonly Layer[];
}

export interface ResidualLayer extends Layer {
  readonly kind: 'residual';
  /** The branch layers, in order. */
  readonly layers: readonly Layer[];
}

/**
 * A residual connection around a branch of layers (He et al., 2016): `y = x + F(x)` with
 * `F = layers[m−1] ∘ … ∘ layers[0]`. The parameters are the branch's, in branch order, named
 * `<sublayer>.<param>` within this layer, so the model's names are `<name>/<sublayer>.<param>`
 * (a pre-norm attention block `block_0_attention` holds `block_0_attention/norm.gamma`, …,
 * `block_0_attention/attention.query`, …). Sub-layer names follow the layer-name rules and are
 * unique within the branch.
 *
 * Forward mode composes the branch layers' own forward modes (their rules, or the double-VJP
 * fallback for a layer without one): `dy = dx + dF`.
 *
 * @example
 *   // a pre-norm transformer sub-block: x + Attention(LayerNorm(x))
 *   residualLayer({ name: 'block_0_attention', layers: [layerNorm({ name: 'norm', dim: 128, sequenceLength: 3 }), attention] });
 */
export function residualLayer(options: ResidualLayerOptions): ResidualLayer {
  const { name, layers } = options;
  checkName('residual layer name', name);
  if (layers.length === 0) throw new RangeError(`residual layer '${name}' needs at least one layer in its branch, got none`);
  const seen = new Set<string>();
  for (const layer of layers) {
    checkName(`sub-layer name in residual layer '${name}'`, layer.name);
    if (seen.has(layer.name)) throw new RangeError(`residual layer '${name}': sub-layer name '${layer.name}' is used twice; names must be unique within the branch`);
    seen.add(layer.name);
  }
  const params: ParameterSpec[] = layers.flatMap((layer) => layer.params.map((spec) => ({ ...spec, name: `${layer.name}.${spec.name}` })));
  const counts = layers.map((layer) => layer.params.length);

  const split = <T>(values: readonly T[], what: string): T[][] => {
    if (values.length !== params.length) {
      throw new RangeError(`residual layer '${name}' takes ${params.length} ${what} (${params.map((p) => p.name).join(', ')}), got ${values.length}`);
    }
    let offset = 0;
    return counts.map((count) => values.slice(offset, (offset += count)));
  };
  const checkShape = (input: tf.Tensor, branch: tf.Tensor): void => {
    if (!tf.util.arraysEqual(input.shape, branch.shape)) {
      throw new RangeError(`residual layer '${name}': its branch maps [${input.shape.join(', ')}] to [${branch.shape.join(', ')}]; a residual branch must keep the shape`);
    }
  };

  const curvature: LayerCurvature = {
    jvp(values, tangents, input, inputTangent) {
      const [output, tangent] = tf.tidy(() => {
        const perLayer = split(values, 'parameter tensors');
        const perLayerTangents = split(tangents, 'tangents');
        let h: tf.Tensor = input;
        let dh: tf.Tensor | null = inputTangent;
        layers.forEach((layer, i) => {
          const step = layerJvp(layer, perLayer[i]!, perLayerTangents[i]!, h, dh);
          h = step.output;
          dh = step.tangent;
        });
        checkShape(input, h);
        const y = tf.add(input, h);
        // dh is null only when nothing moves: no input tangent and a branch without parameters.
        if (!dh) return [y];
        return [y, inputTangent ? tf.add(inputTangent, dh) : dh];
      });
      return { output: output!, tangent: tangent ?? null };
    },
  };

  return {
    name,
    kind: 'residual',
    layers,
    params,
    forward: (values, input) =>
      tf.tidy(() => {
        const perLayer = split(values, 'parameter tensors');
        let h: tf.Tensor = input;
        layers.forEach((layer, i) => {
          h = layer.forward(perLayer[i]!, h);
        });
        checkShape(input, h);
        return tf.add(input, h);
      }),
    curvature,
  };
}
