import * as tf from '@tensorflow/tfjs-core';
import { parsePluginOptions, Rng, type Model } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { createFourierTargetTask, fourierTarget } from './index.js';
import { emptyModeHistory, MODE_ERROR_FLOOR, updateModeRates, type ModeHistory } from './mode-rates.js';

/** Feed `updateModeRates` the modes `modesAt(t)` at each of `steps`; returns every update. */
function feed(steps: readonly number[], modesAt: (t: number) => number[], window: number) {
  let history: ModeHistory = emptyModeHistory();
  return steps.map((t) => {
    const u = updateModeRates(history, t, modesAt(t), window);
    history = u.history;
    return u;
  });
}

describe('updateModeRates', () => {
  it('gives rate a_k for modes decaying as c_k e^{−a_k t}, at every step after the first', () => {
    // ln(c e^{−a t}) − ln(c e^{−a s}) = −a (t − s), so r = a whatever the window and the spacing.
    const a = [0.5, 0.01, 0, -0.02];
    const c = [1, 0.3, 2, 1e-3];
    const updates = feed([0, 10, 20, 35, 50, 100, 130], (t) => a.map((ak, k) => c[k]! * Math.exp(-ak * t)), 25);
    expect(updates[0]!.rates).toBeNull();
    for (const u of updates.slice(1)) u.rates!.forEach((r, k) => expect(r).toBeCloseTo(a[k]!, 12));
  });

  it('measures over the window: from the latest logged step at or before t − W, or from the start before W', () => {
    const updates = feed([0, 10, 20, 35, 50, 100, 130], () => [1], 25);
    // t = 10, 20: before W = 25 → from step 0; t = 35: latest ≤ 10 is 10; t = 50: latest ≤ 25 is 20;
    // t = 100: latest ≤ 75 is 50; t = 130: latest ≤ 105 is 100.
    expect(updates.map((u) => u.from)).toEqual([null, 0, 0, 10, 20, 50, 100]);
    // It keeps the entries from the reference on, which every later window needs.
    expect(updates.at(-1)!.history.steps).toEqual([100, 130]);
  });

  it('splits a piecewise decay at the window: rate 0.1 until step 100, then 0.02', () => {
    // |ê|(t) = e^{−0.1 t} for t ≤ 100, then e^{−10 − 0.02 (t − 100)}; with W = 50 logged every 10,
    // the window [t − 50, t] lies inside one piece from t = 150 on, giving exactly 0.02.
    const at = (t: number) => [t <= 100 ? Math.exp(-0.1 * t) : Math.exp(-10 - 0.02 * (t - 100))];
    const updates = feed(Array.from({ length: 21 }, (_, i) => i * 10), at, 50);
    expect(updates[10]!.rates![0]).toBeCloseTo(0.1, 12); // t = 100, from 50
    expect(updates[13]!.rates![0]).toBeCloseTo((0.1 * 20 + 0.02 * 30) / 50, 12); // t = 130, from 80
    expect(updates[15]!.rates![0]).toBeCloseTo(0.02, 12); // t = 150, from 100
  });

  it('replaces an entry for a step evaluated again (a resumed run) and drops later ones', () => {
    const first = feed([0, 10, 20], (t) => [Math.exp(-t)], 100);
    // Evaluate step 10 again with other modes: the old 10 and 20 are gone.
    const again = updateModeRates(first.at(-1)!.history, 10, [Math.exp(-2 * 10)], 100);
    expect(again.history.steps).toEqual([0, 10]);
    expect(again.rates![0]).toBeCloseTo(2, 12);
  });

  it('keeps rates finite when a mode error is exactly 0', () => {
    const u = feed([0, 1], (t) => [t === 0 ? 1 : 0], 10).at(-1)!;
    // ln(1e-300) = −690.8: the floor, not −∞.
    expect(u.rates![0]).toBeCloseTo(-Math.log(MODE_ERROR_FLOOR), 8);
  });
});

describe('mode_rates metric of the task', () => {
  it('reports rate c for a residual c-decaying on bin 3, rate 0 on a constant bin 5', async () => {
    // The model outputs y + e^{−c t}·0.4 cos(2π·3i/100) + 0.2 cos(2π·5i/100): residual modes 0.2 e^{−c t}
    // on bin 3 and 0.1 on bin 5, so r_3 = c and r_5 = 0. Rounding f to float32 and the float32
    // subtraction move each residual sample by ≤ 3e-7 (|f| ≤ 2.6), hence each mode by ≤ 3e-7. Bin 3
    // is ≥ 0.2 e^{−3} ≈ 0.01 at t ≤ 60, so ln|ê_3| moves by ≤ 3e-5 at each end of a window of
    // ≥ 10 steps: the rate by ≤ 6e-6. Tolerance 1e-4.
    const task = createFourierTargetTask(parsePluginOptions(fourierTarget(), { rateWindow: 20 }, 'task'));
    const data = task.makeData(new Rng(0));
    const y = await data.train.y.data();
    const c = 0.05;
    const model: Model = { params: [], apply: (x) => x, applyWith: (_v, x) => x, parameterCount: () => 0, dispose: () => {} };
    const rates: number[][] = [];
    for (const t of [0, 10, 20, 30, 40, 60]) {
      const f = Float32Array.from(y, (v, i) => v + Math.exp(-c * t) * 0.4 * Math.cos((2 * Math.PI * 3 * i) / 100) + 0.2 * Math.cos((2 * Math.PI * 5 * i) / 100));
      const trainOutputs = tf.tensor2d(f, [100, 1]);
      const m = await task.metrics({ step: t, model, data, trainOutputs, trainLoss: 0 });
      trainOutputs.dispose();
      if (t === 0) expect(m.mode_rates).toBeUndefined();
      else rates.push(m.mode_rates as number[]);
    }
    for (const r of rates) {
      expect(r).toHaveLength(10);
      expect(Math.abs(r[3]! - c)).toBeLessThan(1e-4);
      expect(Math.abs(r[5]!)).toBeLessThan(1e-4);
    }
    tf.dispose([data.train.x, data.train.y, data.test!.x, data.test!.y]);
  });
});
