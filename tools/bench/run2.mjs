import { selectBackend } from '@precond/runtime-node';
import { MemoryRunStore, runVariant } from '@precond/core';
import { BENCH_CASES } from './dist/cases.js';
await selectBackend(process.env.B ?? 'wasm');
const c = BENCH_CASES.find((x) => x.name === process.argv[2]);
const go = async (steps) => { const store = new MemoryRunStore();
await runVariant({ experiment: c.experiment, variant: c.variant, seed: 0, store, location: 'p', overrides: { steps }, environment: { backend: { name: 'wasm', version: '' } } });
return JSON.parse(await (await store.open('p')).readText('run.json')).timing.s_per_step; };
for (const s of process.argv.slice(3)) console.log(s, (await go(Number(s))) * 1000);
