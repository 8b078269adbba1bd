// Prints matMul speed (float32, 512², GFLOP/s) and conformance-check time for each backend named
// on the command line (default: cpu wasm). Run after `pnpm build`:
//   node scripts/matmul-gflops.mjs cpu wasm
import { checkBackend, selectBackend, useBackend } from '../dist/index.js';

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : ['cpu', 'wasm']) {
  try {
    const info = await selectBackend(name, { measure: true });
    const check = await checkBackend(name);
    const gflops = info.candidates.find((c) => c.name === info.name)?.gflops ?? Number.NaN;
    console.log(`${info.name.padEnd(10)} ${info.version}  matMul 512²: ${gflops.toFixed(2).padStart(6)} GFLOP/s  conformance check: ${check.ms.toFixed(0)} ms`);
  } catch (e) {
    console.log(`${name.padEnd(10)} unavailable: ${e.message}`);
  }
  await useBackend('cpu');
}
