#!/usr/bin/env node
// Seconds per step of Adam against SGD + Shampoo on a 784-250-10 ReLU MLP (the paper's E5 network,
// PAPER.md), batch 200, on the cpu and wasm backends, timed by core's runner (`timing.s_per_step`,
// first step excluded), and a profile of where Shampoo's time goes.
//
//   cd plugins/preconditioner-shampoo && npx tsc -p tsconfig.build.json && node scripts/bench-shampoo.mjs
//
// Options: --backends cpu,wasm   --steps 41 (roots at updates 1, 11, 21, 31, 41: the timed steps
// 2..41 hold four root updates, one per ten steps)   --rounds 3 (variants interleaved; the best and
// the median run reported)   --variants adam,shampoo,...   --profile (only the component profile)
// --slow (also profile Newton roots and device placement on the cpu backend: minutes).
// Needs the workspace built (`pnpm build`): it imports the packages' dist files.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@precond/runtime-node';
import { defineExperiment, definePlugin, MemoryRunStore, mseLoss, provide, runVariant, TASK, z } from '@precond/core';
import { mlp } from '@precond/nn';
import { adam, sgd } from '@precond/optimizer-first-order';
import { createShampoo, shampoo } from '../dist/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backends = option('backends', 'cpu,wasm').split(',');
const steps = Number(option('steps', '41'));
const rounds = Number(option('rounds', '3'));
const profileOnly = args.includes('--profile');

const INPUTS = 784;
const HIDDEN = 250;
const OUTPUTS = 10;
const SAMPLES = 1000;
const BATCH = 200;

/**
 * A synthetic stand-in for E5's MNIST subset with the same shapes: 1000 inputs uniform in [0, 1)^784
 * from the task's seeded stream, one-hot targets from the arg-max of a random linear teacher,
 * MSE loss (E5 trains on MSE). Only the shapes matter for the timing.
 */
const syntheticTask = definePlugin({
  meta: { name: 'bench-shampoo', version: '0.1.0', kind: 'task', id: 'synthetic-784' },
  options: z.object({}).strict(),
  register(container) {
    provide(container, TASK, {
      useValue: {
        inputSize: INPUTS,
        outputSize: OUTPUTS,
        loss: mseLoss(),
        makeData(rng) {
          const x = rng.fill(SAMPLES * INPUTS, (r) => r.uniform());
          const teacher = rng.fill(INPUTS * OUTPUTS, (r) => r.normal());
          const y = new Float32Array(SAMPLES * OUTPUTS);
          for (let i = 0; i < SAMPLES; i++) {
            let best = 0;
            let bestScore = -Infinity;
            for (let k = 0; k < OUTPUTS; k++) {
              let s = 0;
              for (let j = 0; j < INPUTS; j++) s += x[i * INPUTS + j] * teacher[j * OUTPUTS + k];
              if (s > bestScore) [best, bestScore] = [k, s];
            }
            y[i * OUTPUTS + best] = 1;
          }
          return { train: { x: tf.tensor2d(x, [SAMPLES, INPUTS]), y: tf.tensor2d(y, [SAMPLES, OUTPUTS]) } };
        },
        defaultModel: () => mlp({ hidden: [HIDDEN], activation: 'relu' }),
        metrics: async () => ({}),
        getState: () => ({}),
        setState: () => undefined,
      },
    });
  },
});

/**
 * The compared variants: Adam, plain SGD, and SGD + Shampoo with the update frequency 10 and other
 * settings. SGD's lr is 0.01: at 0.1, SGD + Shampoo with blocks of 128 diverged here at step 36, and
 * a run that stops early has no timing to compare.
 */
const shampooSgd = () => sgd({ lr: 0.01 });
const VARIANTS = {
  adam: { optimizer: adam({ lr: 1e-3 }) },
  sgd: { optimizer: shampooSgd() },
  shampoo: { optimizer: shampooSgd(), preconditioner: shampoo({ preconditionerUpdateEvery: 10 }) },
  'shampoo-block256': { optimizer: shampooSgd(), preconditioner: shampoo({ preconditionerUpdateEvery: 10, maxPreconditionerDim: 256 }) },
  'shampoo-block128': { optimizer: shampooSgd(), preconditioner: shampoo({ preconditionerUpdateEvery: 10, maxPreconditionerDim: 128 }) },
  'shampoo-block64': { optimizer: shampooSgd(), preconditioner: shampoo({ preconditionerUpdateEvery: 10, maxPreconditionerDim: 64 }) },
  'shampoo-host': { optimizer: shampooSgd(), preconditioner: shampoo({ preconditionerUpdateEvery: 10, placement: 'host' }) },
  'shampoo-device': { optimizer: shampooSgd(), preconditioner: shampoo({ preconditionerUpdateEvery: 10, placement: 'device' }) },
};
const chosen = option('variants', Object.keys(VARIANTS).join(',')).split(',');

const makeExperiment = (n) =>
  defineExperiment({
    name: 'bench-shampoo',
    task: syntheticTask(),
    settings: { steps: n, batchSize: BATCH, log: { every: 1_000_000 } },
    variants: Object.fromEntries(chosen.map((name) => [name, VARIANTS[name]])),
  });
const experiment = makeExperiment(steps);
const twoSteps = makeExperiment(2);
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * `{ wall, cpu }` seconds per step: the runner's `timing.s_per_step`, and the process's CPU time of
 * a `steps`-step run minus that of a 2-step run, over steps − 2 (under load from other jobs, wall
 * time mostly measures the wait for a core; tfjs's wasm and cpu backends run on this one thread).
 */
async function secondsPerStep(variant, backend) {
  const environment = { backend: { name: backend, version: tf.version_core } };
  let start = cpuSeconds();
  await runVariant({ experiment: twoSteps, variant, seed: 0, store: new MemoryRunStore(), location: 'two-steps', environment });
  const twoStepCpu = cpuSeconds() - start;
  const store = new MemoryRunStore();
  start = cpuSeconds();
  const out = await runVariant({ experiment, variant, seed: 0, store, location: 'bench', environment });
  const cpu = (cpuSeconds() - start - twoStepCpu) / (steps - 2);
  if (out.status !== 'completed') throw new Error(`${variant} on ${backend} ended ${out.status}: ${out.error?.message}`);
  const record = JSON.parse(await (await store.open('bench')).readText('run.json'));
  return { wall: record.timing.s_per_step, cpu };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs) => Math.min(...xs);

/**
 * Where Shampoo's time goes on the same shapes: the preconditioner alone, on fixed gradients of
 * the MLP's parameter shapes, milliseconds per step for the statistics (`update` without a root
 * update), per root update, and for `apply`.
 */
async function profile(backend, options, label) {
  const shapes = [[INPUTS, HIDDEN], [HIDDEN], [HIDDEN, OUTPUTS], [OUTPUTS]];
  const params = shapes.map((s, i) => ({ name: `p${i}`, variable: tf.variable(tf.mul(tf.randomNormal(s, 0, 1, 'float32', i + 1), 0.05)) }));
  const grads = shapes.map((s, i) => tf.mul(tf.randomNormal(s, 0, 1, 'float32', 100 + i), 0.01));
  const value = tf.scalar(0);
  const ctx = { valueAndGrads: () => ({ value, grads }) };
  const p = createShampoo({ preconditionerUpdateEvery: 10, ...options });
  p.init(params);
  let stats = 0;
  let statsSteps = 0;
  let roots = 0;
  let rootSteps = 0;
  let apply = 0;
  const total = 21;
  for (let i = 1; i <= total; i++) {
    const t0 = performance.now();
    await p.update(ctx);
    const t1 = performance.now();
    const d = p.apply(grads);
    await Promise.all(d.map((x) => x.data()));
    tf.dispose(d);
    const t2 = performance.now();
    if (i === 1) continue; // warm-up
    if ((i - 1) % 10 === 0) {
      roots += t1 - t0;
      rootSteps++;
    } else {
      stats += t1 - t0;
      statsSteps++;
    }
    apply += t2 - t1;
  }
  p.dispose();
  tf.dispose([...params.map((x) => x.variable), ...grads, value]);
  const row = { stats: stats / statsSteps, root: roots / rootSteps, apply: apply / (total - 1) };
  console.log(
    `| ${backend} | ${label} | ${row.stats.toFixed(1)} | ${row.root.toFixed(0)} | ${(row.root / 10).toFixed(1)} | ${row.apply.toFixed(1)} | ${(row.stats + row.root / 10 + row.apply).toFixed(1)} |`,
  );
}

/** Profiled configurations; Newton and device placement on the cpu backend (minutes) only with --slow. */
const PROFILES = [
  [{}, 'auto, eigh, dim 1024 (default)'],
  [{ maxPreconditionerDim: 256 }, 'auto, eigh, dim 256'],
  [{ maxPreconditionerDim: 128 }, 'auto, eigh, dim 128'],
  [{ maxPreconditionerDim: 64 }, 'auto, eigh, dim 64'],
  [{ placement: 'device' }, 'device, eigh, dim 1024'],
  [{ placement: 'host' }, 'host, eigh, dim 1024'],
  [{ rootMethod: 'newton', epsilon: 1e-4 }, 'auto, newton ε 1e-4, dim 1024'],
];

for (const backend of backends) {
  await useBackend(backend);
  if (!profileOnly) {
    const times = Object.fromEntries(chosen.map((v) => [v, []]));
    const cpuTimes = Object.fromEntries(chosen.map((v) => [v, []]));
    for (let r = 0; r < rounds; r++) {
      for (const v of chosen) {
        const { wall, cpu } = await secondsPerStep(v, backend);
        times[v].push(wall);
        cpuTimes[v].push(cpu);
      }
    }
    // Other work on a shared machine only ever adds time, so the best run is the least disturbed;
    // the median is printed beside it.
    const adamBest = times.adam ? best(times.adam) : null;
    const adamMedian = times.adam ? median(times.adam) : null;
    console.log(`\n${backend}: s/step of ${rounds} interleaved runs of ${steps} steps (first excluded)`);
    const adamCpu = cpuTimes.adam ? best(cpuTimes.adam) : null;
    console.log('| backend | variant | best s/step | × Adam (best) | median s/step | × Adam (median) | best CPU s/step | CPU × Adam | runs |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const v of chosen) {
      const [b, m, c] = [best(times[v]), median(times[v]), best(cpuTimes[v])];
      const ratio = (x, ref) => (ref ? (x / ref).toFixed(2) : '');
      console.log(
        `| ${backend} | ${v} | ${b.toFixed(3)} | ${ratio(b, adamBest)} | ${m.toFixed(3)} | ${ratio(m, adamMedian)} | ${c.toFixed(3)} | ${ratio(c, adamCpu)} | ${times[v].map((t) => t.toFixed(3)).join(', ')} |`,
      );
    }
  }
  console.log(`\n${backend}: Shampoo's own time on the MLP's shapes, ms (statistics per step, one root update, apply per step)`);
  console.log('| backend | configuration | statistics | root update | root / 10 | apply | total per step |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [options, label] of PROFILES) {
    const slow = backend === 'cpu' && (options.rootMethod === 'newton' || options.placement === 'device');
    if (!slow || args.includes('--slow')) await profile(backend, options, label);
  }
}
