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
