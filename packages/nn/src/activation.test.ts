import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, activation, geluActivation, toActivation, valueAndDerivative, type Activation } from './activation.js';

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

  it.each([...ACTIVATION_NAMES.map((name) => activation(name)), geluActivation])('$name: valueAndDerivative is [apply, derivative] bit for bit', (act) => {
    // 64 points over [-4, 4), both signs and both tails of tanh; tanh's one-kernel form must not
    // change a single float (the curvature path's values stay those of apply and derivative).
    const xs = Array.from({ length: 64 }, (_, i) => -4 + i / 8);
    const both = tf.tidy(() => valueAndDerivative(act, tf.tensor1d(xs)).map((t) => Array.from(t.dataSync())));
    expect(both[0]).toEqual(evaluate((t) => act.apply(t), xs));
    expect(both[1]).toEqual(evaluate((t) => act.derivative(t), xs));
  });

  it('uses one tanh kernel for tanh’s value and derivative', () => {
    const s = tf.tensor1d([0.5, -1]);
    const before = tf.memory().numTensors;
    const profile = tf.tidy(() => {
      const counted: string[] = [];
      const engine = tf.engine();
      const original = engine.runKernel.bind(engine);
      engine.runKernel = ((name: string, ...rest: unknown[]) => {
        counted.push(name);
        return (original as (...a: unknown[]) => unknown)(name, ...rest);
      }) as typeof engine.runKernel;
      try {
        valueAndDerivative(activation('tanh'), s);
      } finally {
        engine.runKernel = original;
      }
      return counted;
    });
    expect(profile.filter((name) => name === 'Tanh')).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
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

describe('geluActivation', () => {
  it('is s·Φ(s) with slope Φ(s) + s·φ(s), at values printed by Python', () => {
    // Python 3: x * 0.5 * (1 + math.erf(x / math.sqrt(2))) and Φ(x) + x·exp(−x²/2)/√(2π).
    const xs = [-2, -1, -0.5, 0, 0.5, 1, 2];
    const values = [-0.04550026389635842, -0.15865525393145707, -0.15426876936299344, 0, 0.34573123063700656, 0.8413447460685429, 1.9544997361036416];
    const slopes = [-0.08523180107819692, -0.08331547058768629, 0.13250487534383712, 0.5, 0.8674951246561629, 1.0833154705876864, 1.085231801078197];
    // tfjs's float32 erf is a rational approximation accurate to ~1e-7.
    evaluate((t) => geluActivation.apply(t), xs).forEach((v, i) => expect(v).toBeCloseTo(values[i]!, 6));
    evaluate((t) => geluActivation.derivative(t), xs).forEach((v, i) => expect(v).toBeCloseTo(slopes[i]!, 6));
    const autodiff = evaluate((t) => tf.grad((s: tf.Tensor) => tf.sum(geluActivation.apply(s)))(t), xs);
    autodiff.forEach((v, i) => expect(v).toBeCloseTo(slopes[i]!, 5));
    expect(ACTIVATION_NAMES).not.toContain('gelu');
  });
});
