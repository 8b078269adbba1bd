#!/usr/bin/env node
// Seconds per step of Adam and of SGD + K-FAC on the paper's E5 network size, timed by core's
// runner (run.json `timing.s_per_step`: the optimizer step alone, first step excluded).
//   784-250-10 MLP, ReLU, batch 200 of 1000 synthetic samples (N(0, 1) inputs, one-hot targets,
//   MSE as in E5); K-FAC with factors every step and inverses every 10 (the defaults).
// Runs against the built packages (the plugin may not depend on runtime-node, so this is a script):
//   pnpm --filter @precond/core --filter @precond/runtime-node --filter @precond/nn \
//     --filter @precond/linalg --filter @precond/optimizer-first-order --filter @precond/preconditioner-kfac build
//   node plugins/preconditioner-kfac/scripts/bench-kfac.mjs [cpu,wasm] [steps] [repeats] [variant,...]
// Each variant runs `repeats` times, round-robin with the others, and the table reports the
// fastest run: on a shared machine the least disturbed run is the best estimate of the cost.
// Beside the runner's wall-clock s/step it reports the process's CPU time per step (a run of
// `steps` steps minus a run of 2, divided by steps - 2): under heavy load from other jobs wall time
// mostly measures the wait for a core, CPU time much less so (tfjs's wasm and cpu backends run on
// this one thread here).
import { useBackend } from '../../../packages/runtime-node/dist/index.js';
import { definePlugin, defineExperiment, MemoryRunStore, mseLoss, provide, runVariant, TASK, z } from '@precond/core';
import { mlp } from '@precond/nn';
import { adam, sgd } from '@precond/optimizer-first-order';
import { kfac } from '../dist/index.js';

const backends = (process.argv[2] ?? 'cpu,wasm').split(',');
const steps = Number(process.argv[3] ?? 31);
const repeats = Number(process.argv[4] ?? 3);
const only = process.argv[5]?.split(',');

const tf = await import('@tensorflow/tfjs-core');

/** A synthetic E5-sized task: 1000 samples, 784 inputs ~ N(0, 1), 10 one-hot classes, MSE. */
const synthetic = definePlugin({
  meta: { name: 'bench-kfac', version: '0.0.0', kind: 'task', id: 'bench-synthetic' },
  options: z.object({}).strict(),
  register(container) {
    const loss = mseLoss();
    provide(container, TASK, {
      useValue: {
        inputSize: 784,
        outputSize: 10,
        loss,
        makeData(rng) {
          const n = 1000;
          const x = rng.fill(n * 784, (r) => r.normal());
          const y = new Float32Array(n * 10);
          for (let i = 0; i < n; i++) y[i * 10 + rng.int(10)] = 1;
          return { train: { x: tf.tensor2d(x, [n, 784]), y: tf.tensor2d(y, [n, 10]) } };
        },
        defaultModel: () => mlp({ hidden: [250], activation: 'relu' }),
        metrics: async () => ({}),
        getState: () => ({}),
        setState: () => undefined,
      },
    });
  },
});

// Learning rates do not change the work per step; small ones keep the random-label runs finite.
const variants = {
  adam: { optimizer: adam({ lr: 1e-3 }) },
  sgd: { optimizer: sgd({ lr: 1e-4 }) },
  'kfac-ggn': { optimizer: sgd({ lr: 1e-3 }), preconditioner: kfac({ estimation: 'ggn' }) },
  'kfac-fisher': { optimizer: sgd({ lr: 1e-3 }), preconditioner: kfac({ estimation: 'fisher' }) },
  'kfac-empirical': { optimizer: sgd({ lr: 1e-3 }), preconditioner: kfac({ estimation: 'empirical' }) },
  // The share of the inverses: the same K-FAC with one inverse update (at step 1, which is not timed).
  'kfac-fisher-inverse-once': { optimizer: sgd({ lr: 1e-3 }), preconditioner: kfac({ estimation: 'fisher', inverseUpdateEvery: 1_000_000 }) },
  // Factor statistics amortised like the inverses: one capture and factor update every 10 steps.
  'kfac-fisher-factors10': { optimizer: sgd({ lr: 1e-3 }), preconditioner: kfac({ estimation: 'fisher', factorUpdateEvery: 10 }) },
  // The previous default inverse method, for comparison.
  'kfac-fisher-eigh': { optimizer: sgd({ lr: 1e-3 }), preconditioner: kfac({ estimation: 'fisher', inverse: 'eigh' }) },
};
const makeExperiment = (n) =>
  defineExperiment({
    name: 'bench-kfac',
    task: synthetic(),
    settings: { steps: n, batchSize: 200, log: { every: 1_000_000 } },
    variants: Object.fromEntries(Object.entries(variants).filter(([name]) => !only || only.includes(name))),
  });
const experiment = makeExperiment(steps);
const twoSteps = makeExperiment(2);
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const rows = [];
for (const backend of backends) {
  await useBackend(backend);
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const variant of Object.keys(experiment.variants)) {
      const environment = { backend: { name: backend, version: tf.version_core }, gitCommit: null };
      let start = cpuSeconds();
      await runVariant({ experiment: twoSteps, variant, seed: 0, store: new MemoryRunStore(), location: 'two-steps', environment });
      const twoStepCpu = cpuSeconds() - start;
      const store = new MemoryRunStore();
      const location = `${backend}-${variant}-${repeat}`;
      start = cpuSeconds();
      const outcome = await runVariant({ experiment, variant, seed: 0, store, location, environment });
      const cpu = (cpuSeconds() - start - twoStepCpu) / (steps - 2);
      if (outcome.status !== 'completed') throw new Error(`${location}: ${outcome.status} ${outcome.error?.message ?? ''}`);
      const record = JSON.parse(new TextDecoder().decode(store.files.get(`${location}/run.json`)));
      const s = record.timing.s_per_step;
      const row = rows.find((r) => r.backend === backend && r.variant === variant);
      if (row) {
        row.runs.push(s);
        row.cpuRuns.push(cpu);
      } else {
        rows.push({
          backend,
          variant,
          runs: [s],
          cpuRuns: [cpu],
          get s() { return Math.min(...this.runs); },
          get cpu() { return Math.min(...this.cpuRuns); },
        });
      }
      console.error(`${backend} ${variant} #${repeat + 1}: ${s.toFixed(3)} s/step over ${record.timing.steps_timed} steps, CPU ${cpu.toFixed(3)} s/step`);
    }
  }
}

const adamOn = (backend) => rows.find((r) => r.backend === backend && r.variant === 'adam');
console.log(`| variant | ${backends.map((b) => `${b} s/step | ${b} ×Adam | ${b} CPU s/step | ${b} CPU ×Adam`).join(' | ')} |`);
console.log(`|---|${backends.map(() => '---|---|---|---').join('|')}|`);
for (const variant of Object.keys(experiment.variants)) {
  const cells = backends.map((b) => {
    const r = rows.find((x) => x.backend === b && x.variant === variant);
    const base = adamOn(b);
    const ratio = (x, y) => (y ? (x / y).toFixed(2) : '—');
    return `${r.s.toFixed(3)} | ${ratio(r.s, base?.s)} | ${r.cpu.toFixed(3)} | ${ratio(r.cpu, base?.cpu)}`;
  });
  console.log(`| ${variant} | ${cells.join(' | ')} |`);
}
