import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRunContainer, MODEL_FACTORY, parsePluginOptions, resolve, Rng, type Model } from '@precond/core';
import { oneHotPairInputs, type ModularAdditionOptionsInput, type PairList } from './index.js';
import { taskWith } from './test-support/helpers.js';

/** The task's default model, registered and created as the runner does, from the seed's `model` fork. */
function defaultModelOf(raw: ModularAdditionOptionsInput, seed: number): Model {
  const task = taskWith(raw);
  const plugin = task.defaultModel();
  const container = createRunContainer();
  plugin.register(container, parsePluginOptions(plugin, plugin.config, 'model'), { slot: 'model' });
  return resolve(container, MODEL_FACTORY).create({ rng: new Rng(seed).fork('model'), inputSize: task.inputSize, outputSize: task.outputSize });
}

function meanAndVariance(values: Float32Array): { mean: number; variance: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, variance: squares / (values.length - 1) };
}

/** All p² pairs in table order (a outer, b inner). */
function allPairs(p: number): PairList {
  const a = Int32Array.from({ length: p * p }, (_, k) => Math.floor(k / p));
  const b = Int32Array.from({ length: p * p }, (_, k) => k % p);
  return { p, a, b };
}

describe('the default model (PAPER.md E3)', () => {
  it('has the kernels W1ᵀ [2p, N] and W2ᵀ [N, p], no biases: 6,900 parameters for p = 23, N = 100', () => {
    const model = defaultModelOf({}, 0);
    expect(model.params.map((q) => [q.name, q.variable.shape])).toEqual([
      ['dense_0/kernel', [46, 100]],
      ['dense_1/kernel', [100, 23]],
    ]);
    // 46·100 + 100·23 = 6900, the `params` the NumPy peer prints for e3.
    expect(model.parameterCount()).toBe(6900);
    model.dispose();
  });

  it('starts from N(0, 1) weights', async () => {
    const model = defaultModelOf({}, 0);
    // Sample mean of n draws of N(0, 1): standard error 1/√n; sample variance: standard error
    // √(2/(n−1)). Tolerance 5 standard errors: W1 (n = 4600) mean 0.074, variance 0.104; W2
    // (n = 2300) mean 0.104, variance 0.147. Glorot (variance 2/146 ≈ 0.014) or He (2/46 ≈ 0.043)
    // initialisers would fail by far.
    for (const [i, n] of [
      [0, 4600],
      [1, 2300],
    ] as const) {
      const values = (await model.params[i]!.variable.data()) as Float32Array;
      expect(values).toHaveLength(n);
      const { mean, variance } = meanAndVariance(values);
      expect(Math.abs(mean), `mean of ${model.params[i]!.name}`).toBeLessThan(5 / Math.sqrt(n));
      expect(Math.abs(variance - 1), `variance of ${model.params[i]!.name}`).toBeLessThan(5 * Math.sqrt(2 / (n - 1)));
    }
    model.dispose();
  });

  for (const alpha of [1, 1.5]) {
    it(`outputs α²/(2pN) Σ_j W2[j,c]·(W1[a,j] + W1[p+b,j])² on every one-hot pair (α = ${alpha})`, async () => {
      const p = 23;
      const N = 100;
      const model = defaultModelOf({ alpha }, 3);
      // Kernels read back row-major: dense_0/kernel[i, j] = W1[j, i] of the paper, so input column
      // a (and p + b) picks row a (and p + b) of it; dense_1/kernel[j, c] = W2[c, j].
      const k1 = await model.params[0]!.variable.data();
      const k2 = await model.params[1]!.variable.data();
      const pairs = allPairs(p);
      const x = tf.tensor2d(oneHotPairInputs(pairs), [p * p, 2 * p]);
      const f = tf.tidy(() => model.apply(x));
      const out = await f.data();
      const scale = alpha ** 2 / (2 * p * N);
      let largest = 0;
      for (let k = 0; k < p * p; k++) {
        const a = pairs.a[k]!;
        const b = pairs.b[k]!;
        for (let c = 0; c < p; c++) {
          let sum = 0;
          let absSum = 0;
          for (let j = 0; j < N; j++) {
            const term = k2[j * p + c]! * (k1[a * N + j]! + k1[(p + b) * N + j]!) ** 2;
            sum += term;
            absSum += Math.abs(term);
          }
          // float32: one rounding in W1 x (a sum of two weights), one in the square, ≤ N in the
          // accumulation over j, one in the scale: |error| ≤ (N + 3)·2⁻²⁴·scale·Σ|terms| ≈
          // 6.1e-6·scale·Σ|terms|, so 1e-5·scale·Σ|terms| bounds it.
          expect(Math.abs(out[k * p + c]! - scale * sum)).toBeLessThanOrEqual(1e-5 * scale * absSum);
          largest = Math.max(largest, Math.abs(scale * sum));
        }
      }
      // Not a vacuous comparison: with h = W1 x ~ N(0, 2), each output has standard deviation
      // scale·√(N·E[W2²]·E[h⁴]) = α²·√(100·12)/4600 ≈ 0.0075·α², and the largest of the 12,167 is
      // several of those (measured 0.028·α² for seed 3); the errors measured are ~1e-7·scale·Σ|terms|.
      expect(largest).toBeGreaterThan(0.01 * alpha ** 2);
      tf.dispose([x, f]);
      model.dispose();
    });
  }
});
