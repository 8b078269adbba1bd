import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { deviceInverseRoot, eighResidualLimit, hostInverseRoot, type RootSettings } from './inverse-root.js';
import { inverseRoot, lcg, matmul, maxAbsDiff, rootResidual, transpose, type Mat } from './test-support/reference.js';

const settings = (over: Partial<RootSettings> = {}): RootSettings => ({
  method: 'eigh',
  exponent: 4,
  epsilon: 1e-12,
  maxResidual: 0.1,
  newtonTolerance: 1e-6,
  newtonMaxIterations: 100,
  ...over,
});

/** `B Bᵀ` for an n × k matrix B of LCG numbers: rank min(n, k). */
function gram(n: number, k: number, seed: number): Mat {
  const next = lcg(seed);
  const b = Array.from({ length: n }, () => Array.from({ length: k }, () => Math.fround(next())));
  return matmul(b, transpose(b));
}
const host = (x: Mat) => ({ rows: x.length, cols: x.length, data: Float64Array.from(x.flat()) });
const asMat = (data: ArrayLike<number>, n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => data[i * n + j]!));

describe('eighResidualLimit', () => {
  it('is maxRootResidual for a well-conditioned PSD matrix', () => {
    // η = n·u·λ_max = 2·2⁻⁵³·4 ≈ 8.9e-16 and 10·η/λ_min = 8.9e-15 < 0.1.
    expect(eighResidualLimit(Float64Array.of(4, 1), 0, 0.1)).toBe(0.1);
  });

  it('grows with the clamped negative eigenvalue over λ_min + ε', () => {
    // λ = (1, −1e-6), ε = 1e-12: η = 2·2⁻⁵³·1 + 1e-6, limit = 10·η / (0 + 1e-12).
    const expected = (10 * (2 * 2 ** -53 + 1e-6)) / 1e-12;
    expect(eighResidualLimit(Float64Array.of(1, -1e-6), 1e-12, 0.1)).toBeCloseTo(expected, -2);
  });
});

describe('inverse roots', () => {
  it('eigh and Newton agree on a full-rank statistic, on the host and on the device', async () => {
    // Sixty samples in six dimensions: κ(X) ≈ ((1+√0.1)/(1−√0.1))² ≈ 3.7 (Marchenko–Pastur), well
    // inside what float32 Newton resolves.
    const x = gram(6, 60, 1);
    const reference = inverseRoot(x, 4, 1e-12);
    const eigh = await hostInverseRoot(host(x), settings());
    const newton = await hostInverseRoot(host(x), settings({ method: 'newton' }));
    const xt = tf.tensor2d(x.flat(), [6, 6]);
    const devEigh = await deviceInverseRoot(xt, settings());
    const devNewton = await deviceInverseRoot(xt, settings({ method: 'newton' }));
    expect(eigh.ok && newton.ok && devEigh.ok && devNewton.ok).toBe(true);
    if (!eigh.ok || !newton.ok || !devEigh.ok || !devNewton.ok) return;
    const scale = Math.max(...reference.flat().map(Math.abs));
    // eigh in float64 against Jacobi in float64: rounding only (1e-10 of the largest entry).
    expect(maxAbsDiff(asMat(eigh.root, 6), reference)).toBeLessThan(1e-10 * scale);
    // Newton runs in float32 and the device eigh root is rounded to float32: 1e-4 of the largest
    // entry is about 100 float32 ulps, ample for a float32 iteration on κ ≈ 4.
    expect(maxAbsDiff(asMat(newton.root, 6), reference)).toBeLessThan(1e-4 * scale);
    expect(maxAbsDiff(asMat(devEigh.root.dataSync(), 6), reference)).toBeLessThan(1e-6 * scale);
    expect(maxAbsDiff(asMat(devNewton.root.dataSync(), 6), reference)).toBeLessThan(1e-4 * scale);
    // The reported residual is max|R⁴(X + εI) − I|: recomputed here with plain products for eigh,
    // and at most the tolerance-level float32 value Newton's iteration tracks.
    expect(Math.abs(eigh.residual - rootResidual(asMat(eigh.root, 6), x, 4, 1e-12))).toBeLessThan(1e-12);
    expect(eigh.residual).toBeLessThan(1e-10);
    expect(newton.residual).toBeLessThan(1e-5);
    tf.dispose([xt, devEigh.root, devNewton.root]);
  });

  it('reports why a root is rejected instead of throwing', async () => {
    // NaN in the statistic.
    const bad = host(gram(3, 3, 2));
    bad.data[4] = Number.NaN;
    const nan = await hostInverseRoot(bad, settings());
    expect(nan.ok).toBe(false);
    expect(!nan.ok && nan.reason).toMatch(/NaN or Inf/);
    // A zero statistic with ε = 0: X + εI is singular.
    const singular = await hostInverseRoot(host([[0, 0, 0], [0, 0, 0], [0, 0, 0]]), settings({ epsilon: 0 }));
    expect(!singular.ok && singular.reason).toMatch(/singular/);
    // Newton in float32 on a rank-2 statistic in 8 dimensions with ε = 1e-12: κ ≈ 1e12 is far beyond
    // float32 and the iteration stalls with max|M − I| near 1 (measured 0.86 for rank 20 of 80).
    const stalled = await hostInverseRoot(host(gram(8, 2, 4)), settings({ method: 'newton' }));
    expect(!stalled.ok && stalled.reason).toMatch(/Newton iteration after \d+ iterations: residual .* exceeds maxRootResidual 1\.000e-1/);
    const xt = tf.tensor2d(gram(8, 2, 4).flat(), [8, 8]);
    const device = await deviceInverseRoot(xt, settings({ method: 'newton' }));
    expect(device.ok).toBe(false);
    const inf = tf.tensor2d([Infinity, 0, 0, 1], [2, 2]);
    for (const method of ['eigh', 'newton'] as const) {
      const out = await deviceInverseRoot(inf, settings({ method }));
      expect(!out.ok && out.reason).toMatch(/NaN or Inf/);
    }
    tf.dispose([xt, inf]);
  });
});
