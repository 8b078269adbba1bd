import { performance } from 'node:perf_hooks';
import { useBackend } from '../../runtime-node/dist/index.js';
import { Rng, mseLoss } from '../../core/dist/index.js';
import { cholesky, choleskySolve } from '../../linalg/dist/index.js';
import * as nn from '../dist/index.js';
await useBackend('wasm');
const tf = await import('@tensorflow/tfjs-core');
const model = nn.buildMlp({ inputSize: 1, outputSize: 1, hidden: [80, 80], activation: 'tanh' }, new Rng(0));
const x = tf.tensor2d(Float32Array.from({ length: 100 }, (_, i) => -1 + (2 * i) / 100), [100, 1]);
const y = tf.randomNormal([100, 1]);
const loss = mseLoss();
const T = {}; const add = (k, t) => { T[k] = (T[k] ?? 0) + t; };
const R = 400;
for (let rep = 0; rep < R + 50; rep++) {
  const on = rep >= 50;
  let t = performance.now(); const lap = (k) => { const n = performance.now(); if (on) add(k, n - t); t = n; };
  const ctx = nn.nnCurvatureProvider().create(model, loss, { x, y }); lap('ctx');
  const out = ctx.outputs(); lap('outputs (linearise)');
  const g = tf.tidy(() => loss.outputGradient(out, y));
  const check = tf.tidy(() => tf.stack([loss.value(out, y), tf.cast(tf.all(tf.isFinite(g)), 'float32')]));
  const [l, f] = await check.data(); check.dispose(); lap('grad+loss+check read');
  const [gram, gd] = await Promise.all([ctx.gram64(), g.data()]); lap('gram64 (capture+gram)');
  const K = Float64Array.from(gram); for (let i = 0; i < 100; i++) K[i * 101] += 0.1;
  const fac = cholesky({ rows: 100, cols: 100, data: K }, { jitter: true });
  const alpha = choleskySolve(fac.L, Float64Array.from(gd)); lap('cholesky+solve');
  const at = tf.tensor2d(Float32Array.from(alpha), [100, 1]);
  const d = ctx.vjp(at); at.dispose(); lap('vjp');
  const vals = tf.tidy(() => model.params.map((p, i) => tf.sub(p.variable, tf.mul(d[i], 0))));
  model.params.forEach((p, i) => p.variable.assign(vals[i])); tf.dispose(vals); tf.dispose(d); lap('update');
  g.dispose(); ctx.dispose(); lap('dispose');
}
let tot = 0; for (const [k, v] of Object.entries(T)) { tot += v; console.log(k.padEnd(28), (v / R * 1000).toFixed(0), 'µs'); }
console.log('total', (tot / R * 1000).toFixed(0), 'µs; tensors', tf.memory().numTensors);
