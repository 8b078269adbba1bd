import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import type { ActivationName } from './activation.js';
import type { Layer } from './layers/layer.js';
import { buildMlp } from './mlp.js';
import { sequentialModel, type SequentialModel } from './sequential-model.js';
import { denseLayer } from './layers/dense.js';

const smallMlp = (seed = 0, activation: ActivationName = 'tanh') =>
  buildMlp({ inputSize: 3, outputSize: 2, hidden: [4, 4], activation, init: 'glorot-normal', outputScale: 0.5 }, new Rng(seed));

function uniformTensor(rng: Rng, shape: [number, number]): tf.Tensor2D {
  return tf.tensor2d(rng.fill(shape[0] * shape[1], (r) => r.uniformIn(-1, 1)), shape);
}

/** Values of `t`, freeing it. */
function take(t: tf.Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** Fresh random tensors shaped like the model's parameters. */
const randomValues = (model: SequentialModel, rng: Rng) =>
  model.params.map((p) => tf.tensor(rng.fill(p.variable.size, (r) => r.normal()), p.variable.shape));

describe('sequentialModel', () => {
  it('applyWith(values) equals apply after assigning those values, and leaves the variables alone', () => {
    const model = smallMlp(1);
    const x = uniformTensor(new Rng(2), [6, 3]);
    const values = randomValues(model, new Rng(3));
    const initial = model.params.map((p) => Array.from(p.variable.dataSync()));
    const trial = take(model.applyWith(values, x));
    expect(model.params.map((p) => Array.from(p.variable.dataSync()))).toEqual(initial);
    // Different weights must give different outputs, or the comparison below would prove nothing.
    expect(take(model.apply(x))).not.toEqual(trial);
    model.params.forEach((p, i) => p.variable.assign(values[i]!));
    // Same ops on the same numbers: bit-identical, not merely close.
    expect(take(model.apply(x))).toEqual(trial);
    tf.dispose([x, ...values]);
    model.dispose();
  });

  it('rejects applyWith values of the wrong count or shape, naming the parameter', () => {
    const model = smallMlp();
    const x = tf.zeros([1, 3]) as tf.Tensor2D;
    const values = model.params.map((p) => p.variable as tf.Tensor);
    const wrong = tf.zeros([4, 3]);
    expect(() => model.applyWith(values.slice(1), x)).toThrow(/expected 6 tensors, one per parameter \(dense_0\/kernel, .*\), got 5/);
    expect(() => model.applyWith([wrong, ...values.slice(1)], x)).toThrow("applyWith: value 0 for 'dense_0/kernel' has shape [4, 3], the parameter is [3, 4]");
    tf.dispose([x, wrong]);
    model.dispose();
  });

  it.each(['tanh', 'sin', 'quadratic'] as const)(
    'gives tf.grads gradients of a scalar loss that agree with central finite differences (%s)',
    (activation) => {
      const model = smallMlp(21, activation);
      const data = new Rng(22);
      const x = uniformTensor(data, [5, 3]);
      const y = uniformTensor(data, [5, 2]);
      const loss = mseLoss();
      // The biases start at zero; move them so every parameter sits at a generic point.
      model.params.forEach((p) => {
        if (p.name.endsWith('/bias')) p.variable.assign(tf.tidy(() => tf.add(p.variable, 0.3)));
      });
      const values = model.params.map((p) => p.variable as tf.Tensor);
      const lossAt = (vals: readonly tf.Tensor[]) => tf.tidy(() => loss.value(model.applyWith(vals, x), y).dataSync()[0]!);
      const analytic = tf
        .tidy(() => tf.grads((...vals: tf.Tensor[]) => loss.value(model.applyWith(vals, x), y))(values))
        .map(take);

      // Central differences with h = 1e-2 in float32. Truncation error is h²/6·|∂³L| ≈ 2e-5·|∂³L|;
      // rounding error is about ε₃₂·|L|·(ops)/h ≈ 6e-8·1·20/1e-2 ≈ 1e-4. Allow 1e-3 + 1e-2·|g|:
      // comfortably above both, yet a wrong gradient errs by O(|g|) and the largest |g| here is
      // checked to be well above 1e-3.
      const h = 1e-2;
      let largest = 0;
      values.forEach((value, k) => {
        const base = value.dataSync() as Float32Array;
        for (let j = 0; j < base.length; j++) {
          const plus = Float32Array.from(base);
          const minus = Float32Array.from(base);
          plus[j] = base[j]! + h;
          minus[j] = base[j]! - h;
          const at = (entries: Float32Array) => {
            const perturbed = tf.tensor(entries, value.shape);
            const l = lossAt(values.map((v, i) => (i === k ? perturbed : v)));
            perturbed.dispose();
            return l;
          };
          // Divide by the step float32 actually took, not the nominal 2h.
          const numeric = (at(plus) - at(minus)) / (plus[j]! - minus[j]!);
          const g = analytic[k]![j]!;
          largest = Math.max(largest, Math.abs(g));
          expect(Math.abs(numeric - g), `${model.params[k]!.name}[${j}]: numeric ${numeric}, tf.grads ${g}`).toBeLessThan(1e-3 + 1e-2 * Math.abs(g));
        }
      });
      expect(largest).toBeGreaterThan(0.05);
      tf.dispose([x, y]);
      model.dispose();
    },
  );

  it('differentiates apply through its variables exactly as applyWith through its values', () => {
    const model = smallMlp(5);
    const data = new Rng(6);
    const x = uniformTensor(data, [4, 3]);
    const y = uniformTensor(data, [4, 2]);
    const loss = mseLoss();
    const variables = model.params.map((p) => p.variable);
    const viaVariables = tf.tidy(() => tf.variableGrads(() => loss.value(model.apply(x), y), variables).grads);
    const viaValues = tf.tidy(() => tf.grads((...vals: tf.Tensor[]) => loss.value(model.applyWith(vals, x), y))(variables));
    model.params.forEach((p, i) => expect(take(viaVariables[p.variable.name]!)).toEqual(take(viaValues[i]!)));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('leaks no tensors: 50 applies, applyWith and gradients in tidy, then dispose() frees the variables', () => {
    const x = uniformTensor(new Rng(7), [8, 3]);
    const y = uniformTensor(new Rng(8), [8, 2]);
    const before = tf.memory().numTensors;
    const model = smallMlp(9, 'quadratic');
    // One tensor per variable; the initial-value tensors are freed once copied.
    expect(tf.memory().numTensors).toBe(before + model.params.length);
    const built = tf.memory().numTensors;
    const values = model.params.map((p) => p.variable as tf.Tensor);
    for (let i = 0; i < 50; i++) tf.tidy(() => {
      model.apply(x);
    });
    expect(tf.memory().numTensors).toBe(built);
    for (let i = 0; i < 50; i++) tf.tidy(() => {
      model.applyWith(values, x);
    });
    expect(tf.memory().numTensors).toBe(built);
    // apply frees its own intermediates: only the returned tensor outlives the call.
    const f = model.apply(x);
    expect(tf.memory().numTensors).toBe(built + 1);
    f.dispose();
    tf.tidy(() => {
      tf.grads((...vals: tf.Tensor[]) => mseLoss().value(model.applyWith(vals, x), y))(values);
    });
    expect(tf.memory().numTensors).toBe(built);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose(); // a second call is harmless
    expect(() => model.apply(x)).toThrow('this model has been disposed; build a new one');
    tf.dispose([x, y]);
  });

  it('lets two models with the same layer names live side by side', () => {
    const a = smallMlp(1);
    const b = smallMlp(1);
    expect(a.params.map((p) => p.name)).toEqual(b.params.map((p) => p.name));
    const names = [...a.params, ...b.params].map((p) => p.variable.name);
    expect(new Set(names).size).toBe(names.length);
    expect(a.params[0]!.variable.name).toMatch(/dense_0\/kernel$/);
    const x = uniformTensor(new Rng(2), [3, 3]);
    const fromB = take(b.apply(x));
    a.dispose();
    expect(take(b.apply(x))).toEqual(fromB);
    const c = smallMlp(1);
    expect(take(c.apply(x))).toEqual(fromB); // same seed, same weights
    tf.dispose(x);
    b.dispose();
    c.dispose();
  });

  it('takes any Layer, such as a third-party one, and splits flat lists by layer', () => {
    // A parameterised pointwise layer y = x ⊙ g, written only against the Layer contract.
    const gain: Layer = {
      name: 'gain',
      kind: 'gain',
      params: [{ name: 'g', shape: [2], init: (shape) => Float32Array.from({ length: shape[0]! }, (_, i) => i + 2) }],
      forward: ([g], input) => tf.mul(input, g!),
    };
    const model = sequentialModel([denseLayer({ name: 'dense_0', inputSize: 1, outputSize: 2, kernelInit: 'zeros', biasInit: (s) => new Float32Array(s[0]!).fill(1) }), gain], new Rng(0));
    expect(model.params.map((p) => p.name)).toEqual(['dense_0/kernel', 'dense_0/bias', 'gain/g']);
    expect(model.splitByLayer(['k', 'b', 'g'])).toEqual([['k', 'b'], ['g']]);
    // dense_0 with zero kernel and unit bias outputs [1, 1]; the gain [2, 3] then gives [2, 3].
    const x = tf.tensor2d([[7]]);
    expect(Array.from(take(model.apply(x)))).toEqual([2, 3]);
    tf.dispose(x);
    model.dispose();
  });

  it('rejects empty, duplicate or badly named layers', () => {
    const d = (name: string) => denseLayer({ name, inputSize: 1, outputSize: 1 });
    expect(() => sequentialModel([], new Rng(0))).toThrow('a sequential model needs at least one layer, got none');
    expect(() => sequentialModel([d('a'), d('a')], new Rng(0))).toThrow("layer name 'a' is used twice; layer names must be unique within a model");
    const bad: Layer = { name: 'x', kind: 'x', params: [{ name: 'w/1', shape: [1], init: () => new Float32Array(1) }], forward: (_, i) => i };
    expect(() => sequentialModel([bad], new Rng(0))).toThrow(/parameter name of layer 'x' .* got 'w\/1'/);
    const short: Layer = { name: 'x', kind: 'x', params: [{ name: 'w', shape: [2], init: () => new Float32Array(1) }], forward: (_, i) => i };
    expect(() => sequentialModel([short], new Rng(0))).toThrow("initializer of 'x/w' returned 1 values for shape [2] (2 expected)");
  });
});
