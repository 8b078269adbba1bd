/**
 * @precond/linalg: the linear algebra the curvature-aware optimizers stand on.
 *
 * Dense float64 on the CPU (`Matrix64`, row-major): Cholesky with jitter, triangular and Cholesky
 * solves, triangular and SPD inverses, symmetric eigendecomposition, PSD pseudo-inverse, float64
 * Gram matrices from float32 data, inverse p-th roots. On tfjs tensors (float32, any backend):
 * conjugate gradients and Lanczos (its basis in float64 on the CPU) on operators over
 * parameter-shaped tensor lists, and the coupled Newton inverse p-th root.
 */
export * from './matrix64.js';
export * from './cholesky.js';
export * from './triangular-solve.js';
export * from './cholesky-solve.js';
export * from './spd-inverse.js';
export * from './eigh.js';
export { eighTridiagonal, type TridiagonalEigen } from './tridiagonal-eigen.js';
export * from './pinv.js';
export * from './gram64.js';
export * from './tensor-matrix64.js';
export { listDots, type LinearOperator } from './tensor-list.js';
export * from './conjugate-gradient.js';
export * from './lanczos.js';
export { inverseRootEigh, inverseRootResidual64, type InverseRoot64, type InverseRootEighOptions } from './inverse-root-eigh.js';
export * from './inverse-root-newton.js';
