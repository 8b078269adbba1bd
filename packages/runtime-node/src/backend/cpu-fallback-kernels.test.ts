import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WASM_CPU_FALLBACK_KERNELS } from '@precond/core';
import { useBackend } from './select-backend.js';

describe('cpu fallback kernels on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  /** Runs `f` on wasm and checks that neither wasm tensors nor the cpu copies outlive it. */
  async function noLeak<T>(f: () => Promise<T>): Promise<T> {
    const cpu = tf.findBackend('cpu')!;
    const tensors = tf.memory().numTensors;
    const cpuData = cpu.numDataIds();
    const result = await f();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(cpu.numDataIds()).toBe(cpuData);
    return result;
  }

  it('registers every listed kernel for wasm', () => {
    for (const name of WASM_CPU_FALLBACK_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
  });

  it("gives gather's gradient: upstream rows summed into the gathered rows", async () => {
    // x is 3×2 and rows [2, 0, 2] are gathered; with upstream u = [[1,2],[3,4],[5,6]] the
    // gradient of Σ u ⊙ gather(x) is row 0 ← u₁ = [3,4], row 1 ← 0, row 2 ← u₀ + u₂ = [6,8].
    const grad = await noLeak(async () => {
      const g = tf.tidy(() => {
        const x = tf.zeros([3, 2]);
        const rows = tf.tensor1d([2, 0, 2], 'int32');
        const u = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
        return tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, rows), u)))([x])[0]!;
      });
      expect(tf.getBackend()).toBe('wasm');
      const values = await g.array();
      g.dispose();
      return values;
    });
    expect(grad).toEqual([[3, 4], [0, 0], [6, 8]]);
  });

  it("gives conv2d's and depthwiseConv2d's filter and input gradients", async () => {
    // A 1×1 filter w over x = [1,2,3,4] (2×2, one channel): y = w·x, so d Σy / dw = Σx = 10 and
    // d Σy / dx = w = 3 at every pixel.
    const [convFilter, depthFilter, depthInput] = await noLeak(async () => {
      const outs = tf.tidy(() => {
        const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
        const w = tf.tensor4d([3], [1, 1, 1, 1]);
        const sumConv = (f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'valid'));
        const [gConv] = tf.grads(sumConv)([w]);
        const [gx, gw] = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
          tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')),
        )([x, w]);
        return [gConv!, gw!, gx!];
      });
      const values = await Promise.all(outs.map((t) => t.data()));
      tf.dispose(outs);
      return values.map((v) => Array.from(v));
    });
    expect(convFilter).toEqual([10]);
    expect(depthFilter).toEqual([10]);
    expect(depthInput).toEqual([3, 3, 3, 3]);
  });

  it('runs einsum (variadic inputs)', async () => {
    // 'ij,jk->ik' is the matrix product: [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]].
    const product = await noLeak(async () => {
      const c = tf.tidy(() => tf.einsum('ij,jk->ik', tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])));
      const values = await c.array();
      c.dispose();
      return values;
    });
    expect(product).toEqual([[19, 22], [43, 50]]);
  });
});
