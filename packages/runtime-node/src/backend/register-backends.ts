// Importing the union package registers every kernel's gradient on the shared tfjs-core engine
// (plain Node ESM cannot import tfjs-core's register_all_gradients file). The two backend packages
// register `cpu` and `wasm`; both are dependencies, so they are always there to fall back on.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerCpuFallbackKernels, registerSliceCopyGather, registerSliceCopyTile, registerTransposingBatchMatMul, WASM_CPU_FALLBACK_KERNELS } from '@precond/core';

registerCpuFallbackKernels('wasm', WASM_CPU_FALLBACK_KERNELS);
// wasm multiplies transposed operands in a slow loop: transpose explicitly, then take its fast path.
registerTransposingBatchMatMul('wasm');
// wasm gathers and tiles element by element (4 ms for a 200-row minibatch of 784 features): copy whole slices.
registerSliceCopyGather('wasm');
registerSliceCopyTile('wasm');
