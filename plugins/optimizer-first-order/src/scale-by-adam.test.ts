import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { scaleByAdam } from './scale-by-adam.js';
import { expectClose, runUpdates } from './test-support/harness.js';

const theta = [[0, 0]]; // the parameters do not enter this stage

describe('scaleByAdam', () => {
  it('matches moments and bias corrections worked by hand over 3 steps', () => {
    // β₁ = β₂ = 0.5 keeps the arithmetic exact; ε = 1e-8 shifts each value by < 1e-8 relative.
    // Step 1, g = [2, -1]: m = 0.5g = [1, -0.5], v = 0.5g² = [2, 0.5]; corrections 1 - 0.5 = 0.5:
    //   m̂ = [2, -1], v̂ = [4, 1], u = m̂/√v̂ = [1, -1] (the first update is sign(g)).
    // Step 2, g = [4, 1]: m = 0.5[1, -0.5] + 0.5[4, 1] = [2.5, 0.25], v = 0.5[2, 0.5] + 0.5[16, 1] = [9, 0.75];
    //   corrections 1 - 0.25 = 0.75: m̂ = [10/3, 1/3], v̂ = [12, 1], u = [(10/3)/√12, 1/3].
    // Step 3, g = [0, 2]: m = [1.25, 1.125], v = [4.5, 2.375]; corrections 1 - 0.125 = 0.875:
    //   u = [(1.25/0.875)/√(4.5/0.875), (1.125/0.875)/√(2.375/0.875)].
    const out = runUpdates(scaleByAdam({ beta1: 0.5, beta2: 0.5, eps: 1e-8 }), [
      { grads: [[2, -1]], params: theta },
      { grads: [[4, 1]], params: theta },
      { grads: [[0, 2]], params: theta },
    ]);
    expectClose(out[0]![0]!, [1, -1]);
    expectClose(out[1]![0]!, [10 / 3 / Math.sqrt(12), 1 / 3]);
    expectClose(out[2]![0]!, [1.25 / 0.875 / Math.sqrt(4.5 / 0.875), 1.125 / 0.875 / Math.sqrt(2.375 / 0.875)]);
  });

  it('makes the first update sign(g) up to ε with the usual betas', () => {
    // After one step m̂ = g and v̂ = g², so u = g/(|g| + ε). For |g| = 1e-3 and ε = 1e-8 that is
    // 0.99999, which tells ε outside the square root from ε inside it (√(1e-6 + 1e-8) → 0.995).
    const out = runUpdates(scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }), [{ grads: [[0.5, -2, 1e-3]], params: [[0, 0, 0]] }]);
    expectClose(out[0]![0]!, [0.5 / (0.5 + 1e-8), -2 / (2 + 1e-8), 1e-3 / (1e-3 + 1e-8)], 1e-6);
  });

  it('adds ε_root inside the square root', () => {
    // β₁ = β₂ = 0.5, g = [2]: m̂ = 2, v̂ = 4; with ε_root = 1, u = 2/(√(4 + 1) + ε) = 2/√5.
    const out = runUpdates(scaleByAdam({ beta1: 0.5, beta2: 0.5, eps: 1e-8, epsRoot: 1 }), [{ grads: [[2]], params: [[0]] }]);
    expectClose(out[0]![0]!, [2 / Math.sqrt(5)]);
  });

  it('counts its own moment updates for bias correction, whatever the optimizer step', () => {
    // A fresh Adam stage at optimizer step 7 (a hybrid switching to Adam) must still correct by
    // 1 - β^1: u = sign(g) = [1, -1]. Correcting by 1 - β^8 would give [0.1/(1-0.9^8)]/√(0.001/(1-0.999^8)) ≈ 0.57.
    const t = scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const p = tf.tensor1d([0, 0]);
    const g = tf.tensor1d([3, -0.5]);
    const s0 = t.init([p]);
    expect(s0.count).toBe(0);
    const { updates, state } = t.update([g], s0, { count: 7, params: [p] });
    expectClose(Array.from(updates[0]!.dataSync()), [1, -1]);
    expect(state.count).toBe(1);
    tf.dispose([p, g, ...updates, ...(s0.mu as tf.Tensor[]), ...(s0.nu as tf.Tensor[]), ...(state.mu as tf.Tensor[]), ...(state.nu as tf.Tensor[])]);
  });

  it('rejects out-of-range hyper-parameters, naming them', () => {
    expect(() => scaleByAdam({ beta1: 1, beta2: 0.999, eps: 1e-8 })).toThrow(/scaleByAdam\.beta1 must be in \[0, 1\), got 1/);
    expect(() => scaleByAdam({ beta1: 0.9, beta2: 1.5, eps: 1e-8 })).toThrow(/scaleByAdam\.beta2/);
    expect(() => scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 0 })).toThrow(/scaleByAdam\.eps must be > 0, got 0/);
    expect(() => scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8, epsRoot: -1 })).toThrow(/scaleByAdam\.epsRoot must be >= 0/);
  });
});
