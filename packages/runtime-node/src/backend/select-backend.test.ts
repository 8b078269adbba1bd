import { rmSync } from 'node:fs';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AUTO_ORDER, BACKEND_REQUESTS, selectBackend, useBackend, type BackendRequest } from './select-backend.js';
import { installedHere, projectWithPackages } from './test-support/fake-packages.js';

const tfjsNodeInstalled = installedHere('@tensorflow/tfjs-node') || installedHere('@tensorflow/tfjs-node-gpu');

/**
 * Replaces wasm's Sin kernel with its Cos kernel until the returned function is called: a wasm
 * backend that is installed and initialises but computes one op wrongly.
 */
function breakWasmSin(): () => void {
  const sin = tf.getKernel('Sin', 'wasm')!;
  const cos = tf.getKernel('Cos', 'wasm')!;
  tf.unregisterKernel('Sin', 'wasm');
  tf.registerKernel({ ...sin, kernelFunc: cos.kernelFunc });
  return () => {
    tf.unregisterKernel('Sin', 'wasm');
    tf.registerKernel(sin);
  };
}

describe('selectBackend', () => {
  const project = projectWithPackages({
    // A tfjs-node whose native library is missing fails like this while loading.
    '@tensorflow/tfjs-node': {
      version: '4.22.0',
      source: "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');",
    },
  });
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    while (cleanups.length > 0) cleanups.pop()!();
    await useBackend('cpu');
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('cpu: switches to it, checked, with its package version', async () => {
    await useBackend('wasm');
    const info = await selectBackend('cpu');
    expect(info).toEqual({ name: 'cpu', version: version_cpu, package: '@tensorflow/tfjs-backend-cpu', request: 'cpu', candidates: [{ name: 'cpu', available: true, passed: true }] });
    expect(info.version).toBe(tf.version_core);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('wasm: switches to it, checked, with its package version', async () => {
    const tensors = tf.memory().numTensors;
    const info = await selectBackend('wasm');
    expect(info).toEqual({ name: 'wasm', version: version_wasm, package: '@tensorflow/tfjs-backend-wasm', request: 'wasm', candidates: [{ name: 'wasm', available: true, passed: true }] });
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('auto: tries tensorflow, wasm, cpu in that order and takes the first that passes', async () => {
    const info = await selectBackend('auto');
    expect(info.request).toBe('auto');
    expect(info.candidates.map((c) => c.name)).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(tf.getBackend()).toBe(info.name);
    if (tfjsNodeInstalled) {
      expect(info.name).toBe('tensorflow');
    } else {
      // tfjs-node is not installed here: wasm is the fastest backend there is.
      expect(info.name).toBe('wasm');
      expect(info.version).toBe(version_wasm);
      const [tensorflow, wasm, cpu] = info.candidates;
      expect(tensorflow).toMatchObject({ name: 'tensorflow', available: false });
      expect(tensorflow!.reason).toMatch(/@tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node.*optional peers.*pnpm add @tensorflow\/tfjs-node/);
      expect(wasm).toEqual({ name: 'wasm', available: true, passed: true });
      expect(cpu).toMatchObject({ name: 'cpu', available: true });
      expect(cpu!.passed).toBeUndefined();
      expect(cpu!.reason).toMatch(/not tried/);
    }
  });

  it('auto: falls back to cpu when wasm fails the conformance check, and says why', async () => {
    cleanups.push(breakWasmSin());
    const info = await selectBackend('auto');
    if (tfjsNodeInstalled) return expect(info.name).toBe('tensorflow');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = info.candidates.find((c) => c.name === 'wasm')!;
    expect(wasm).toMatchObject({ available: true, passed: false });
    expect(wasm.reason).toMatch(/^backend 'wasm' failed the conformance check: sin \(value\)/);
  });

  it('an explicit backend that fails the check throws, naming the op, and the previous backend stays', async () => {
    cleanups.push(breakWasmSin());
    // Only the value: sin's gradient is cos(x)·dy, and Cos is still right.
    await expect(selectBackend('wasm')).rejects.toThrow(/^backend 'wasm' failed the conformance check: sin \(value\): element \d+ is \S+, expected \S+ \(normwise relative error [^;]*\)$/);
    expect(tf.getBackend()).toBe('cpu');
    // Without the check, the same backend is taken as asked.
    expect((await selectBackend('wasm', { check: false })).candidates).toEqual([{ name: 'wasm', available: true }]);
  });

  it('auto with measure: tries every backend, reports GFLOP/s and takes the fastest', async () => {
    const info = await selectBackend('auto', { measure: { size: 128 } });
    const measured = info.candidates.filter((c) => c.gflops !== undefined);
    expect(measured.map((c) => c.name)).toEqual(tfjsNodeInstalled ? ['tensorflow', 'wasm', 'cpu'] : ['wasm', 'cpu']);
    for (const c of measured) expect(c.gflops).toBeGreaterThan(0);
    const fastest = measured.reduce((a, b) => (b.gflops! > a.gflops! ? b : a));
    expect(info.name).toBe(fastest.name);
    expect(tf.getBackend()).toBe(fastest.name);
  });

  it('tensorflow: an error that says it is an optional peer and how to install it', async () => {
    if (tfjsNodeInstalled) return expect((await selectBackend('tensorflow')).name).toBe('tensorflow');
    const selecting = selectBackend('tensorflow');
    await expect(selecting).rejects.toThrow(/neither is installed/);
    await expect(selecting).rejects.toThrow(/optional peers of @precond\/runtime-node.*downloads libtensorflow/);
    await expect(selecting).rejects.toThrow('`pnpm add @tensorflow/tfjs-node`');
    expect(tf.getBackend()).toBe('cpu');
  });

  it("tensorflow: one installed in the user's project that fails to load is reported as such", async () => {
    if (tfjsNodeInstalled) return expect((await selectBackend('tensorflow')).name).toBe('tensorflow');
    await expect(selectBackend('tensorflow', { resolveFrom: project })).rejects.toThrow(
      /@tensorflow\/tfjs-node is installed but failed to load: libtensorflow\.so\.2/,
    );
    const auto = await selectBackend('auto', { resolveFrom: project });
    expect(auto.name).toBe('wasm');
    expect(auto.candidates[0]!.reason).toMatch(/failed to load/);
  });

  it('unknown names: an error that lists the valid ones', async () => {
    await expect(selectBackend('webgl' as BackendRequest)).rejects.toThrow(
      "unknown backend 'webgl'; valid backends: auto, cpu, wasm, tensorflow, webgpu",
    );
    expect(BACKEND_REQUESTS).toEqual(['auto', 'cpu', 'wasm', 'tensorflow', 'webgpu']);
    // auto never picks webgpu on its own.
    expect(AUTO_ORDER).toEqual(['tensorflow', 'wasm', 'cpu']);
  });

  it('rejects a measure size that is not a positive integer before switching anything', async () => {
    await expect(selectBackend('wasm', { measure: { size: 0 } })).rejects.toThrow('measure.size must be a positive integer, got 0');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('queues overlapping calls: each runs its whole check after the one before has settled', async () => {
    // Two selections started together used to interleave their switches and checks, and the
    // second failed ("backend 'wasm' could not be initialised"). Queued, both complete, in order,
    // and a failing call in between does not stop the queue.
    const order: string[] = [];
    const calls = [
      selectBackend('wasm').then((info) => order.push(`1:${info.name}`)),
      selectBackend('webgl' as BackendRequest).catch(() => order.push('2:rejected')),
      selectBackend('cpu').then((info) => order.push(`3:${info.name}`)),
      selectBackend('wasm').then((info) => order.push(`4:${info.name}`)),
    ];
    await Promise.all(calls);
    expect(order).toEqual(['1:wasm', '2:rejected', '3:cpu', '4:wasm']);
    expect(tf.getBackend()).toBe('wasm');
    await selectBackend('cpu');
  });

  it('useBackend switches without the check and returns the name', async () => {
    expect(await useBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(await useBackend('cpu')).toBe('cpu');
  });
});
