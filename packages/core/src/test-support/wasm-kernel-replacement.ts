import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** `n` fixed values in [-1, 1) from a 32-bit LCG (Numerical Recipes constants). */
export function fixedValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A tensor of `shape` with fixed values: floats in [-1, 1), int32 thousandths of them, or their signs as bools. */
export function fixedTensor(shape: readonly number[], dtype: 'float32' | 'int32' | 'bool', seed: number): tf.Tensor {
  const raw = fixedValues(shape.reduce((p, d) => p * d, 1), seed);
  if (dtype === 'float32') return tf.tensor(raw, [...shape]);
  return tf.tensor(Int32Array.from(raw, (v) => (dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 1000))), [...shape], dtype);
}

/**
 * `evaluate` on wasm (the suite's backend, with the replacement) and then on tfjs's own cpu kernels,
 * an independent implementation to compare against; the suite is back on wasm afterwards.
 */
export async function onWasmThenCpu<T>(evaluate: () => T): Promise<{ wasm: T; cpu: T }> {
  const wasm = evaluate();
  await tf.setBackend('cpu');
  try {
    return { wasm, cpu: evaluate() };
  } finally {
    await tf.setBackend('wasm');
  }
}

/**
 * The shared part of the tests of a kernel that replaces one of wasm's (`register(backendName)`
 * returns whether it replaced `kernelName`): switches the suite to wasm with the replacement
 * registered (and back afterwards), and checks that a second registration changes nothing and that
 * a backend without the kernel is refused. Call inside a `describe`.
 */
export function wasmKernelReplacementSuite(kernelName: string, register: (backendName: string) => boolean): void {
  let previous: string;
  beforeAll(async () => {
    previous = tf.getBackend();
    // The shared test setup loads @precond/runtime-node, which registers the wasm backend.
    expect(tf.findBackendFactory('wasm'), "the wasm backend must be registered (the test setup loads '@precond/runtime-node')").not.toBeNull();
    await tf.setBackend('wasm');
    register('wasm');
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  it('is registered once: a second call changes nothing', () => {
    const kernel = tf.getKernel(kernelName, 'wasm');
    expect(kernel).toBeDefined();
    expect(register('wasm')).toBe(false);
    expect(tf.getKernel(kernelName, 'wasm')).toBe(kernel);
  });

  it(`refuses a backend without a ${kernelName} kernel`, () => {
    expect(register('no-such-backend')).toBe(false);
  });
}

/**
 * The checks of a kernel that only copies values (gather, tile): on every case it gives exactly the
 * cpu kernel's shapes and values, bit for bit, and three rounds of all cases leave no tensor and no
 * wasm buffer behind. Call inside the `describe` of `wasmKernelReplacementSuite`.
 */
export function copyKernelChecks<C extends { readonly name: string }>(cases: readonly C[], evaluate: (c: C, seed: number) => { shape: number[]; values: number[] }): void {
  it('gives exactly the cpu kernel’s values and shapes for every case', async () => {
    const { wasm, cpu } = await onWasmThenCpu(() => cases.map((c, i) => evaluate(c, 100 + i)));
    cases.forEach((c, i) => {
      expect(wasm[i]!.shape, c.name).toEqual(cpu[i]!.shape);
      expect(wasm[i]!.values, c.name).toEqual(cpu[i]!.values);
    });
  });

  it('leaves no tensor and no wasm buffer behind', () => {
    const backend = tf.findBackend('wasm')!;
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let round = 0; round < 3; round++) for (const [i, c] of cases.entries()) evaluate(c, i);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
}
