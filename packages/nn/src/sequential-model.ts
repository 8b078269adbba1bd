import * as tf from '@tensorflow/tfjs-core';
import type { Model, NamedParameter, Rng } from '@precond/core';
import type { Layer } from './layers/layer.js';
import { checkName } from './names.js';

/**
 * A model that feeds its input through `layers` in order. Its `params` are every layer's
 * parameters in layer order, each layer's in the order of its specs (dense: kernel, then bias).
 */
export interface SequentialModel extends Model {
  readonly layers: readonly Layer[];
  /**
   * Cuts a flat list in parameter order (values, gradients, tangents) into one list per layer;
   * called by code that walks the layers itself, such as per-layer curvature.
   */
  splitByLayer<T>(values: readonly T[]): T[][];
  /** The network evaluated with `values` (in parameter order) on `x`; what `apply` and `applyWith` run. */
  forward(values: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D;
}

/** Whether `model` was built by `sequentialModel` (or honours its layer-walking contract). */
export function isSequentialModel(model: Model): model is SequentialModel {
  const m = model as Partial<SequentialModel>;
  return Array.isArray(m.layers) && typeof m.splitByLayer === 'function' && typeof m.forward === 'function';
}

/** The full parameter name `<layer>/<param>` used in checkpoints and run records. */
export function parameterName(layer: Layer, param: string): string {
  return `${layer.name}/${param}`;
}

let modelCounter = 0;

/**
 * tfjs keeps one global table of variables by name and refuses a name twice, so each model takes a
 * prefix no live variable uses; a counter alone could collide with a second copy of this package.
 */
function freshVariablePrefix(names: readonly string[]): string {
  const registered = tf.engine().registeredVariables;
  for (;;) {
    const prefix = `precond-nn/m${modelCounter++}/`;
    if (names.every((n) => registered[prefix + n] === undefined)) return prefix;
  }
}

/**
 * Build a model from `layers`, drawing every initial value from `rng`, parameter by parameter in
 * model order (row-major within a parameter).
 *
 * @example
 *   const model = sequentialModel([denseLayer({ name: 'dense_0', inputSize: 2, outputSize: 1 })], new Rng(0));
 *   const y = tf.tidy(() => model.apply(x));
 */
export function sequentialModel(layers: readonly Layer[], rng: Rng): SequentialModel {
  if (layers.length === 0) throw new RangeError('a sequential model needs at least one layer, got none');
  const seen = new Set<string>();
  for (const layer of layers) {
    checkName('layer name', layer.name);
    if (seen.has(layer.name)) throw new RangeError(`layer name '${layer.name}' is used twice; layer names must be unique within a model`);
    seen.add(layer.name);
    for (const spec of layer.params) checkName(`parameter name of layer '${layer.name}'`, spec.name);
  }

  const specs = layers.flatMap((layer) => layer.params.map((spec) => ({ name: parameterName(layer, spec.name), spec })));
  const counts = layers.map((layer) => layer.params.length);
  const prefix = freshVariablePrefix(specs.map((s) => s.name));
  const params: NamedParameter[] = specs.map(({ name, spec }) => {
    const values = spec.init(spec.shape, rng);
    const expected = spec.shape.reduce((a, b) => a * b, 1);
    if (values.length !== expected) {
      throw new RangeError(`initializer of '${name}' returned ${values.length} values for shape [${spec.shape.join(', ')}] (${expected} expected)`);
    }
    const initial = tf.tensor(values, [...spec.shape], 'float32');
    const variable = tf.variable(initial, true, prefix + name);
    initial.dispose();
    return { name, variable };
  });
  let disposed = false;

  const checkCount = (values: readonly unknown[]): void => {
    if (values.length !== params.length) {
      throw new RangeError(`expected ${params.length} tensors, one per parameter (${params.map((p) => p.name).join(', ')}), got ${values.length}`);
    }
  };

  const splitByLayer = <T>(values: readonly T[]): T[][] => {
    checkCount(values);
    let offset = 0;
    return counts.map((count) => values.slice(offset, (offset += count)));
  };

  const forward = (values: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D => {
    if (disposed) throw new Error('this model has been disposed; build a new one');
    if (x.rank !== 2) throw new RangeError(`model inputs must be shaped [n, features], got [${x.shape.join(', ')}]`);
    const perLayer = splitByLayer(values);
    return tf.tidy(() => {
      let h: tf.Tensor = x;
      layers.forEach((layer, i) => {
        h = layer.forward(perLayer[i]!, h);
      });
      // The caller owns (and disposes) the result, so it must never be the caller's own input.
      if (h === x) h = tf.clone(x);
      if (h.rank !== 2) throw new RangeError(`model outputs must be shaped [n, outputs], the last layer '${layers[layers.length - 1]!.name}' gave [${h.shape.join(', ')}]`);
      return h as tf.Tensor2D;
    });
  };

  return {
    layers,
    params,
    splitByLayer,
    forward,
    apply: (x) => forward(params.map((p) => p.variable), x),
    applyWith(values, x) {
      checkCount(values);
      values.forEach((v, i) => {
        const p = params[i]!;
        if (!tf.util.arraysEqual(v.shape, p.variable.shape)) {
          throw new RangeError(`applyWith: value ${i} for '${p.name}' has shape [${v.shape.join(', ')}], the parameter is [${p.variable.shape.join(', ')}]`);
        }
      });
      return forward(values, x);
    },
    parameterCount: () => params.reduce((total, p) => total + p.variable.size, 0),
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of params) p.variable.dispose();
    },
  };
}
