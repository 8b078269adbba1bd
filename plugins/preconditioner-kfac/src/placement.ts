import * as tf from '@tensorflow/tfjs-core';

/**
 * Where K-FAC's dense products run: the factor products `ãᵀã/n`, `gᵀg/n` and the preconditioned
 * gradient `A⁻¹ X G⁻¹`. On tfjs's `cpu` backend tensors already live in JavaScript memory and its
 * float32 matMul is the slowest path there is (about 0.8 GFLOP/s for 512², runtime-node README),
 * while linalg's float64 NT kernel runs at 4.6 (JavaScript) to 19 GFLOP/s (wasm SIMD): the
 * products run on the host, in float64. Every other backend (wasm's XNNPACK matMul, GPUs) runs
 * them on the device in float32 and reads back only the `[d, d]` factors; measured on wasm here,
 * `transpose(a)·a` for a `[200, 785]` batch took 15 ms against 82 ms for the host float64 Gram
 * (2 cores under load; README, "Benchmark").
 */
export function productsOnHost(): boolean {
  return tf.getBackend() === 'cpu';
}
