import { matMul64, matMulTransposed64, type Matrix64 } from '@precond/linalg';

/**
 * `max_ij |(R^p (X + εI) − I)_ij|` for a symmetric candidate root `R` (row-major `n × n`): the
 * residual linalg's `inverseRootResidual64` defines, in about half its work.
 *
 * `inverseRootResidual64` multiplies by `R` p times (4 full products for p = 4). Here `R^p` is
 * formed by repeated squaring, and a square of a symmetric matrix is `R Rᵀ`, which linalg's
 * `matMulTransposed64` computes from one triangle (n³/2 multiply-adds); for p = 4 that is
 * n³/2 + n³/2 for `R⁴` and n³ for `R⁴(X + εI)`, 2n³ against 4n³. `R` must be exactly symmetric,
 * as `inverseRootEigh`'s roots are (it mirrors the lower triangle).
 */
export function symmetricRootResidual(r: Matrix64, x: Matrix64, p: number, epsilon: number): number {
  const n = r.rows;
  let power: Matrix64 | null = null;
  let base = r;
  for (let e = p; e > 0; e >>= 1) {
    if (e & 1) power = power ? matMul64(power, base) : base;
    if (e > 1) base = matMulTransposed64(base);
  }
  const shifted: Matrix64 = { rows: n, cols: n, data: x.data.slice() };
  for (let i = 0; i < n; i++) shifted.data[i * n + i]! += epsilon;
  const product = matMul64(power!, shifted);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = Math.abs(product.data[i * n + j]! - (i === j ? 1 : 0));
      // A NaN must not be lost to Math.max's comparison order: it is the answer.
      if (Number.isNaN(v)) return Number.NaN;
      if (v > worst) worst = v;
    }
  }
  return worst;
}
