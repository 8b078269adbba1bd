#!/usr/bin/env node
// Times the curvature engine at the paper's E1 and E3 sizes on one backend (README, "Timings").
// Runs against the built packages (nn may not depend on runtime-node, so this is a script):
//   pnpm --filter @precond/core --filter @precond/runtime-node --filter @precond/linalg --filter @precond/nn build
//   node packages/nn/scripts/curvature-timings.mjs cpu     (or wasm)
import { performance } from 'node:perf_hooks';
import { useBackend } from '../../runtime-node/dist/index.js';
import { Rng, mseLoss } from '../../core/dist/index.js';
import { gram64 } from '../../linalg/dist/index.js';
import * as nn from '../dist/index.js';

const backend = process.argv[2] ?? 'wasm';
const only = process.argv[3];
await useBackend(backend);
const tf = await import('@tensorflow/tfjs-core');

/** Median wall time in ms of `fn` over `reps` runs after one warm-up run. */
async function time(fn, reps) {
  await fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

function e1() {
  // E1: 1-80-80-1 tanh, 100 points on [-1, 1) (PAPER.md).
  const model = nn.buildMlp({ inputSize: 1, outputSize: 1, hidden: [80, 80], activation: 'tanh' }, new Rng(0));
  const x = tf.tensor2d(Float32Array.from({ length: 100 }, (_, i) => -1 + (2 * i) / 100), [100, 1]);
  const y = tf.zeros([100, 1]);
  return { name: 'E1 (n=100, k=1, P=6721)', model, x, y };
}

function e3() {
  // E3: p = 23, one-hot(a) ⊕ one-hot(b), width 100, quadratic, no biases, N(0, 1), output α²/(2p·N), 90% of p² = 476 pairs.
  const p = 23;
  const model = nn.buildMlp(
    { inputSize: 2 * p, outputSize: p, hidden: [100], activation: 'quadratic', bias: false, init: 'normal', outputScale: 1 / (2 * p * 100) },
    new Rng(0),
  );
  const pairs = Array.from(new Rng(1).permutation(p * p)).slice(0, 476);
  const xs = new Float32Array(476 * 2 * p);
  const ys = new Float32Array(476 * p);
  pairs.forEach((pair, i) => {
    const a = Math.floor(pair / p);
    const b = pair % p;
    xs[i * 2 * p + a] = 1;
    xs[i * 2 * p + p + b] = 1;
    ys[i * p + ((a + b) % p)] = 1;
  });
  return { name: 'E3 (n=476, k=23, P=6900)', model, x: tf.tensor2d(xs, [476, 2 * p]), y: tf.tensor2d(ys, [476, p]) };
}

const rows = [];
const report = (problem, what, ms, note = '') => {
  rows.push({ problem, what, ms });
  console.log(`${backend}\t${problem}\t${what}\t${fmt(ms)}${note ? `\t${note}` : ''}`);
};

for (const problem of [e1(), e3()]) {
  if (only && !problem.name.startsWith(only)) continue;
  const { model, x, y } = problem;
  const values = model.params.map((p) => p.variable);
  const k = y.shape[1];
  const n = x.shape[0];
  const m = n * k;
  const P = model.parameterCount();
  const reps = backend === 'cpu' && k > 1 ? 3 : 5;

  for (const strategy of ['replicate', 'per-output']) {
    report(problem.name, `capture (${strategy})`, await time(() => nn.captureJacobian(model, values, x, k, strategy).dispose(), reps));
  }
  report(problem.name, 'dense J (capture + blocks)', await time(() => {
    const capture = nn.captureJacobian(model, values, x, k);
    const j = nn.jacobianFromCapture(capture);
    j.dataSync();
    j.dispose();
    capture.dispose();
  }, reps));
  report(problem.name, 'structured float64 Gram (capture + read back + float64 loops)', await time(async () => {
    const capture = nn.captureJacobian(model, values, x, k);
    await nn.gram64FromCapture(capture);
    capture.dispose();
  }, k > 1 ? 1 : reps));

  // The dense route: form J, read it back, Gram in float64. For E3 (m = 10948) the full Gram would
  // take m²·P/2 ≈ 4e11 multiply-adds, so the float64 part is timed on the first 1000 rows and
  // scaled by (m/1000)² (its cost is exactly quadratic in the rows).
  const sub = Math.min(m, 1000);
  let jValues;
  const formJ = await time(() => {
    const capture = nn.captureJacobian(model, values, x, k);
    const j = nn.jacobianFromCapture(capture);
    jValues = j.dataSync();
    j.dispose();
    capture.dispose();
  }, reps);
  const gramSub = await time(() => gram64(jValues.subarray(0, sub * P), sub, P), sub === m ? reps : 1);
  const scale = (m / sub) ** 2;
  report(problem.name, 'dense route: J + read back + float64 Gram', formJ + gramSub * scale, sub === m ? '' : `(float64 part measured on ${sub} rows, ×${scale.toFixed(0)})`);

  const v = model.params.map((p) => tf.randomNormal(p.variable.shape));
  const u = tf.randomNormal([n, k]);
  report(problem.name, 'J·v (forward mode)', await time(() => {
    const jv = nn.jacobianVectorProduct(model, values, x, v);
    jv.dataSync();
    jv.dispose();
  }, 10));
  report(problem.name, 'Jᵀ·u (one reverse pass)', await time(() => tf.dispose(nn.vectorJacobianProduct(model, values, x, u).map((g) => (g.dataSync(), g))), 10));
  const provider = nn.nnCurvatureProvider();
  report(problem.name, 'GGN·v (MSE, fresh context each time)', await time(() => {
    const ctx = provider.create(model, mseLoss(), { x, y });
    tf.dispose(ctx.ggnVectorProduct(v).map((g) => (g.dataSync(), g)));
    ctx.dispose();
  }, 10));
  tf.dispose([...v, u, x, y]);
  model.dispose();
}
console.log(`numTensors at the end: ${tf.memory().numTensors}`);
