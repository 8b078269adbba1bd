import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BROWSER_AUTO_ORDER, selectBrowserBackend } from './select-backend.js';

// These tests run in Node, where there is no WebGPU and no WebGL: they check the detection, the
// fallbacks and the messages. The real WebGPU path is exercised in Chromium by @precond/playground's
// browser test.
interface Host {
  navigator?: { gpu?: unknown };
}
const host = globalThis as unknown as Host;
const hadGpu = host.navigator !== undefined && 'gpu' in host.navigator;

describe('selectBrowserBackend', () => {
  beforeEach(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(async () => {
    if (!hadGpu && host.navigator) delete host.navigator.gpu;
    await tf.setBackend('cpu');
  });

  it('gives cpu when asked, checked against itself', async () => {
    const info = await selectBrowserBackend('cpu');
    expect(info).toMatchObject({ name: 'cpu', version: tf.version_core, package: '@tensorflow/tfjs-backend-cpu', request: 'cpu' });
    expect(info.candidates).toEqual([{ name: 'cpu', available: true, passed: true, checkMs: expect.any(Number) }]);
  });

  it('gives wasm when asked: it loads, registers the kernels wasm lacks, and passes the check', async () => {
    const tensors = tf.memory().numTensors;
    const info = await selectBrowserBackend('wasm');
    expect(info).toMatchObject({ name: 'wasm', version: '4.22.0', package: '@tensorflow/tfjs-backend-wasm' });
    expect(info.candidates[0]).toMatchObject({ name: 'wasm', available: true, passed: true });
    expect(tf.getBackend()).toBe('wasm');
    // gather's gradient runs UnsortedSegmentSum, which tfjs-backend-wasm 4.22 does not implement.
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('without navigator.gpu: no webgpu, with a message that says what WebGPU needs', async () => {
    expect(hadGpu).toBe(false); // Node 20 has no navigator.gpu; a later Node with one needs this test revisited
    await expect(selectBrowserBackend('webgpu')).rejects.toThrow(
      "backend 'webgpu': navigator.gpu is missing: this context has no WebGPU. WebGPU needs a browser that ships it",
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('with navigator.gpu but no adapter (Chromium on Linux without --enable-unsafe-webgpu): no webgpu, and says why', async () => {
    host.navigator ??= {};
    Object.defineProperty(host.navigator, 'gpu', { value: { requestAdapter: async () => null }, configurable: true });
    await expect(selectBrowserBackend('webgpu')).rejects.toThrow(
      "backend 'webgpu': navigator.gpu.requestAdapter() returned no adapter (WebGPU is disabled or no GPU is usable). ",
    );
    await expect(selectBrowserBackend('webgpu')).rejects.toThrow('Chromium on Linux also needs --enable-unsafe-webgpu');
    expect(tf.findBackendFactory('webgpu')).toBeNull();
  });

  it('outside a page or worker: no webgl, and says why', async () => {
    await expect(selectBrowserBackend('webgl')).rejects.toThrow(
      "backend 'webgl': not registered; @tensorflow/tfjs-backend-webgl registers only in a page or a worker",
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('auto: tries webgpu, webgl, wasm, cpu in that order and takes the first that passes (wasm, in Node)', async () => {
    expect(BROWSER_AUTO_ORDER).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    const info = await selectBrowserBackend('auto');
    expect(info.name).toBe('wasm');
    expect(info.request).toBe('auto');
    expect(info.candidates.map((c) => [c.name, c.available, c.passed])).toEqual([
      ['webgpu', false, undefined],
      ['webgl', false, undefined],
      ['wasm', true, true],
      ['cpu', true, undefined],
    ]);
    expect(info.candidates[3]!.reason).toBe("not tried: 'wasm' comes first and passed");
    expect(tf.getBackend()).toBe('wasm');
  });

  it('with check: false, skips the conformance check', async () => {
    const info = await selectBrowserBackend('wasm', { check: false });
    expect(info.candidates).toEqual([{ name: 'wasm', available: true }]);
  });

  it('refuses an unknown backend, listing the valid ones', async () => {
    await expect(selectBrowserBackend('tensorflow' as never)).rejects.toThrow("unknown backend 'tensorflow'; valid backends: auto, webgpu, webgl, wasm, cpu");
  });
});
