import type { WasmPaths } from '@precond/runtime-browser';
// Vite copies each binary into the build and gives its URL; tfjs-backend-wasm fetches the one the
// browser supports (threads need a cross-origin-isolated page, so here it is the SIMD build).
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** The served URLs of tfjs-backend-wasm's binaries, for `selectBrowserBackend`'s `wasmPaths`. */
export const WASM_PATHS: WasmPaths = {
  'tfjs-backend-wasm.wasm': wasm,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
};
