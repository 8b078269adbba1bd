/**
 * @precond/runtime-browser: runs precond in a browser tab or worker. Picks the tfjs backend
 * (WebGPU | WebGL | wasm | cpu) by feature detection and a conformance check against cpu, and moves
 * run records in and out of the browser (files, folders via the File System Access API, tar).
 * Importing it registers every kernel's gradient on the shared tfjs-core engine.
 */
import './backend/register-backends.js';

export {
  BROWSER_AUTO_ORDER,
  BROWSER_BACKEND_REQUESTS,
  selectBrowserBackend,
  WASM_BINARY_NAMES,
  type BrowserBackendCandidate,
  type BrowserBackendInfo,
  type BrowserBackendName,
  type BrowserBackendRequest,
  type SelectBrowserBackendOptions,
  type WasmBinaryName,
  type WasmPaths,
} from './backend/select-backend.js';
export { detectWebGPU, describeAdapter, type WebGPUDetection } from './backend/webgpu-detect.js';
export { checkBackend, type CheckBackendOptions, type ConformanceFailure, type ConformanceReport } from '@precond/core';
export { registerCpuFallbackKernels, registerSliceCopyGather, registerSliceCopyTile, registerTransposingBatchMatMul, WASM_CPU_FALLBACK_KERNELS } from '@precond/core';
export { readTar, writeTar, type TarEntry } from './store/tar.js';
export {
  exportRunFiles,
  groupRunFiles,
  runFolderFiles,
  runFolderName,
  saveFilesToDirectory,
  writeRunFiles,
  type ImportedRun,
  type WritableDirectory,
} from './store/run-files.js';
