import * as tf from '@tensorflow/tfjs-core';

type MarkedKernelConfig = tf.KernelConfig & { [marker: symbol]: true | undefined };

/**
 * Replaces `backendName`'s `kernelName` kernel by `makeKernel(original)`, marked with `marker` so a
 * second call changes nothing. The original's `setupFunc` and `disposeFunc` are kept (tfjs-backend-wasm
 * binds its wasm functions in `setupFunc`, called on every switch to the backend), so the new kernel
 * may fall back to the original's `kernelFunc`. Returns whether it replaced the kernel: false when
 * the backend has no such kernel, when `available(original)` says the replacement cannot work there,
 * or when it was already replaced. Gradients are registered by kernel name and stay as they were.
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  marker: symbol,
  makeKernel: (original: tf.KernelConfig) => tf.KernelFunc,
  available: () => boolean = () => true,
): boolean {
  const original = tf.getKernel(kernelName, backendName) as MarkedKernelConfig | undefined;
  if (original === undefined || original[marker] || !available()) return false;
  const replacement: MarkedKernelConfig = {
    kernelName,
    backendName,
    kernelFunc: makeKernel(original),
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    [marker]: true,
  };
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(replacement);
  return true;
}
