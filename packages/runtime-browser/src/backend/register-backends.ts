// Every kernel's gradient on the shared tfjs-core engine. Bundlers (Vite, webpack, esbuild) resolve
// this extensionless path; plain Node ESM cannot, which is why @precond/runtime-node imports the
// union package instead. The cpu backend is always registered: it is the conformance reference and
// the last fallback. The other backends are imported when they are tried (select-backend.ts).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
