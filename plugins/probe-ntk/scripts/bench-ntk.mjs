#!/usr/bin/env node
// Times one observation of the NTK probe on the E1 network (1-80-80-1 tanh, 6,721 parameters) at
// 1000 points of the fourier-target task, on each tfjs backend, against NumPy forming the same
// float64 J Jᵀ from the same float32 Jacobian and diagonalising it with numpy.linalg.eigh.
//
//   (build core, linalg, nn, runtime-node, task-fourier-target and this package first:
//    npx tsc -p tsconfig.build.json in each)
//   cd plugins/probe-ntk && node scripts/bench-ntk.mjs [--backends cpu,wasm] [--points 1000] [--repeats 3]
//
// Every time is the best of `repeats` runs after one warm-up run. An observation is what the runner
// pays at a logged step: a fresh curvature context (the step's), the per-sample capture, the
// structured float64 Gram, the float64 eigendecomposition with vectors (10 modes), the measures.
// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed for the NumPy process only: on some machines
// they are set to work around old OpenBLAS bugs and they make a current NumPy pick a slow kernel.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { createRunContainer, CURVATURE_PROVIDER, MODEL_FACTORY, parsePluginOptions, PROBE, resolve, resolveAll, Rng, TASK } from '@precond/core';
import { eigh, matrix64 } from '@precond/linalg';
import { mlp } from '@precond/nn';
import { ntk } from '@precond/probe-ntk';
import { useBackend } from '@precond/runtime-node';
import { fourierTarget } from '@precond/task-fourier-target';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backends = option('backends', 'cpu,wasm').split(',');
const points = Number(option('points', '1000'));
const repeats = Number(option('repeats', '3'));

async function best(fn) {
  await fn();
  let seconds = Infinity;
  let result;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    result = await fn();
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return { seconds, result };
}

/** The run's pieces as the runner composes them: task, data, the E1 model, its curvature provider, the probe. */
function compose() {
  const container = createRunContainer();
  const register = (plugin, slot) => plugin.register(container, parsePluginOptions(plugin, plugin.config, slot), { slot });
  register(fourierTarget({ points, testPoints: 0 }), 'task');
  const task = resolve(container, TASK);
  register(mlp({ hidden: [80, 80], activation: 'tanh' }), 'model');
  register(ntk({ every: 1 }), 'probes.ntk');
  const data = task.makeData(new Rng(0).fork('data'));
  const model = resolve(container, MODEL_FACTORY).create({ rng: new Rng(0).fork('model'), inputSize: 1, outputSize: 1 });
  const provider = resolve(container, CURVATURE_PROVIDER);
  const probe = resolveAll(container, PROBE)[0];
  return { container, task, data, model, provider, probe };
}

async function benchBackend(backend) {
  const name = await useBackend(backend);
  const tf = await import('@tensorflow/tfjs-core');
  const run = compose();
  const { task, data, model, provider, probe } = run;
  const context = (step) => {
    let made;
    const ctx = { step, model, task, data, curvature: () => (made ??= provider.create(model, task.loss, data.train)) };
    return { ctx, release: () => made?.dispose() };
  };
  const first = context(0);
  await probe.init(first.ctx);
  first.release();

  let metrics;
  const observation = await best(async () => {
    const { ctx, release } = context(1);
    try {
      metrics = await probe.observe(ctx);
    } finally {
      release();
    }
  });
  const gram = await best(async () => {
    const c = provider.create(model, task.loss, data.train);
    try {
      return await c.gram64();
    } finally {
      c.dispose();
    }
  });
  const n = data.train.x.shape[0];
  const decomposition = await best(() => eigh(matrix64(n, n, gram.result)));

  // The float32 Jacobian NumPy starts from (the same numbers the structured Gram is made of).
  const c = provider.create(model, task.loss, data.train);
  const jacobian = Float32Array.from(await c.jacobian().data());
  c.dispose();
  const parameters = model.parameterCount();

  probe.dispose();
  model.dispose();
  tf.dispose([data.train.x, data.train.y]);
  run.container.clearInstances();
  return {
    backend: name,
    observation: observation.seconds,
    gram: gram.seconds,
    eigh: decomposition.seconds,
    eigenvalues: metrics.eigenvalues,
    probeSeconds: metrics.seconds,
    jacobian,
    parameters,
    n,
  };
}

const PYTHON = String.raw`
import sys, json, time
import numpy as np
rows, cols, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
j = np.frombuffer(sys.stdin.buffer.read(), dtype='<f4').reshape(rows, cols)
def best(f):
    f()
    t = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter(); r = f(); t = min(t, time.perf_counter() - t0)
    return t, r
def gram():
    j64 = j.astype(np.float64)
    return j64 @ j64.T
tg, g = best(gram)
te, (w, v) = best(lambda: np.linalg.eigh(g))
print(json.dumps({'gram': tg, 'eigh': te, 'numpy': np.__version__, 'eigenvalues': w[::-1].tolist()}))
`;

function runNumpy(jacobian, rows, cols) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', ['-c', PYTHON, String(rows), String(cols), String(repeats)], {
    input: Buffer.from(jacobian.buffer, jacobian.byteOffset, jacobian.byteLength),
    env,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.toString());
}

const load = loadavg()[0];
const results = [];
for (const backend of backends) results.push(await benchBackend(backend));
const { jacobian, n, parameters } = results[0];
const numpy = runNumpy(jacobian, n, parameters);

const fmt = (s) => (s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);
console.log(`NTK probe, E1 network 1-80-80-1 tanh (P = ${parameters}), n = ${n} points, K ${n} × ${n}; best of ${repeats} after a warm-up; load average ${load.toFixed(1)} before`);
console.log('');
console.log('| | one observation (all of it) | float64 `J Jᵀ` | `eigh` (values and vectors) |');
console.log('|---|---|---|---|');
for (const r of results) console.log(`| probe, ${r.backend} | ${fmt(r.observation)} | ${fmt(r.gram)} | ${fmt(r.eigh)} |`);
console.log(`| NumPy ${numpy.numpy} (float64 \`J Jᵀ\` from the float32 J, \`numpy.linalg.eigh\`) | ${fmt(numpy.gram + numpy.eigh)} | ${fmt(numpy.gram)} | ${fmt(numpy.eigh)} |`);
console.log('');
// The answers agree: NumPy's eigenvalues against the probe's, relative to the largest.
for (const r of results) {
  const lmax = numpy.eigenvalues[0];
  const diff = r.eigenvalues.reduce((m, v, i) => Math.max(m, Math.abs(v - numpy.eigenvalues[i])), 0);
  console.log(`${r.backend}: max |λ_probe − λ_numpy| / λ_max = ${(diff / lmax).toExponential(1)}; λ_max = ${lmax.toPrecision(6)}, λ_min/λ_max = ${(numpy.eigenvalues[n - 1] / lmax).toExponential(1)}`);
}
