import * as tf from '@tensorflow/tfjs-core';

/** The activations a model plugin can name in its options. */
export const ACTIVATION_NAMES = ['identity', 'tanh', 'relu', 'sin', 'quadratic'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/**
 * A pointwise nonlinearity `φ` with its derivative. Layers call `apply` in their forward pass; the
 * derivative is there for hand-written per-layer products (forward-mode `J·v`, per-sample
 * backward passes), which must not depend on the autodiff tape.
 */
export interface Activation {
  /** Name recorded in run records and error messages. */
  readonly name: string;
  /** `φ(s)` elementwise; called on every forward pass. May return `s` itself when `φ` is the identity. */
  apply(s: tf.Tensor): tf.Tensor;
  /** `φ'(s)` elementwise; called by curvature code that propagates tangents through a layer. */
  derivative(s: tf.Tensor): tf.Tensor;
  /**
   * Optional: `[φ(s), φ'(s)]` at once, for activations whose derivative is cheaper from `φ(s)` than
   * from `s` (tanh: `1 − φ(s)²`, one tanh instead of two). Must equal `[apply(s), derivative(s)]`;
   * `valueAndDerivative` falls back to those two when it is absent.
   */
  applyWithDerivative?(s: tf.Tensor): [tf.Tensor, tf.Tensor];
}

/** `[φ(s), φ'(s)]` by the activation's `applyWithDerivative` when it has one, else `apply` and `derivative`. */
export function valueAndDerivative(activation: Activation, s: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return activation.applyWithDerivative ? activation.applyWithDerivative(s) : [activation.apply(s), activation.derivative(s)];
}

const identity: Activation = {
  name: 'identity',
  apply: (s) => s,
  derivative: (s) => tf.onesLike(s),
};

const tanh: Activation = {
  name: 'tanh',
  apply: (s) => tf.tanh(s),
  derivative: (s) => tf.tidy(() => tf.sub(1, tf.square(tf.tanh(s)))),
  // tanh is the costliest kernel of a small tanh network's step on wasm (~15 ns an element).
  applyWithDerivative: (s) => {
    const y = tf.tanh(s);
    return [y, tf.tidy(() => tf.sub(1, tf.square(y)))];
  },
};

const relu: Activation = {
  name: 'relu',
  apply: (s) => tf.relu(s),
  // step(0) = 0, the same subgradient tfjs's relu gradient uses, so both paths agree at the kink.
  derivative: (s) => tf.step(s),
};

const sin: Activation = {
  name: 'sin',
  apply: (s) => tf.sin(s),
  derivative: (s) => tf.cos(s),
};

// The paper's E3 network `W2 (W1 x)²` (PAPER.md, E3).
const quadratic: Activation = {
  name: 'quadratic',
  apply: (s) => tf.square(s),
  derivative: (s) => tf.mul(s, 2),
};

const BUILT_IN: Record<ActivationName, Activation> = { identity, tanh, relu, sin, quadratic };

/** The built-in activation called `name`; throws, listing the valid names, for anything else. */
export function activation(name: ActivationName): Activation {
  const found = Object.prototype.hasOwnProperty.call(BUILT_IN, name) ? BUILT_IN[name] : undefined;
  if (!found) throw new RangeError(`unknown activation '${String(name)}'; valid activations: ${ACTIVATION_NAMES.join(', ')}`);
  return found;
}

/** `spec` as an Activation: built-in names are looked up, objects (third-party activations) pass through. */
export function toActivation(spec: ActivationName | Activation): Activation {
  return typeof spec === 'string' ? activation(spec) : spec;
}

/**
 * GELU, `φ(s) = s·Φ(s) = ½ s (1 + erf(s/√2))` (Hendrycks and Gimpel, 2016; the exact form, as
 * PyTorch's `nn.GELU()`), with `φ'(s) = Φ(s) + s·φ_N(s)`, `φ_N` the standard normal density. Used
 * by transformer feed-forward blocks; it is not one of `ACTIVATION_NAMES`, the `mlp` plugin's choices.
 */
export const geluActivation: Activation = {
  name: 'gelu',
  apply: (s) => tf.tidy(() => tf.mul(tf.mul(s, 0.5), tf.add(1, tf.erf(tf.mul(s, Math.SQRT1_2))))),
  derivative: (s) =>
    tf.tidy(() => {
      const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(s, Math.SQRT1_2))));
      const density = tf.mul(Math.sqrt(0.5 / Math.PI), tf.exp(tf.mul(tf.square(s), -0.5)));
      return tf.add(cdf, tf.mul(s, density));
    }),
};
