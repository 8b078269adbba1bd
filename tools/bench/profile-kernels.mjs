#!/usr/bin/env node
// Which tfjs kernels a bench case's steps run, and their time: `tf.profile` over a run of the case
// (after a warm-up run), totals per kernel name and input shapes, costliest first. Kernel times are
// measured with a read after every kernel, so they add up to more than the step's wall clock; use
// them for where the time goes, the bench table for how long a step takes.
//   node tools/bench/profile-kernels.mjs <case> [steps] [top]     e.g. mnist/kfac-fisher 21 30
// Backend: $BACKEND (default wasm). Needs the built bench (pnpm exec nx run @precond/bench:build).
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@precond/runtime-node';
import { MemoryRunStore, runVariant } from '@precond/core';
import { BENCH_CASES } from './dist/cases.js';

const [name, stepsArg = '20', topArg = '25'] = process.argv.slice(2);
const c = BENCH_CASES.find((x) => x.name === name);
if (!c) {
  console.error(`usage: node tools/bench/profile-kernels.mjs <case> [steps] [top]; cases: ${BENCH_CASES.map((x) => x.name).join(', ')}`);
  process.exit(2);
}
const steps = Number(stepsArg);
const backend = process.env.BACKEND ?? 'wasm';
await selectBackend(backend);
const run = async () => {
  const out = await runVariant({
    experiment: c.experiment,
    variant: c.variant,
    seed: 0,
    store: new MemoryRunStore(),
    location: 'profile',
    overrides: { steps },
    environment: { backend: { name: backend, version: tf.version_core } },
  });
  if (out.status !== 'completed') throw new Error(`${name} ended ${out.status}: ${out.error?.message}`);
};
await run();
const info = await tf.profile(run);
const tally = new Map();
for (const k of info.kernels) {
  const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`;
  const t = tally.get(key) ?? [0, 0];
  t[0]++;
  t[1] += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  tally.set(key, t);
}
const rows = [...tally].sort((a, b) => b[1][1] - a[1][1]);
const total = rows.reduce((s, [, [n, ms]]) => [s[0] + n, s[1] + ms], [0, 0]);
console.log(`${name} on ${backend}: ${(total[0] / steps).toFixed(1)} kernels and ${(total[1] / steps).toFixed(2)} kernel-ms per step (setup and logging rows included)`);
console.log('kernel [input shapes]'.padEnd(52), 'per step'.padStart(8), 'ms/step'.padStart(9));
for (const [key, [n, ms]] of rows.slice(0, Number(topArg))) console.log(key.padEnd(52), (n / steps).toFixed(2).padStart(8), (ms / steps).toFixed(3).padStart(9));
