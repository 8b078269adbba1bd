import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { addWeightDecay } from './add-weight-decay.js';
import { runUpdates } from './test-support/harness.js';

describe('addWeightDecay', () => {
  it('adds λθ, the gradient of (λ/2)‖θ‖², at the current parameters', () => {
    // λ = 0.5 (exact), u = g + 0.5θ:
    // g = [1, -1],   θ = [2, 4]   → [2, 1]
    // g = [0, 0],    θ = [-2, 0.5] → [-1, 0.25]
    // g = [0.25, 3], θ = [1, -8]  → [0.75, -1]
    const out = runUpdates(addWeightDecay(0.5), [
      { grads: [[1, -1]], params: [[2, 4]] },
      { grads: [[0, 0]], params: [[-2, 0.5]] },
      { grads: [[0.25, 3]], params: [[1, -8]] },
    ]);
    expect(out).toEqual([[[2, 1]], [[-1, 0.25]], [[0.75, -1]]]);
  });

  it('rejects a negative λ and updates that do not pair with the parameters', () => {
    expect(() => addWeightDecay(-0.1)).toThrow(/addWeightDecay\.weightDecay must be >= 0, got -0\.1/);
    const t = addWeightDecay(0.1);
    const g = tf.tensor1d([1]);
    expect(() => t.update([g], {}, { count: 0, params: [] })).toThrow(/1 updates but 0 parameters/);
    g.dispose();
  });
});
