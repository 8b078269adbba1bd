import * as tf from '@tensorflow/tfjs-core';

export interface MeasureMatMulOptions {
  /** Side of the square matrices (default 512). */
  readonly size?: number;
  /** Keep repeating until this much time has passed (default 0.3 s), so short products are not timed once. */
  readonly minSeconds?: number;
}

/**
 * Speed of a float32 `size × size` matMul on the active backend, in GFLOP/s (2·size³ flops per
 * product). One product runs first, untimed, to leave out kernel compilation and warm-up; each
 * timed product is read back with `data()` so asynchronous backends are timed to completion.
 *
 * @example
 * await useBackend('wasm');
 * console.log(`${(await measureMatMulGflops()).toFixed(1)} GFLOP/s`);
 */
export async function measureMatMulGflops(options: MeasureMatMulOptions = {}): Promise<number> {
  const size = options.size ?? 512;
  const minSeconds = options.minSeconds ?? 0.3;
  if (!Number.isInteger(size) || size < 1) throw new Error(`measureMatMulGflops: size must be a positive integer, got ${size}`);
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  try {
    const product = async () => {
      const c = tf.matMul(a, b);
      try {
        await c.data();
      } finally {
        c.dispose();
      }
    };
    await product();
    let reps = 0;
    const start = performance.now();
    let seconds = 0;
    while (reps < 1 || seconds < minSeconds) {
      await product();
      reps++;
      seconds = (performance.now() - start) / 1000;
    }
    return (2 * size ** 3 * reps) / seconds / 1e9;
  } finally {
    a.dispose();
    b.dispose();
  }
}
