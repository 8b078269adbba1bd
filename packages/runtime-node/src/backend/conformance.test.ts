import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBackend } from '@precond/core';
import { useBackend } from './select-backend.js';

/**
 * Registers `name`: the cpu backend with some kernels changed. `change[kernel]` maps that kernel's
 * float32 output to what the variant returns instead; `null` leaves the kernel out. Returns the
 * function that unregisters it all again.
 */
function registerCpuVariant(name: string, change: Record<string, ((values: Float32Array) => Float32Array) | null>): () => void {
  // Priority 0: never chosen when nothing asks for it by name.
  tf.registerBackend(name, () => new MathBackendCPU(), 0);
  const registered: string[] = [];
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    const transform = change[kernel.kernelName];
    if (transform === null) continue;
    const kernelFunc: tf.KernelFunc = transform
      ? (args) => {
          const backend = args.backend as MathBackendCPU;
          const out = kernel.kernelFunc(args) as tf.TensorInfo;
          const values = transform(backend.readSync(out.dataId) as Float32Array);
          backend.disposeIntermediateTensorInfo(out);
          return backend.makeTensorInfo(out.shape, out.dtype, values);
        }
      : kernel.kernelFunc;
    tf.registerKernel({ ...kernel, backendName: name, kernelFunc });
    registered.push(kernel.kernelName);
  }
  return () => {
    for (const kernelName of registered) tf.unregisterKernel(kernelName, name);
    tf.removeBackend(name);
  };
}

describe('checkBackend', () => {
  const cleanups: Array<() => void> = [];
  // Every test starts on cpu, whichever backend the set-up file chose.
  beforeEach(async () => {
    await useBackend('cpu');
  });
  afterEach(async () => {
    await useBackend('cpu');
    while (cleanups.length > 0) cleanups.pop()!();
  });

  it('passes wasm, in well under a second, leaving no tensor and the previous backend active', async () => {
    await checkBackend('wasm'); // the first call also initialises the wasm module
    const tensors = tf.memory().numTensors;
    const report = await checkBackend('wasm');
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.backend).toBe('wasm');
    expect(report.ops).toEqual(['matMul', 'tanh', 'relu', 'sin', 'sum', 'mean', 'softmax', 'logSoftmax', 'gather', 'concat', 'isFinite', 'all', 'variable']);
    expect(report.ms).toBeLessThan(1000);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('passes cpu, the reference itself', async () => {
    const report = await checkBackend('cpu');
    expect(report.passed).toBe(true);
  });

  it('reports matMul, and only matMul, on a backend whose matMul adds 1 to every element', async () => {
    cleanups.push(registerCpuVariant('test-matmul-plus-one', { BatchMatMul: (v) => v.map((x) => x + 1) }));
    const tensors = tf.memory().numTensors;
    const report = await checkBackend('test-matmul-plus-one');
    expect(report.passed).toBe(false);
    expect(new Set(report.failures.map((f) => f.op))).toEqual(new Set(['matMul']));
    // Every product and both gradients (each a matMul with the upstream gradient) are off.
    expect(report.failures.map((f) => f.output)).toEqual(['a·b', 'aᵀ·b', 'a·bᵀ', 'aᵀ·bᵀ', 'batched', 'gradient a', 'gradient b']);
    expect(report.failures[0]!.detail).toMatch(/expected .*normwise relative error/);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('tolerates float32 rounding: a matMul off by a relative 1e-6 passes, one off by 1e-3 does not', async () => {
    cleanups.push(registerCpuVariant('test-matmul-rounding', { BatchMatMul: (v) => v.map((x) => x * (1 + 1e-6)) }));
    cleanups.push(registerCpuVariant('test-matmul-wrong', { BatchMatMul: (v) => v.map((x) => x * (1 + 1e-3)) }));
    expect((await checkBackend('test-matmul-rounding')).passed).toBe(true);
    const wrong = await checkBackend('test-matmul-wrong');
    expect(wrong.failures.map((f) => f.op)).toContain('matMul');
  });

  it('reports a missing kernel as that op failing to run, and still checks the others', async () => {
    cleanups.push(registerCpuVariant('test-no-sin', { Sin: null }));
    const tensors = tf.memory().numTensors;
    const report = await checkBackend('test-no-sin');
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({ op: 'sin', output: 'run' });
    expect(report.failures[0]!.detail).toMatch(/threw on 'test-no-sin'.*Sin/);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('catches a wrong gradient whose forward value is right', async () => {
    // tanh's gradient is computed from tanh's output (1 − y²) by kernels that are all correct
    // here, so break the one kernel only the gradient uses: relu's uses Step.
    cleanups.push(registerCpuVariant('test-bad-step', { Step: (v) => v.map((x) => 1 - x) }));
    const report = await checkBackend('test-bad-step');
    expect(report.failures.map((f) => `${f.op} ${f.output}`)).toEqual(['relu gradient']);
  });

  it('names an unregistered backend and lists the registered ones', async () => {
    const report = await checkBackend('no-such-backend');
    expect(report.passed).toBe(false);
    expect(report.failures[0]!.detail).toMatch(/'no-such-backend' is not registered; registered: .*cpu.*wasm/);
  });
});
