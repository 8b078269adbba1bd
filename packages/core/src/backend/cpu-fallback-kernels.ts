import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels tfjs-backend-wasm 4.22 lacks that training reaches through gradients: gather's gradient
 * (UnsortedSegmentSum, e.g. for embeddings), conv filter and depthwise gradients, and einsum.
 * Without them a model trains on cpu but throws on wasm mid-step. The complex/FFT kernels are also
 * missing but are not real-valued, so they are not bridged: keep FFTs out of the training step.
 */
export const WASM_CPU_FALLBACK_KERNELS = [
  'UnsortedSegmentSum',
  'Einsum',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/**
 * Registers, for each kernel in `kernelNames` that `backendName` does not implement, one that
 * copies its inputs to the cpu backend, runs the cpu kernel there and copies the outputs back.
 * Slower than a native kernel, but correct, and these run once per step on small tensors.
 * Returns the kernels it added.
 */
export function registerCpuFallbackKernels(backendName: string, kernelNames: readonly string[]): string[] {
  const added: string[] = [];
  for (const kernelName of kernelNames) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue;
    const cpuKernel = tf.getKernel(kernelName, 'cpu');
    if (cpuKernel === undefined) continue;
    tf.registerKernel({ kernelName, backendName, kernelFunc: (args) => runOnCpu(cpuKernel, args) });
    added.push(kernelName);
  }
  return added;
}

function runOnCpu(kernel: tf.KernelConfig, args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const backend = args.backend as tf.KernelBackend;
  const cpu = tf.findBackend('cpu');
  if (!cpu) throw new Error(`${kernel.kernelName}: runs on the cpu backend, which is not registered`);
  const onCpu: tf.TensorInfo[] = [];
  const toCpu = (t: tf.TensorInfo): tf.TensorInfo => {
    if (t.dtype === 'complex64' || t.dtype === 'string') {
      throw new Error(`${kernel.kernelName}: the cpu fallback copies real tensors only, got ${t.dtype}`);
    }
    const info = { dataId: cpu.write(backend.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
    onCpu.push(info);
    return info;
  };
  try {
    // Variadic kernels (Einsum) get their inputs as an array, the others as a named map.
    const inputs = Array.isArray(args.inputs)
      ? (args.inputs as tf.TensorInfo[]).map(toCpu)
      : Object.fromEntries(Object.entries(args.inputs).map(([name, t]) => [name, t && toCpu(t)]));
    const output = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: cpu, attrs: args.attrs ?? {} });
    const outputs = Array.isArray(output) ? output : [output];
    onCpu.push(...outputs);
    const back = outputs.map((o) => ({ dataId: backend.write(cpu.readSync(o.dataId), o.shape, o.dtype), shape: o.shape, dtype: o.dtype }));
    return Array.isArray(output) ? back : back[0]!;
  } finally {
    for (const info of onCpu) cpu.disposeData(info.dataId);
  }
}
