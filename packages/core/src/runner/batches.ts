import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../contracts/task.js';
import type { Rng } from '../rng/rng.js';

/** Minibatches drawn epoch by epoch from a reshuffled order; the state is plain data for checkpoints. */
export class BatchSampler {
  private order: number[] = [];
  private position = 0;

  constructor(
    private readonly size: number,
    private readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    if (batchSize > size) throw new RangeError(`batchSize ${batchSize} is larger than the training set (${size} samples)`);
  }

  /** Indices of the next batch. */
  next(): Int32Array {
    if (this.position + this.batchSize > this.order.length) {
      this.order = Array.from(this.rng.permutation(this.size));
      this.position = 0;
    }
    const out = Int32Array.from(this.order.slice(this.position, this.position + this.batchSize));
    this.position += this.batchSize;
    return out;
  }

  /** The batch's tensors (the caller owns them). */
  gather(data: Dataset): Dataset {
    const idx = this.next();
    return tf.tidy(() => {
      const i = tf.tensor1d(idx, 'int32');
      return { x: tf.gather(data.x, i) as tf.Tensor2D, y: tf.gather(data.y, i) as tf.Tensor2D };
    });
  }

  getState() {
    return { order: this.order, position: this.position, rng: this.rng.getState() };
  }

  setState(s: ReturnType<BatchSampler['getState']>) {
    this.order = [...s.order];
    this.position = s.position;
    this.rng.setState(s.rng);
  }
}
