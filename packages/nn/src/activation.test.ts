import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, activation, toActivation, type Activation } from './activation.js';

// Points away from relu's kink at 0, where a derivative is a choice rather than a fact.
const POINTS = [-2, -0.5, 0.25, 0.5, 3];

// The closed forms, evaluated in float64 by Math: an independent reference for tfjs's float32 kernels.
const REFERENCE: Record<(typeof ACTIVATION_NAMES)[number], { value: (s: number) => number; slope: (s: number) => number }> = {
  identity: { value: (s) => s, slope: () => 1 },
  tanh: { value: Math.tanh, slope: (s) => 1 - Math.tanh(s) ** 2 },
  relu: { value: (s) => Math.max(0, s), slope: (s) => (s > 0 ? 1 : 0) },
  sin: { value: Math.sin, slope: Math.cos },
  quadratic: { value: (s) => s * s, slope: (s) => 2 * s },
};

const evaluate = (f: (t: tf.Tensor) => tf.Tensor, xs: number[]) => tf.tidy(() => Array.from(f(tf.tensor1d(xs)).dataSync()));

describe('activations', () => {
  it.each(ACTIVATION_NAMES)('%s matches its closed form and its derivative matches autodiff', (name) => {
    const act: Activation = activation(name);
    expect(act.name).toBe(name);
    const ref = REFERENCE[name];
    // float32 keeps about 7 significant digits and every value here is below 10, so 5 decimals
    // (|error| < 5e-6) is within reach, while a wrong formula misses by far more.
    evaluate((t) => act.apply(t), POINTS).forEach((v, i) => expect(v).toBeCloseTo(ref.value(POINTS[i]!), 5));
    evaluate((t) => act.derivative(t), POINTS).forEach((v, i) => expect(v).toBeCloseTo(ref.slope(POINTS[i]!), 5));
    // tfjs's gradient of Σ φ(s) is φ'(s) elementwise: a second, independent derivation.
    const autodiff = evaluate((t) => tf.grad((s: tf.Tensor) => tf.sum(act.apply(s)))(t), POINTS);
    evaluate((t) => act.derivative(t), POINTS).forEach((v, i) => expect(v).toBeCloseTo(autodiff[i]!, 5));
  });

  it('gives relu slope 0 at its kink, the subgradient tfjs differentiates with', () => {
    const relu = activation('relu');
    expect(evaluate((t) => relu.derivative(t), [0])).toEqual([0]);
    expect(evaluate((t) => tf.grad((s: tf.Tensor) => tf.sum(relu.apply(s)))(t), [0])).toEqual([0]);
  });

  it('rejects unknown names, listing the valid ones, and passes custom activations through', () => {
    expect(() => activation('gelu' as never)).toThrow(/unknown activation 'gelu'; valid activations: identity, tanh, relu, sin, quadratic/);
    const softplus: Activation = { name: 'softplus', apply: (s) => tf.softplus(s), derivative: (s) => tf.sigmoid(s) };
    expect(toActivation(softplus)).toBe(softplus);
    expect(toActivation('sin')).toBe(activation('sin'));
  });

  it('leaves no tensors behind when called inside tf.tidy', () => {
    const x = tf.tensor1d(POINTS);
    const before = tf.memory().numTensors;
    for (const name of ACTIVATION_NAMES) {
      tf.tidy(() => {
        activation(name).apply(x);
        activation(name).derivative(x);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
