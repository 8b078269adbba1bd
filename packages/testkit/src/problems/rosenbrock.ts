import * as tf from '@tensorflow/tfjs-core';
import { mseLoss } from '@precond/core';
import { FunctionModel } from './function-model.js';
import { makeProblem, type Problem } from './problem.js';

/** Where the Rosenbrock problem starts (the classic point of Rosenbrock, 1960). */
export const ROSENBROCK_START = [-1.2, 1] as const;
/** Its minimiser. */
export const ROSENBROCK_OPTIMUM = [1, 1] as const;

/**
 * Rosenbrock's function as least squares: one parameter `rosenbrock/theta` of shape `[2]`, and
 * residuals `r1 = 10(θ2 - θ1²)`, `r2 = 1 - θ1`. The model's output on the two one-hot samples
 * `x = I₂` is `f = [10(θ2 - θ1²), -θ1]` and the targets are `y = [0, -1]`, so `f - y = r` and the
 * MSE loss is `L = (r1² + r2²)/4 = ((1 - θ1)² + 100(θ2 - θ1²)²)/4`, a quarter of Rosenbrock's
 * function: 6.05 at the start `(-1.2, 1)` and 0 at `(1, 1)`, in a curved, narrow valley
 * (Hessian eigenvalues at the minimum ≈ 250 and 0.1).
 */
export function rosenbrockProblem(): Problem {
  const model = new FunctionModel(
    [{ name: 'rosenbrock/theta', shape: [2], initial: [...ROSENBROCK_START] }],
    ([theta], input) => {
      const [t1, t2] = tf.unstack(theta!);
      const residualMap = tf.stack([tf.mul(tf.sub(t2!, tf.square(t1!)), 10), tf.neg(t1!)]);
      return tf.matMul(input, tf.reshape(residualMap, [2, 1]));
    },
  );
  return makeProblem({
    name: 'rosenbrock',
    model,
    data: { x: tf.tensor2d([[1, 0], [0, 1]]), y: tf.tensor2d([[0], [-1]]) },
    loss: mseLoss(),
    initial: [...ROSENBROCK_START],
    optimum: [...ROSENBROCK_OPTIMUM],
  });
}
