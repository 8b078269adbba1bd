import { chain } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { addDecoupledWeightDecay } from './add-decoupled-weight-decay.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { expectClose, runUpdates } from './test-support/harness.js';

describe('addDecoupledWeightDecay', () => {
  it('subtracts η(k)·λ·θ, following the learning-rate schedule', () => {
    // λ = 0.5 and η(k) = 0.5·0.5^k, so the decay rate η·λ is 0.25, 0.125, 0.0625 (exact):
    // u = [1, -1]   - 0.25·[2, 4]    = [0.5, -2]
    // u = [0, 0]    - 0.125·[-2, 0.5] = [0.25, -0.0625]
    // u = [0.25, 3] - 0.0625·[8, -16] = [-0.25, 4]
    const out = runUpdates(addDecoupledWeightDecay(0.5, { type: 'step', value: 0.5, factor: 0.5, every: 1 }), [
      { grads: [[1, -1]], params: [[2, 4]] },
      { grads: [[0, 0]], params: [[-2, 0.5]] },
      { grads: [[0.25, 3]], params: [[8, -16]] },
    ]);
    expect(out).toEqual([[[0.5, -2]], [[0.25, -0.0625]], [[-0.25, 4]]]);
  });

  it('forms AdamW with the decay outside the Adam scaling', () => {
    // AdamW chain: u = -η(k)·(m̂/(√v̂ + ε) + λθ) with λ = 0.1 and η(k) = 0.01·0.5^k.
    // The gradient is the same every step, g = [3, -0.5], so m = (1-β₁ᵗ)g and v = (1-β₂ᵗ)g²:
    // bias correction gives m̂ = g, v̂ = g² and the Adam part is sign(g) = [1, -1] (up to ε/|g| < 1e-8).
    // k = 0: η = 0.01,   θ = [2, -4]: u = -0.01·[1, -1] - 0.001·[2, -4]     = [-0.012, 0.014]
    // k = 1: η = 0.005,  θ = [1, 1]:  u = -0.005·[1, -1] - 0.0005·[1, 1]    = [-0.0055, 0.0045]
    // k = 2: η = 0.0025, θ = [0, 10]: u = -0.0025·[1, -1] - 0.00025·[0, 10] = [-0.0025, 0]
    // Coupled L2 would feed g + λθ = [3.2, -0.9] into Adam and give u = [-0.01, 0.01] at k = 0.
    const lr = { type: 'step', value: 0.01, factor: 0.5, every: 1 } as const;
    const adamw = chain(scaleByAdam({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }), scaleByLearningRate(lr), addDecoupledWeightDecay(0.1, lr));
    const g = [[3, -0.5]];
    const out = runUpdates(adamw, [
      { grads: g, params: [[2, -4]] },
      { grads: g, params: [[1, 1]] },
      { grads: g, params: [[0, 10]] },
    ]);
    expectClose(out[0]![0]!, [-0.012, 0.014], 1e-8);
    expectClose(out[1]![0]!, [-0.0055, 0.0045], 1e-8);
    expectClose(out[2]![0]!, [-0.0025, 0], 1e-8);
  });

  it('rejects a negative λ and a non-positive learning rate', () => {
    expect(() => addDecoupledWeightDecay(-1, 1e-3)).toThrow(/addDecoupledWeightDecay\.weightDecay must be >= 0, got -1/);
    expect(() => addDecoupledWeightDecay(0.1, -1e-3)).toThrow(/addDecoupledWeightDecay\.schedule: must be > 0/);
  });
});
