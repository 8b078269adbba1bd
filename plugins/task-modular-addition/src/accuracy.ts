import * as tf from '@tensorflow/tfjs-core';

/**
 * How many rows of `outputs` have their largest entry where `targets` has its largest (the class
 * of a one-hot target), as an int32 scalar. Ties go to the first index (tfjs `argMax`). The count
 * is exact, so `count / n` in float64 is the accuracy without float32 rounding.
 */
export function correctCount(outputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (outputs.shape[0] !== targets.shape[0] || outputs.shape[1] !== targets.shape[1]) {
    throw new RangeError(`correctCount: outputs [${outputs.shape.join(', ')}] and targets [${targets.shape.join(', ')}] must have the same shape`);
  }
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), tf.argMax(targets, 1)), 'int32')) as tf.Scalar);
}

/** Share of rows whose argmax matches the target's: `correctCount / n`, read from the device. */
export async function accuracy(outputs: tf.Tensor2D, targets: tf.Tensor2D): Promise<number> {
  const count = correctCount(outputs, targets);
  try {
    return (await count.data())[0]! / outputs.shape[0];
  } finally {
    count.dispose();
  }
}
