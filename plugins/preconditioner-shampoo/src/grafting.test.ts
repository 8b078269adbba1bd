import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { graftingDirection, graftingFromState, initGrafting, updateGrafting, type GraftingSettings, type GraftingState } from './grafting.js';

const GRADS = [
  [0.5, -1, 2],
  [0.25, 3, -1],
  [-0.75, 0.5, 0.125],
];

/** Run the grafted method on GRADS and return its direction for the last gradient. */
function run(settings: GraftingSettings): number[] | null {
  let state: GraftingState = initGrafting(settings, [3]);
  for (const g of GRADS) {
    const t = tf.tensor1d(g);
    const next = updateGrafting(settings, state, t);
    tf.dispose(Object.values(state));
    state = next;
    t.dispose();
  }
  const g = tf.tensor1d(GRADS[2]!);
  let values: number[] | null = null;
  tf.tidy(() => {
    const out = graftingDirection(settings, state, g, GRADS.length);
    if (out) values = Array.from(out.dataSync());
  });
  tf.dispose([g, ...Object.values(state)]);
  return values;
}

const base = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

describe('grafting directions', () => {
  it('sgd is the gradient and none has no direction', () => {
    expect(run({ ...base, method: 'sgd' })).toEqual(GRADS[2]!.map(Math.fround));
    expect(run({ ...base, method: 'none' })).toBeNull();
  });

  it('adagrad divides by the root of the summed squares (Duchi et al. 2011)', () => {
    // Independent float64: g₃ / (√(g₁² + g₂² + g₃²) + ε), entry by entry.
    const expected = GRADS[2]!.map((g, i) => g / (Math.sqrt(GRADS.reduce((s, row) => s + row[i]! ** 2, 0)) + 1e-8));
    // Six decimals: the direction is computed in float32 (2⁻²⁴ ≈ 6e-8 relative) on values below 1.
    const got = run({ ...base, method: 'adagrad' })!;
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('adam is m̂/(√v̂ + ε) with bias corrections after three updates (Kingma & Ba 2015)', () => {
    // m₃ = Σ_t (1−β₁)β₁^{3−t} g_t, v₃ likewise with β₂ and g², then m̂ = m₃/(1−β₁³), v̂ = v₃/(1−β₂³).
    const { beta1, beta2, epsilon } = base;
    const expected = [0, 1, 2].map((i) => {
      const m = GRADS.reduce((s, row, t) => s + (1 - beta1) * beta1 ** (2 - t) * row[i]!, 0) / (1 - beta1 ** 3);
      const v = GRADS.reduce((s, row, t) => s + (1 - beta2) * beta2 ** (2 - t) * row[i]! ** 2, 0) / (1 - beta2 ** 3);
      return m / (Math.sqrt(v) + epsilon);
    });
    // Five decimals: float32 moments and bias corrections, on a direction of order one.
    const got = run({ ...base, method: 'adam' })!;
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('adam with β₁ = 0 grafts RMSProp with bias correction: g/(√v̂ + ε), no first moment kept', () => {
    const { beta2, epsilon } = base;
    const expected = [0, 1, 2].map((i) => {
      const v = GRADS.reduce((s, row, t) => s + (1 - beta2) * beta2 ** (2 - t) * row[i]! ** 2, 0) / (1 - beta2 ** 3);
      return GRADS[2]![i]! / (Math.sqrt(v) + epsilon);
    });
    const got = run({ ...base, beta1: 0, method: 'adam' })!;
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    const state = initGrafting({ ...base, beta1: 0, method: 'adam' }, [2]);
    expect(Object.keys(state)).toEqual(['nu']);
    tf.dispose(Object.values(state));
  });
});

describe('graftingFromState', () => {
  it('names the keys it expected when a checkpoint was written with other grafting options', () => {
    const saved = { sum: tf.zeros([3]) };
    expect(() => graftingFromState({ ...base, method: 'adam' }, saved, [3], 'shampoo state.params[0].graft')).toThrow(
      /shampoo state\.params\[0\]\.graft: grafting 'adam' keeps \[mu, nu\], the saved state holds \[sum\]/,
    );
    expect(() => graftingFromState({ ...base, method: 'adagrad' }, saved, [4], 'g')).toThrow(/g\.sum: expected a float32 tensor of shape \[4\], got \[3\]/);
    expect(graftingFromState({ ...base, method: 'adagrad' }, saved, [3], 'g').sum).toBe(saved.sum);
    saved.sum.dispose();
  });
});
