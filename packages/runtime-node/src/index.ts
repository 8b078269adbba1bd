/**
 * @precond/runtime-node: runs precond in Node. Picks the tfjs backend (tfjs-node | WebGPU (Dawn) |
 * wasm | cpu) after checking it computes what training needs, keeps run records on disk, and
 * collects the environment (git commit, package versions) a run records. Importing it registers
 * every kernel's gradient on the shared tfjs-core engine.
 */
import './backend/register-backends.js';

export {
  AUTO_ORDER,
  BACKEND_REQUESTS,
  selectBackend,
  useBackend,
  type BackendCandidate,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type SelectBackendOptions,
} from './backend/select-backend.js';
export { checkBackend, type CheckBackendOptions, type ConformanceFailure, type ConformanceReport } from '@precond/core';
export { measureMatMulGflops, type MeasureMatMulOptions } from './backend/measure.js';
export { TENSORFLOW_PACKAGES } from './backend/tensorflow.js';
export { SWIFTSHADER_ICD, WEBGPU_INSTALL_COMMAND } from './backend/webgpu.js';
export { FsRunStore } from './store/fs-run-store.js';
export { serveDirectory } from './serve/serve-directory.js';
export {
  DEFAULT_RECORDED_PACKAGES,
  gitHead,
  nodeEnvironment,
  packageVersion,
  type NodeEnvironment,
  type NodeEnvironmentOptions,
} from './environment/node-environment.js';
