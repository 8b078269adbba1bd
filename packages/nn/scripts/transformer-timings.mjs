#!/usr/bin/env node
// Times the matrix-free curvature products of the E6 transformer on one backend (README,
// "Timings"). Runs against the built packages (nn may not depend on runtime-node, so this is a script):
//   pnpm --filter @precond/core --filter @precond/runtime-node --filter @precond/nn build
//   node packages/nn/scripts/transformer-timings.mjs wasm 4704,512     (backend, batch sizes)
import { performance } from 'node:perf_hooks';
import { useBackend } from '../../runtime-node/dist/index.js';
import { Rng, crossEntropyLoss } from '../../core/dist/index.js';
import * as nn from '../dist/index.js';

const backend = process.argv[2] ?? 'wasm';
const sizes = (process.argv[3] ?? '4704,512').split(',').map(Number);
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
const read = async (tensors) => {
  for (const t of tensors) await t.data();
  tf.dispose(tensors);
};

// E6 (PAPER.md): p = 97, tokens [a, b, =] with '=' = 97, 2 blocks, 4 heads, d = 128, 422,241 parameters.
const p = 97;
const model = nn.buildTransformer({ vocabSize: p + 1, sequenceLength: 3, outputSize: p }, new Rng(0));
// The same layers without their forward-mode rules: J·v by the double-VJP fallback. The embedding
// keeps its rule (its scatter gradient is not differentiable twice), the dense unembedding the
// rule it derives from its affine structure.
const bare = nn.sequentialModel(
  model.layers.map((layer) => (layer.kind === 'embedding' ? layer : (({ curvature: _rules, ...rest }) => rest)(layer))),
  new Rng(0),
);
const values = model.params.map((q) => q.variable);
const loss = crossEntropyLoss();
console.log(`${backend}\tE6 transformer, P = ${model.parameterCount()}`);

for (const n of sizes) {
  const rng = new Rng(n);
  const pairs = Array.from(rng.permutation(p * p)).slice(0, n);
  const x = tf.tensor2d(pairs.flatMap((k) => [Math.floor(k / p), k % p, p]), [n, 3]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(pairs.map((k) => (Math.floor(k / p) + (k % p)) % p), 'int32'), p), 'float32'));
  const v = model.params.map((q) => tf.randomNormal(q.variable.shape));
  const u = tf.randomNormal([n, p]);
  const reps = n > 1000 ? 2 : 5;
  const report = (what, ms) => console.log(`${backend}\tn=${n}\t${what}\t${fmt(ms)}`);

  report('forward', await time(() => read([tf.tidy(() => model.apply(x))]), reps));
  report('loss gradient (one reverse pass, what Adam needs)', await time(() => read(tf.grads((...vals) => loss.value(model.applyWith(vals, x), y))(values)), reps));
  report('J·v, forward-mode rules', await time(() => read([nn.jacobianVectorProduct(model, values, x, v)]), reps));
  report('J·v, double-VJP fallback', await time(() => read([nn.jacobianVectorProduct(bare, values, x, v)]), reps));
  report('Jᵀ·u (one reverse pass)', await time(() => read(nn.vectorJacobianProduct(model, values, x, u)), reps));
  const provider = nn.nnCurvatureProvider();
  report('GGN·v (cross-entropy, fresh context each time)', await time(async () => {
    const ctx = provider.create(model, loss, { x, y });
    await read(ctx.ggnVectorProduct(v));
    ctx.dispose();
  }, reps));
  const ctx = provider.create(model, loss, { x, y });
  await read([ctx.outputs()].map((t) => tf.clone(t)));
  report('GGN·v (cross-entropy, outputs and H memoised, as in a CG loop)', await time(() => read(ctx.ggnVectorProduct(v)), reps));
  ctx.dispose();
  tf.dispose([x, y, u, ...v]);
}
model.dispose();
bare.dispose();
console.log(`numTensors at the end: ${tf.memory().numTensors}`);
