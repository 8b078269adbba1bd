import { inverseRootEigh, inverseRootResidual64, matrix64 } from '@precond/linalg';
import { describe, expect, it } from 'vitest';
import { symmetricRootResidual } from './root-residual.js';
import { eye, lcg, matmul, rootResidual, scale, transpose, type Mat } from './test-support/reference.js';

const flat = (a: Mat) => matrix64(a.length, a.length, Float64Array.from(a.flat()));

/** An SPD matrix `B Bᵀ + 0.1 I` from LCG numbers. */
function spd(n: number, seed: number): Mat {
  const next = lcg(seed);
  const b = Array.from({ length: n }, () => Array.from({ length: n }, () => next()));
  const x = matmul(b, transpose(b));
  return x.map((row, i) => row.map((v, j) => v + (i === j ? 0.1 : 0)));
}

describe('symmetricRootResidual', () => {
  it('equals linalg’s p-product residual for p = 1…5', () => {
    const x = spd(12, 7);
    for (let p = 1; p <= 5; p++) {
      const { root } = inverseRootEigh(flat(x), p, { epsilon: 1e-3, residual: false });
      const ours = symmetricRootResidual(root, flat(x), p, 1e-3);
      const linalg = inverseRootResidual64(root, flat(x), p, 1e-3);
      const reference = rootResidual(
        Array.from({ length: 12 }, (_, i) => Array.from(root.data.slice(i * 12, (i + 1) * 12))),
        x,
        p,
        1e-3,
      );
      // Three evaluation orders of the same residual: they differ by rounding, at most a few
      // ulps of the products' size (here all below 1e-12), never in what they measure.
      expect(Math.abs(ours - linalg)).toBeLessThan(1e-12);
      expect(Math.abs(ours - reference)).toBeLessThan(1e-12);
      expect(ours).toBeLessThan(1e-10);
    }
  });

  it('measures how far a wrong root is: R = 2·X^{-1/4} gives 2⁴ − 1 = 15 on the diagonal', () => {
    // (2R)⁴X = 16·I for the exact root R, so every diagonal entry of (2R)⁴X − I is 15.
    const x = spd(6, 3);
    const { root } = inverseRootEigh(flat(x), 4, { residual: false });
    const doubled = matrix64(6, 6, root.data.map((v) => 2 * v));
    expect(symmetricRootResidual(doubled, flat(x), 4, 0)).toBeCloseTo(15, 8);
  });

  it('returns NaN for a root holding NaN', () => {
    const r = flat(scale(eye(3), 1));
    r.data[4] = Number.NaN;
    expect(symmetricRootResidual(r, flat(eye(3)), 2, 0)).toBeNaN();
  });
});
