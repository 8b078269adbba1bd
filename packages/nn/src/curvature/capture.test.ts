import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { denseLayer } from '../layers/dense.js';
import { scaleLayer } from '../layers/scale.js';
import { sequentialModel } from '../sequential-model.js';
import { captureLayers, type Capture } from './capture.js';
import { vectorJacobianProduct } from './jacobian.js';
import { buildModel } from './test-support/reference-network.js';

describe('captureLayers', () => {
  it('gives a single tanh layer the input and g = u ⊙ (1 − tanh²(s)), by hand', () => {
    const model = sequentialModel([denseLayer({ name: 'd', inputSize: 2, outputSize: 2, activation: 'tanh' })], new Rng(0));
    const kernel = [
      [0.5, -0.25],
      [1, 0.75],
    ];
    const bias = [0.2, -0.1];
    const xs = [
      [1, 0.5],
      [-0.5, 2],
      [0.25, -1],
    ];
    const us = [
      [1, -2],
      [0.5, 0],
      [-1, 3],
    ];
    const values = [tf.tensor2d(kernel), tf.tensor1d(bias)];
    const x = tf.tensor2d(xs);
    const u = tf.tensor2d(us);
    const capture = captureLayers(model, values, x, u);
    expect(capture.uncaptured).toEqual([]);
    const [layer] = capture.layers;
    expect(layer!.layer.name).toBe('d');
    expect(layer!.factor.arraySync()).toEqual(xs);
    const g = layer!.probeGradient.arraySync();
    xs.forEach((row, i) =>
      [0, 1].forEach((q) => {
        const s = row[0]! * kernel[0]![q]! + row[1]! * kernel[1]![q]! + bias[q]!;
        // ∂(Σ_r u_rᵀ tanh(s_r))/∂s_iq = u_iq (1 − tanh²(s_iq)); float32 within 1e-6 of values ≤ 3.
        expect(g[i]![q]).toBeCloseTo(us[i]![q]! * (1 - Math.tanh(s) ** 2), 6);
      }),
    );
    // The forward pass of the capture is the model's: bit-identical outputs.
    const f = model.forward(values, x);
    expect(capture.outputs.arraySync()).toEqual(f.arraySync());
    capture.dispose();
    tf.dispose([...values, x, u, f]);
    model.dispose();
  });

  it('sums to the parameter gradient: Σ_r a_r ⊗ g_r = ∂(Σ u ⊙ f)/∂W and Σ_r g_r = ∂(Σ u ⊙ f)/∂b for every layer', () => {
    const model = buildModel(
      [
        { kind: 'dense', inputSize: 3, outputSize: 4, activation: 'relu', bias: true },
        { kind: 'dense', inputSize: 4, outputSize: 4, activation: 'sin', bias: false },
        { kind: 'dense', inputSize: 4, outputSize: 2, activation: 'identity', bias: true },
        { kind: 'scale', factor: 3 },
      ],
      4,
    );
    const rng = new Rng(5);
    const x = tf.tensor2d(rng.fill(6 * 3, (r) => r.normal()), [6, 3]);
    const u = tf.tensor2d(rng.fill(6 * 2, (r) => r.normal()), [6, 2]);
    const values = model.params.map((p) => p.variable);
    const capture = captureLayers(model, values, x, u);
    // Independent reference: one reverse pass w.r.t. the parameters themselves.
    const gradients = vectorJacobianProduct(model, values, x, u);
    const fromCapture = capture.layers.flatMap(({ layer, factor, probeGradient }) =>
      tf.tidy(() => {
        const kernel = tf.matMul(factor, probeGradient, true, false);
        return layer.params.length === 2 ? [kernel, tf.sum(probeGradient, 0)] : [kernel];
      }),
    );
    expect(fromCapture).toHaveLength(gradients.length);
    gradients.forEach((g, i) => {
      const expected = g.dataSync();
      const got = fromCapture[i]!.dataSync();
      // Two float32 sums over 6 samples of the same products: within 1e-5 of entries ≤ ~20.
      expected.forEach((e, j) => expect(Math.abs(got[j]! - e)).toBeLessThan(1e-5 * (1 + Math.abs(e))));
      expect(Math.max(...Array.from(expected, Math.abs))).toBeGreaterThan(0.05);
    });
    tf.dispose([...gradients, ...fromCapture, x, u]);
    capture.dispose();
    model.dispose();
  });

  it('survives a caller’s tf.tidy, frees everything on dispose, and never frees the caller’s x', () => {
    const model = buildModel([{ kind: 'dense', inputSize: 2, outputSize: 3, activation: 'tanh', bias: true }], 1);
    const x = tf.ones([4, 2]) as tf.Tensor2D;
    const u = tf.ones([4, 3]) as tf.Tensor2D;
    const values = model.params.map((p) => p.variable);
    const before = tf.memory().numTensors;
    let made: Capture | undefined;
    tf.tidy(() => {
      made = captureLayers(model, values, x, u);
    });
    const capture = made!;
    // outputs, one factor and one probe gradient.
    expect(tf.memory().numTensors).toBe(before + 3);
    expect(capture.layers[0]!.probeGradient.isDisposed).toBe(false);
    capture.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
    expect(x.arraySync()).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    tf.dispose([x, u]);
    model.dispose();
  });

  it('captures nothing, but still evaluates, for a model without parameters', () => {
    const model = sequentialModel([scaleLayer({ name: 's', factor: 2 })], new Rng(0));
    const x = tf.tensor2d([[1, -3]]);
    const capture = captureLayers(model, [], x, x);
    expect(capture.layers).toEqual([]);
    expect(capture.outputs.arraySync()).toEqual([[2, -6]]);
    capture.dispose();
    x.dispose();
    model.dispose();
  });
});
