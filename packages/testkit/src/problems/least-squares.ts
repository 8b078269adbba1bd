import * as tf from '@tensorflow/tfjs-core';
import { mseLoss } from '@precond/core';
import { FunctionModel } from './function-model.js';
import { makeProblem, type Problem } from './problem.js';

/** Eigenvalues of the kernel block of the least-squares Hessian; the bias block adds one more 1. */
export const LEAST_SQUARES_EIGENVALUES = [1, 0.3, 0.1] as const;

/**
 * The rotation of the kernel block: `V = (1/3)[[1,2,2],[2,1,-2],[2,-2,1]]` is symmetric and
 * orthogonal (its rows are orthonormal), so the Hessian's eigenvectors are not the coordinate axes
 * and a diagonal preconditioner cannot solve the problem exactly.
 */
export const LEAST_SQUARES_ROTATION: readonly (readonly number[])[] = [
  [1 / 3, 2 / 3, 2 / 3],
  [2 / 3, 1 / 3, -2 / 3],
  [2 / 3, -2 / 3, 1 / 3],
];

/** The minimiser: kernel `[1, -2, 0.5]`, bias `0.5`. */
export const LEAST_SQUARES_OPTIMUM = [1, -2, 0.5, 0.5] as const;

/**
 * The four inputs `X = Q S V` (float64, before rounding to float32): `Q`'s columns are the three
 * non-constant Hadamard vectors of length 4 divided by 2 (orthonormal and orthogonal to the ones
 * vector), `S = diag(2·sqrt(λ))`. Then `XᵀX/4 = Vᵀ diag(λ) V` and `Xᵀ1 = 0`.
 */
export function leastSquaresInputs(): number[][] {
  const q = [
    [1, 1, 1],
    [-1, 1, -1],
    [1, -1, -1],
    [-1, -1, 1],
  ].map((row) => row.map((v) => v / 2));
  const s = LEAST_SQUARES_EIGENVALUES.map((l) => 2 * Math.sqrt(l));
  return q.map((row) => [0, 1, 2].map((j) => row.reduce((acc, qik, k) => acc + qik * s[k]! * LEAST_SQUARES_ROTATION[k]![j]!, 0)));
}

/**
 * A convex quadratic with condition number 10: linear least squares `f(x) = x W + b` (kernel
 * `[3, 1]`, bias `[1]`) on four samples, with MSE `L = (1/8) Σ (f_i - y_i)²`.
 *
 * Its Hessian is block-diagonal: `XᵀX/4 = Vᵀ diag(1, 0.3, 0.1) V` for the kernel and `1ᵀ1/4 = 1`
 * for the bias (the cross block `Xᵀ1/4` is 0), so its eigenvalues are {1, 1, 0.3, 0.1}. Targets
 * are `y = X W* + b*` for `W* = [1, -2, 0.5]`, `b* = 0.5`, so the minimum is 0 at `(W*, b*)`. It
 * starts at 0, a distance `sqrt(5.5) ≈ 2.345` away. Gradient descent with step `η ≤ 1` contracts
 * the error by `1 - 0.1η` per step along the slowest direction.
 */
export function leastSquaresProblem(): Problem {
  const x = leastSquaresInputs();
  const [w0, w1, w2, b] = LEAST_SQUARES_OPTIMUM;
  const y = x.map((row) => row[0]! * w0 + row[1]! * w1 + row[2]! * w2 + b);
  const model = new FunctionModel(
    [
      { name: 'linear/kernel', shape: [3, 1], initial: [0, 0, 0] },
      { name: 'linear/bias', shape: [1], initial: [0] },
    ],
    ([kernel, bias], input) => tf.add(tf.matMul(input, kernel as tf.Tensor2D), bias!) as tf.Tensor2D,
    [
      {
        layer: 'linear',
        params: ['linear/kernel', 'linear/bias'],
        inputs: (input) => tf.tidy(() => tf.concat([input, tf.ones([input.shape[0], 1])], 1) as tf.Tensor2D),
      },
    ],
  );
  return makeProblem({
    name: 'least-squares',
    model,
    data: { x: tf.tensor2d(x), y: tf.tensor2d(y, [4, 1]) },
    loss: mseLoss(),
    initial: [0, 0, 0, 0],
    optimum: [...LEAST_SQUARES_OPTIMUM],
  });
}
