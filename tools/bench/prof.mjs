import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@precond/runtime-node';
import { MemoryRunStore, runVariant } from '@precond/core';
import { BENCH_CASES } from './dist/cases.js';
await selectBackend(process.env.B ?? 'wasm');
const c = BENCH_CASES.find((x) => x.name === process.argv[2]);
const steps = Number(process.argv[3] ?? 20);
const run = () => runVariant({ experiment: c.experiment, variant: c.variant, seed: 0, store: new MemoryRunStore(), location: 'p', overrides: { steps }, environment: { backend: { name: 'wasm', version: '' } } });
await run();
const t = performance.now(); await run(); console.log('wall ms/step (incl. setup)', ((performance.now() - t) / steps).toFixed(2));
const info = await tf.profile(run);
const tally = new Map();
for (const k of info.kernels) { const key = k.name + ' ' + k.inputShapes.map(s => `[${s}]`).join(''); const t = tally.get(key) ?? [0, 0]; t[0]++; t[1] += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0; tally.set(key, t); }
const rows = [...tally].sort((a, b) => b[1][1] - a[1][1]);
let n = 0, ms = 0; for (const [, [c1, t]] of rows) { n += c1; ms += t; }
console.log(`kernels/step ${(n / steps).toFixed(1)}  kernel ms/step ${(ms / steps).toFixed(3)}`);
for (const [k, [c1, t]] of rows.slice(0, Number(process.env.TOP ?? 25))) console.log(k.padEnd(50), (c1 / steps).toFixed(2).padStart(6), (t / steps).toFixed(3));
