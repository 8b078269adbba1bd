/**
 * The paper's learning-rate convention for E3 (PAPER.md, Fig. 5): gradient descent runs at
 * `η = η₀/α²` (GD: η₀ = 100). The loss is divided by α² and the output scaled by α², so without
 * this factor a larger α would also change the step size and confound the laziness knob with it.
 *
 * @param eta0 the base rate η₀ > 0 (100 in the paper).
 * @param alpha the task's α > 0.
 * @returns `eta0 / alpha²`.
 *
 * @example
 *   variants: { gd: { optimizer: sgd({ lr: paperLearningRate(100, alpha) }) } }
 */
export function paperLearningRate(eta0: number, alpha: number): number {
  if (!(Number.isFinite(eta0) && eta0 > 0)) throw new RangeError(`paperLearningRate: eta0 must be a finite number > 0, got ${eta0}`);
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new RangeError(`paperLearningRate: alpha must be a finite number > 0, got ${alpha}`);
  return eta0 / alpha ** 2;
}
