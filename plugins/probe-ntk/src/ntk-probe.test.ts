import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { ProbeSet } from './options.js';
import { grid, probeHarness, type Harness, type HarnessConfig } from './test-support/harness.js';
import { readMlpWeights, referenceGram, referenceJacobian, referenceMeasures, referenceOutputs } from './test-support/reference-ntk.js';

/**
 * Error bounds for comparing the probe (float32 factors on the device, float64 sums) with the
 * float64 reference. Each Jacobian entry the device computes carries a relative error of a few
 * units of 2⁻²⁴ (a float32 tanh, product and sum); we allow δ = 4·2⁻²⁴ ≈ 2.4e-7. Then
 * |ΔK_rs| ≤ 2δ Σ_t |J_rt||J_st| ≤ 2δ √(K_rr K_ss), so ‖ΔK‖₂ ≤ ‖ΔK‖_F ≤ 2δ·tr K =: εK.
 */
const DELTA = 4 * 2 ** -24;

interface Reference {
  /** K = J Jᵀ, float64, from the analytic Jacobian. */
  k: Float64Array;
  /** Targets (as the device holds them) and residual f − y, sample-major. */
  y: Float64Array;
  e: Float64Array;
  /** All parameters, float64 from float32. */
  theta: Float64Array;
}

/** The reference quantities of the harness's model, now, on the samples `rows` of (x, y) (d = 1 or 2 inputs). */
function reference(h: Harness, x: readonly number[], y: readonly number[], rows?: readonly number[]): Reference {
  const w = readMlpWeights(h.model);
  const n = x.length / w.d;
  const pick = rows ?? Array.from({ length: n }, (_, i) => i);
  const xs = pick.flatMap((i) => x.slice(i * w.d, (i + 1) * w.d));
  const ys = pick.flatMap((i) => y.slice(i * w.k, (i + 1) * w.k)).map((v) => Math.fround(v));
  const k = referenceGram(referenceJacobian(w, xs));
  const f = referenceOutputs(w, xs);
  return { k, y: Float64Array.from(ys), e: Float64Array.from(f, (v, i) => v - ys[i]!), theta: Float64Array.from([...w.w1, ...w.b1, ...w.w2, ...w.b2]) };
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, a) => s + a * a, 0));
const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i]!));

/** Eigenvalues, modes and alignment within the bounds that εK implies. */
function expectSpectrumMatches(metrics: Record<string, unknown>, ref: ReturnType<typeof referenceMeasures>, e: ArrayLike<number>) {
  const epsK = 2 * DELTA * ref.trace;
  const eigenvalues = metrics.eigenvalues as number[];
  expect(eigenvalues).toHaveLength(ref.eigenvalues.length);
  // Weyl: |λ_i(K + ΔK) − λ_i(K)| ≤ ‖ΔK‖₂ ≤ εK.
  eigenvalues.forEach((v, i) => expect(Math.abs(v - ref.eigenvalues[i]!), `eigenvalue ${i}`).toBeLessThanOrEqual(epsK));
  // Davis-Kahan: ‖Δq_i‖ ≤ √2·εK/gap_i, so |Δ|q_iᵀe|| ≤ √2·εK/gap_i·‖e‖ + ‖Δe‖, with
  // ‖Δe‖ ≤ δ‖f‖ ≤ δ(‖e‖ + ‖y‖) for the float32 forward pass.
  const modes = metrics.modes as number[];
  expect(modes).toHaveLength(ref.modes.length);
  const lam = ref.eigenvalues;
  modes.forEach((m, i) => {
    const gap = Math.min(i > 0 ? lam[i - 1]! - lam[i]! : Infinity, i + 1 < lam.length ? lam[i]! - lam[i + 1]! : Infinity);
    const tolerance = (Math.SQRT2 * epsK * norm(e)) / gap + DELTA * (norm(e) + ref.targetNorm);
    expect(Math.abs(m - ref.modes[i]!), `mode ${i} (gap ${gap})`).toBeLessThanOrEqual(tolerance);
  });
  // |Δ(yᵀKy)| ≤ εK‖y‖² and |Δ‖K‖_F| ≤ εK with alignment ≤ 1: |Δa| ≤ 2εK/‖K‖_F to first order.
  expect(Math.abs((metrics.alignment as number) - ref.alignment)).toBeLessThanOrEqual((2 * epsK) / ref.frobeniusNorm);
}

describe('ntk probe against an independent float64 computation', () => {
  // 1-4-1 tanh (13 parameters) on 6 points of [-1, 1): K is 6 × 6 and of full rank. initScale 2
  // makes the tanh units nonlinear enough that training moves the kernel.
  const x = grid(-1, 1, 6);
  const y = x.map((v) => Math.sin(Math.PI * v) + 0.3 * v);
  const config: HarnessConfig = { x, y, inputSize: 1, outputSize: 1, model: { hidden: [4], activation: 'tanh', initScale: 2 }, seed: 3 };

  it('at initialisation: eigenvalues, modes, alignment and weight norm of K = J Jᵀ; zero distances', async () => {
    const h = probeHarness({ ...config, probe: { modes: 6 } });
    try {
      const ref = reference(h, x, y);
      const metrics = await h.observe(0, { init: true });
      expectSpectrumMatches(metrics, referenceMeasures(ref.k, ref.k, ref.y, ref.e, 6), ref.e);
      // The distances compare the state with itself: 0 exactly (the kernel distance is evaluated
      // as ½‖K/‖K‖ − K₀/‖K₀‖‖², which has no rounding left when K = K₀).
      expect(metrics.kernel_distance).toBe(0);
      expect(metrics.param_distance).toBe(0);
      // ‖θ‖ from the same float32 values summed in float64 in another order: within a few ulps.
      expect(Math.abs((metrics.weight_norm as number) / norm(ref.theta) - 1)).toBeLessThanOrEqual(1e-14);
      expect(metrics.seconds).toBeGreaterThan(0);
    } finally {
      h.dispose();
    }
  });

  it('after training: kernel distance and parameter distance from the step-0 kernel and weights', async () => {
    const h = probeHarness({ ...config, probe: { modes: 6 } });
    try {
      const ref0 = reference(h, x, y);
      await h.observe(0, { init: true });
      h.gradientSteps(200, 0.5);
      const ref = reference(h, x, y);
      const metrics = await h.observe(200);
      const expected = referenceMeasures(ref.k, ref0.k, ref.y, ref.e, 6);
      expectSpectrumMatches(metrics, expected, ref.e);
      // Normalised kernels K̂ = K/‖K‖ carry errors ≤ η = 2εK/‖K‖_F each (εK bounds ‖ΔK‖_F), and
      // d = ½‖K̂ − K̂₀‖², so |Δd| ≤ ‖K̂ − K̂₀‖·2η + 2η² = √(2d)·2η + 2η².
      const initial = referenceMeasures(ref0.k, ref0.k, ref0.y, ref0.e, 0);
      const eta = Math.max((4 * DELTA * expected.trace) / expected.frobeniusNorm, (4 * DELTA * initial.trace) / initial.frobeniusNorm);
      const d = expected.kernelDistance;
      expect(Math.abs((metrics.kernel_distance as number) - d)).toBeLessThanOrEqual(Math.sqrt(2 * d) * 2 * eta + 2 * eta * eta);
      // The network has left the initial kernel: far above that error bound.
      expect(d).toBeGreaterThan(1e-3);
      expect(Math.sqrt(2 * d) * 2 * eta).toBeLessThan(d / 10);
      // θ and θ₀ are the same float32 numbers on both sides; only the float64 sums' order differs.
      const paramDistance = distance(ref.theta, ref0.theta) / norm(ref0.theta);
      expect(paramDistance).toBeGreaterThan(1e-2);
      expect(Math.abs((metrics.param_distance as number) / paramDistance - 1)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs((metrics.weight_norm as number) / norm(ref.theta) - 1)).toBeLessThanOrEqual(1e-14);
    } finally {
      h.dispose();
    }
  });

  it('its modes decay under one small gradient step as (1 − ηλ_i/n), the NTK picture with the mean loss', async () => {
    // L = (1/2n)‖e‖² gives Δθ = −(η/n) Jᵀe and Δe ≈ J Δθ = −(η/n) K e: along eigenvector i the
    // residual shrinks by (1 − ηλ_i/n) (PAPER.md's (1 − ηλ_i) is for the summed loss). The probe
    // measures each step in that step's eigenbasis, which turns by O(η/gap) per step; for the two
    // top modes, whose gaps are largest, the turn is a small part of the change (here under 10% of
    // it; the 1/n matters: without it the predicted change would be 6 times too large).
    const eta = 0.003;
    const h = probeHarness({ ...config, probe: { modes: 2 } });
    try {
      const before = await h.observe(0, { init: true });
      h.gradientSteps(1, eta);
      const after = await h.observe(1);
      const lam = before.eigenvalues as number[];
      for (const i of [0, 1]) {
        const m0 = (before.modes as number[])[i]!;
        const predicted = Math.abs(1 - (eta * lam[i]!) / x.length) * m0;
        const observed = (after.modes as number[])[i]!;
        expect(Math.abs(observed - predicted), `mode ${i}`).toBeLessThan(0.2 * Math.abs(m0 - predicted));
      }
    } finally {
      h.dispose();
    }
  });

  it('orders the rows of K sample-major (i·k + c) for several outputs, as y and e are flattened', async () => {
    // 2-3-2 tanh (17 parameters) on 5 samples: K is 10 × 10. A row order other than i·k + c would
    // pair K with the wrong targets and residuals: alignment and modes would not match.
    const x2 = [0.1, -0.7, 0.9, 0.3, -0.4, -0.8, 0.6, 0.55, -0.2, 0.05].map(Math.fround);
    const y2 = [1, -0.5, 0.2, 0.8, -1, 0.3, 0.6, -0.9, 0.1, 0.4];
    const h = probeHarness({ x: x2, y: y2, inputSize: 2, outputSize: 2, model: { hidden: [3], activation: 'tanh', initScale: 1.5 }, seed: 1, probe: { modes: 4 } });
    try {
      const ref = reference(h, x2, y2);
      const metrics = await h.observe(0, { init: true });
      const expected = referenceMeasures(ref.k, ref.k, ref.y, ref.e, 4);
      expectSpectrumMatches(metrics, expected, ref.e);
      // The pairing test has teeth: swapping the two outputs of every target changes the alignment
      // by far more than the allowed error.
      const swapped = Float64Array.from(ref.y, (_, i) => ref.y[i % 2 === 0 ? i + 1 : i - 1]!);
      const misaligned = referenceMeasures(ref.k, ref.k, swapped, ref.e, 0).alignment;
      expect(Math.abs(misaligned - expected.alignment)).toBeGreaterThan((100 * 2 * 2 * DELTA * expected.trace) / expected.frobeniusNorm);
    } finally {
      h.dispose();
    }
  });
});

describe('probe sets', () => {
  const x = grid(-1, 1, 8);
  const y = x.map((v) => Math.cos(2 * v));
  const base: HarnessConfig = { x, y, inputSize: 1, outputSize: 1, model: { hidden: [5], activation: 'tanh' }, seed: 2 };

  it("'train' reads the step's shared curvature; a subset makes its own context", async () => {
    const train = probeHarness(base);
    const first = probeHarness({ ...base, probe: { probeSet: { type: 'first', count: 3 } } });
    try {
      expect((await train.observe(0, { init: true })).curvatureCalls).toBe(1);
      expect((await first.observe(0, { init: true })).curvatureCalls).toBe(0);
    } finally {
      train.dispose();
      first.dispose();
    }
  });

  const subsets: [string, ProbeSet, number[]][] = [
    ['the first 3 samples', { type: 'first', count: 3 }, [0, 1, 2]],
    ['listed indices', { type: 'indices', indices: [5, 0, 3, 7] }, [5, 0, 3, 7]],
  ];
  for (const [label, probeSet, rows] of subsets) {
    it(`forms K on ${label}`, async () => {
      const h = probeHarness({ ...base, probe: { probeSet, modes: rows.length } });
      try {
        const metrics = await h.observe(0, { init: true });
        const ref = reference(h, x, y, rows);
        expectSpectrumMatches(metrics, referenceMeasures(ref.k, ref.k, ref.y, ref.e, rows.length), ref.e);
      } finally {
        h.dispose();
      }
    });
  }

  it('treats the whole training set in order as the training set (shared curvature)', async () => {
    const h = probeHarness({ ...base, probe: { probeSet: { type: 'first', count: 8 } } });
    try {
      expect((await h.observe(0, { init: true })).curvatureCalls).toBe(1);
    } finally {
      h.dispose();
    }
  });

  it('names the option when the probe set asks for samples the training set lacks', async () => {
    const tooMany = probeHarness({ ...base, probe: { probeSet: { type: 'first', count: 9 } } });
    const outside = probeHarness({ ...base, probe: { probeSet: { type: 'indices', indices: [1, 8] } } });
    try {
      await expect(tooMany.observe(0, { init: true })).rejects.toThrow("option 'probes.ntk.probeSet.count' is 9, but the training set has 8 samples");
      await expect(outside.observe(0, { init: true })).rejects.toThrow("option 'probes.ntk.probeSet.indices[1]' is 8, but the training set has 8 samples");
    } finally {
      tooMany.dispose();
      outside.dispose();
    }
  });

  it('says what is missing when a subset needs a curvature provider and the run has none', async () => {
    const h = probeHarness({ ...base, curvatureProvider: false, probe: { probeSet: { type: 'first', count: 3 } } });
    try {
      await expect(h.observe(0, { init: true })).rejects.toThrow(/needs a curvature provider .* register CURVATURE_PROVIDER/);
      // The training set needs none of its own: it reads the step's curvature.
      const train = probeHarness({ ...base, curvatureProvider: false });
      try {
        expect((await train.observe(0, { init: true })).eigenvalues).toHaveLength(8);
      } finally {
        train.dispose();
      }
    } finally {
      h.dispose();
    }
  });
});

describe('Lanczos beyond maxDense', () => {
  // 1-16-1 tanh on 24 points: K is 24 × 24; maxDense 10 sends it to Lanczos.
  const x = grid(-1, 1, 24);
  const y = x.map((v) => Math.sin(3 * v));
  const config: HarnessConfig = { x, y, inputSize: 1, outputSize: 1, model: { hidden: [16], activation: 'tanh', initScale: 2 }, seed: 5 };

  it('reports the topK largest eigenvalues and the modes of the top eigenvectors', async () => {
    const h = probeHarness({ ...config, probe: { maxDense: 10, topK: 3, modes: 2 } });
    try {
      const metrics = await h.observe(0, { init: true });
      const ref = reference(h, x, y);
      const expected = referenceMeasures(ref.k, ref.k, ref.y, ref.e, 2);
      const eigenvalues = metrics.eigenvalues as number[];
      expect(eigenvalues).toHaveLength(3);
      // Lanczos stops when every wanted Ritz pair has ‖K q − θ q‖ ≤ 1e-5·θ₁ (linalg's default), and
      // |θ − λ| ≤ ‖K q − θ q‖ for a unit q; the float32 copy of K adds 2⁻²⁴‖K‖_F, the device's
      // factors εK.
      const lam = expected.eigenvalues;
      const tolerance = 1e-5 * lam[0]! + 2 ** -24 * expected.frobeniusNorm + 2 * DELTA * expected.trace;
      eigenvalues.forEach((v, i) => expect(Math.abs(v - lam[i]!), `eigenvalue ${i}`).toBeLessThanOrEqual(tolerance));
      expect(metrics.lanczos_residual).toBeLessThanOrEqual(1e-5);
      // The Ritz vector's error is at most residual/gap (Davis-Kahan) plus float32 rounding of its entries.
      (metrics.modes as number[]).forEach((m, i) => {
        const gap = Math.min(i > 0 ? lam[i - 1]! - lam[i]! : Infinity, lam[i]! - lam[i + 1]!);
        expect(Math.abs(m - expected.modes[i]!), `mode ${i}`).toBeLessThanOrEqual((Math.SQRT2 * tolerance * norm(ref.e)) / gap + 1e-6 * norm(ref.e));
      });
      // The measures that need all of K are still exact on this route.
      expect(Math.abs((metrics.alignment as number) - expected.alignment)).toBeLessThanOrEqual((4 * 2 * DELTA * expected.trace) / expected.frobeniusNorm);
    } finally {
      h.dispose();
    }
  });
});

describe('tensor bookkeeping', () => {
  const x = grid(-1, 1, 10);
  const y = x.map((v) => v * v);
  it('keeps the number of live tensors constant over repeated observations, on every route', async () => {
    for (const probe of [{}, { probeSet: { type: 'first', count: 4 } as const }, { maxDense: 4, topK: 2 }]) {
      const h = probeHarness({ x, y, inputSize: 1, outputSize: 1, model: { hidden: [6] }, probe });
      try {
        await h.observe(0, { init: true });
        h.probe.getState();
        const before = tf.memory().numTensors;
        for (let s = 1; s <= 5; s++) {
          h.gradientSteps(1, 0.1);
          await h.observe(s);
          h.probe.getState();
        }
        expect(tf.memory().numTensors, JSON.stringify(probe)).toBe(before);
      } finally {
        h.dispose();
      }
    }
  });

  it('frees everything it holds on dispose', async () => {
    const h = probeHarness({ x, y, inputSize: 1, outputSize: 1, model: { hidden: [6] } });
    const before = tf.memory().numTensors;
    await h.observe(0, { init: true });
    h.probe.getState();
    // θ₀ (4 tensors) and K₀'s bit pattern (1 tensor) are what the probe keeps between observations.
    expect(tf.memory().numTensors).toBe(before + 5);
    h.probe.dispose();
    expect(tf.memory().numTensors).toBe(before);
    h.dispose();
  });
});

describe('options that shape the report', () => {
  const x = grid(-1, 1, 5);
  const y = x.map((v) => 2 * v);

  it('seconds: false leaves the wall time out; modes: 0 reports no modes', async () => {
    const h = probeHarness({ x, y, inputSize: 1, outputSize: 1, model: { hidden: [3] }, probe: { seconds: false, modes: 0 } });
    try {
      const metrics = await h.observe(0, { init: true });
      expect(Object.keys(metrics)).toEqual(['eigenvalues', 'modes', 'kernel_distance', 'alignment', 'param_distance', 'weight_norm', 'curvatureCalls']);
      expect(metrics.modes).toEqual([]);
      expect(metrics.eigenvalues).toHaveLength(5);
    } finally {
      h.dispose();
    }
  });

  it('rejects a state that is not its own, naming what it expects', () => {
    const h = probeHarness({ x, y, inputSize: 1, outputSize: 1, model: { hidden: [3] } });
    try {
      expect(() => h.probe.setState({ observations: 3 })).toThrow(
        "probe 'ntk': a saved state holds initialParameters (tensors), initialKernel (a tensor or null) and kernelSize (a number); got keys observations",
      );
    } finally {
      h.dispose();
    }
  });

  it('rejects a restored θ₀ that does not fit the model', async () => {
    const h = probeHarness({ x, y, inputSize: 1, outputSize: 1, model: { hidden: [3] } });
    try {
      h.probe.setState({ initialParameters: [tf.zeros([2, 2])], initialKernel: null, kernelSize: 0 });
      await expect(h.observe(1)).rejects.toThrow("probe 'ntk': its saved θ₀ has 1 tensors, the model 4 parameters; the checkpoint belongs to another model");
    } finally {
      h.dispose();
    }
  });
});

describe("PAPER.md's E1 spectrum", () => {
  it('resolves the NTK eigenvalues of the 1-80-80-1 tanh network at initialisation down to ~1e-13 of the largest', async () => {
    // PAPER.md, "Numerical facts" (NumPy, 100 points on [-1, 1)): relative to the largest, the
    // eigenvalues run 1, 5e-1, 1e-4, 3e-5, 2e-8, 4e-9, 4e-13. That is one draw of the initial
    // weights; over seeds 0-4 ours spread by up to 10× at the seventh, and seed 0 lies within a
    // factor 3 of every one. A float32 Gram would put noise at ~1e-7 in place of the last three.
    const x = grid(-1, 1, 100);
    const y = x.map((v) => [1, 2, 3].reduce((s, k) => s + (k / 3) * Math.sin((2 * k + 1) * Math.PI * v - k), 0));
    const h = probeHarness({ x, y, inputSize: 1, outputSize: 1, model: { hidden: [80, 80], activation: 'tanh' }, seed: 0, probe: { modes: 0 } });
    try {
      const lam = (await h.observe(0, { init: true })).eigenvalues as number[];
      expect(lam).toHaveLength(100);
      const paper = [1, 5e-1, 1e-4, 3e-5, 2e-8, 4e-9, 4e-13];
      paper.forEach((p, i) => {
        const ratio = lam[i]! / lam[0]! / p;
        expect(ratio, `λ_${i}/λ_0 = ${lam[i]! / lam[0]!} against ${p}`).toBeGreaterThan(1 / 3);
        expect(ratio, `λ_${i}/λ_0 = ${lam[i]! / lam[0]!} against ${p}`).toBeLessThan(3);
      });
    } finally {
      h.dispose();
    }
  });
});
