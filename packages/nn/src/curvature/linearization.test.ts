import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { captureJacobian, captureLayersByAutodiff } from './capture.js';
import { nnCurvatureProvider } from './context.js';
import { jacobianVectorProduct, vectorJacobianProduct } from './jacobian.js';
import { linearizeModel } from './linearization.js';
import { buildModel, finiteDifferenceJacobian, parameterValues, type LayerSpec } from './test-support/reference-network.js';

// Every activation the mlp plugin offers, an identity layer (no φ' kept) and a scale layer.
const SPECS: LayerSpec[] = [
  { kind: 'dense', inputSize: 3, outputSize: 6, activation: 'tanh', bias: true },
  { kind: 'dense', inputSize: 6, outputSize: 5, activation: 'quadratic', bias: false },
  { kind: 'dense', inputSize: 5, outputSize: 5, activation: 'sin', bias: true },
  { kind: 'dense', inputSize: 5, outputSize: 4, activation: 'relu', bias: true },
  { kind: 'dense', inputSize: 4, outputSize: 2, activation: 'identity', bias: true },
  { kind: 'scale', factor: 0.25 },
];
const N = 7;
const K = 2;

function setup(specs = SPECS) {
  const model = buildModel(specs, 5);
  const rng = new Rng(6);
  const xs = Array.from({ length: N }, () => Array.from({ length: 3 }, () => rng.uniformIn(-1, 1)));
  const x = tf.tensor2d(xs);
  const values = model.params.map((p) => p.variable as tf.Tensor);
  const random = (shape: readonly number[], seed: number) => {
    const r = new Rng(seed);
    return tf.tensor(r.fill(shape.reduce((a, b) => a * b, 1), (q) => q.normal()), [...shape]);
  };
  return { model, xs, x, values, random, dispose: () => (x.dispose(), model.dispose()) };
}

const flat = (tensors: readonly tf.Tensor[]) => tensors.flatMap((t) => Array.from(t.dataSync()));

/** max |a − b| / max |b|, and the scale itself (so a test can check it compared something). */
function relativeDifference(a: readonly number[], b: readonly number[]): { diff: number; scale: number } {
  expect(a).toHaveLength(b.length);
  let diff = 0;
  let scale = 0;
  b.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(a[i]! - v));
    scale = Math.max(scale, Math.abs(v));
  });
  return { diff: diff / scale, scale };
}

describe('linearizeModel', () => {
  it('gives the outputs, J·v and Jᵀ·u of the autodiff routes (tanh, quadratic, sin, relu, identity, scale)', () => {
    const { model, x, values, random, dispose } = setup();
    const lin = linearizeModel(model, values, x)!;
    expect(lin).not.toBeNull();
    const v = model.params.map((p, i) => random(p.variable.shape, 10 + i));
    const u = random([N, K], 30) as tf.Tensor2D;
    // The same float32 ops in the same order for the outputs: bit for bit.
    expect(Array.from(lin.outputs.dataSync())).toEqual(Array.from(tf.tidy(() => model.forward(values, x)).dataSync()));
    // J·v: the layers' own jvp rules recompute s and φ'(s) with the same ops: equal to float32 rounding.
    const jv = relativeDifference(flat([lin.jvp(v)]), flat([jacobianVectorProduct(model, values, x, v)]));
    expect(jv.scale).toBeGreaterThan(0.01);
    expect(jv.diff).toBeLessThan(1e-5);
    // Jᵀ·u against tf.grads: the same products, summed in another order (explicit transposes): 1e-5.
    const jtu = relativeDifference(flat(lin.vjp(u)), flat(vectorJacobianProduct(model, values, x, u)));
    expect(jtu.scale).toBeGreaterThan(0.01);
    expect(jtu.diff).toBeLessThan(1e-5);
    lin.dispose();
    tf.dispose([...v, u]);
    dispose();
  });

  it('agrees with float64 finite differences of an independent network: uᵀ(J v) = (Jᵀu)ᵀ v = uᵀ J_fd v', () => {
    const { model, xs, x, values, random, dispose } = setup();
    const lin = linearizeModel(model, values, x)!;
    const v = model.params.map((p, i) => random(p.variable.shape, 40 + i));
    const u = random([N, K], 50) as tf.Tensor2D;
    const jacobian = finiteDifferenceJacobian(SPECS, parameterValues(model), xs);
    const vFlat = flat(v);
    const uFlat = flat([u]);
    // uᵀ J v in float64 from the reference Jacobian (rows i·k + c, the layout of u flattened).
    const expected = jacobian.reduce((s, row, r) => s + uFlat[r]! * row.reduce((t, e, j) => t + e * vFlat[j]!, 0), 0);
    const jv = flat([lin.jvp(v)]).reduce((s, e, r) => s + e * uFlat[r]!, 0);
    const jtu = flat(lin.vjp(u)).reduce((s, e, j) => s + e * vFlat[j]!, 0);
    // Central differences with h = 1e-5 (error ~h² ≈ 1e-10) against float32 products of ~40 terms: 1e-4 relative.
    expect(Math.abs(expected)).toBeGreaterThan(0.01);
    expect(Math.abs(jv - expected)).toBeLessThan(1e-4 * Math.abs(expected));
    expect(Math.abs(jtu - expected)).toBeLessThan(1e-4 * Math.abs(expected));
    lin.dispose();
    tf.dispose([...v, u]);
    dispose();
  });

  it('captures the same factors and probe gradients as the zero-probe trick on tf.grads', () => {
    const { model, x, values, random, dispose } = setup();
    const lin = linearizeModel(model, values, x)!;
    const u = random([N, K], 60) as tf.Tensor2D;
    const fast = lin.capture(u);
    const slow = captureLayersByAutodiff(model, values, x, u);
    expect(fast.layers.map((l) => l.index)).toEqual(slow.layers.map((l) => l.index));
    expect(fast.uncaptured).toEqual([]);
    fast.layers.forEach((entry, i) => {
      const other = slow.layers[i]!;
      expect(entry.layer).toBe(other.layer);
      // The factor is the layer input, computed by the same forward ops: identical.
      expect(Array.from(entry.factor.dataSync())).toEqual(Array.from(other.factor.dataSync()));
      const g = relativeDifference(Array.from(entry.probeGradient.dataSync()), Array.from(other.probeGradient.dataSync()));
      expect(g.diff).toBeLessThan(1e-5);
    });
    expect(Array.from(fast.outputs.dataSync())).toEqual(Array.from(slow.outputs.dataSync()));
    fast.dispose();
    slow.dispose();
    lin.dispose();
    u.dispose();
    dispose();
  });

  it('makes a Jacobian capture from the context’s linearisation (k = 1 and per-output) equal to the replicated capture', () => {
    const single: LayerSpec[] = [...SPECS.slice(0, 4), { kind: 'dense', inputSize: 4, outputSize: 1, activation: 'identity', bias: true }];
    for (const specs of [SPECS, single]) {
      const { model, x, values, dispose } = setup(specs);
      const k = specs === SPECS ? K : 1;
      const lin = linearizeModel(model, values, x)!;
      const shared = captureJacobian(model, values, x, k, 'per-output', lin);
      // One sweep over N·k rows from the shared forward pass (no repeated forward pass).
      const sharedReplicated = captureJacobian(model, values, x, k, 'replicate', lin);
      const replicated = captureJacobian(model, values, x, k, 'replicate');
      for (const capture of [shared, sharedReplicated]) {
        capture.layers.forEach((entry, l) => {
          const other = replicated.layers[l]!;
          expect(entry.factor.shape).toEqual([N * k, other.factor.shape[1]]);
          expect(Array.from(entry.factor.dataSync())).toEqual(Array.from(other.factor.dataSync()));
          // Rows i·k + c: a sweep with cotangent e_c against one sweep of the replicated batch.
          expect(relativeDifference(Array.from(entry.probeGradient.dataSync()), Array.from(other.probeGradient.dataSync())).diff).toBeLessThan(1e-5);
        });
      }
      shared.dispose();
      sharedReplicated.dispose();
      replicated.dispose();
      lin.dispose();
      dispose();
    }
  });

  it('captures r cotangents per sample without repeating the forward pass: equal to an autodiff capture of the repeated batch', () => {
    const { model, x, values, random, dispose } = setup();
    const r = 3;
    const u = random([N * r, K], 90) as tf.Tensor2D;
    const lin = linearizeModel(model, values, x)!;
    const fast = lin.capture(u, r);
    // The reference: tf.grads through the model on x with every row repeated r times in place.
    const repeated = tf.tensor2d(Array.from({ length: N * r }, (_, row) => Array.from(x.arraySync()[Math.floor(row / r)]!)));
    const slow = captureLayersByAutodiff(model, values, repeated, u);
    expect(fast.outputs.shape).toEqual([N, K]);
    expect(Array.from(fast.outputs.dataSync())).toEqual(Array.from(lin.outputs.dataSync()));
    fast.layers.forEach((entry, i) => {
      const other = slow.layers[i]!;
      expect(entry.probeGradient.shape).toEqual(other.probeGradient.shape);
      expect(entry.factor.shape).toEqual([N, other.factor.shape[1]]);
      // Factor row i is the repeated batch's rows i·r … i·r + r − 1.
      const wide = other.factor.arraySync();
      entry.factor.arraySync().forEach((row, sample) => {
        for (let c = 0; c < r; c++) expect(wide[sample * r + c]).toEqual(row);
      });
      const g = relativeDifference(Array.from(entry.probeGradient.dataSync()), Array.from(other.probeGradient.dataSync()));
      expect(g.scale).toBeGreaterThan(0.01);
      expect(g.diff).toBeLessThan(1e-5);
    });
    expect(() => lin.capture(random([N * r, K], 91) as tf.Tensor2D, 2)).toThrow(`capture: the cotangent must be [${N * 2}, ${K}] (2 row(s) per sample of [${N}, ${K}] outputs), got [${N * r}, ${K}]`);
    expect(() => lin.capture(u, 0)).toThrow('capture: rowsPerSample must be a positive integer, got 0');
    fast.dispose();
    slow.dispose();
    lin.dispose();
    tf.dispose([u, repeated]);
    dispose();
  });

  it('is null for a model with a layer without a linearize rule (an embedding)', () => {
    const specs: LayerSpec[] = [
      { kind: 'embedding', vocabSize: 5, dim: 2, tokens: 2 },
      { kind: 'dense', inputSize: 4, outputSize: 1, activation: 'identity', bias: true },
    ];
    const model = buildModel(specs, 1);
    const x = tf.tensor2d([[0, 4]]);
    expect(linearizeModel(model, model.params.map((p) => p.variable), x)).toBeNull();
    x.dispose();
    model.dispose();
  });

  it('keeps its tensors through a caller’s tf.tidy, hands products to the caller’s scope, and frees everything on dispose', () => {
    const { model, x, values, random, dispose } = setup();
    const v = model.params.map((p, i) => random(p.variable.shape, 70 + i));
    const u = random([N, K], 80) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    let lin: ReturnType<typeof linearizeModel> = null;
    tf.tidy(() => {
      lin = linearizeModel(model, values, x);
    });
    expect(lin!.outputs.isDisposed).toBe(false);
    const held = tf.memory().numTensors;
    // Products made inside a tidy belong to it, as a CG operator's results do: no growth over many.
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        lin!.vjp(lin!.jvp(v) as tf.Tensor2D);
        lin!.vjp(u);
      });
    }
    // The transposes made on first use stay with the linearisation (aᵀ per dense layer, Wᵀ for all but the first).
    expect(tf.memory().numTensors).toBe(held + 5 + 4);
    const capture = lin!.capture(u);
    capture.dispose();
    lin!.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
    tf.dispose([...v, u]);
    dispose();
  });

  it('lets a context run a CG-length loop of GGN·v products without growing the tensor count', () => {
    const { model, x, random, dispose } = setup();
    const y = tf.zeros([N, K]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const ctx = nnCurvatureProvider().create(model, mseLoss(), { x, y });
    let v = model.params.map((p, i) => random(p.variable.shape, 90 + i));
    ctx.ggnVectorProduct(v).forEach((t) => t.dispose());
    const settled = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) {
      const next = tf.tidy(() => ctx.ggnVectorProduct(v).map((t) => tf.div(t, tf.norm(t))));
      tf.dispose(v);
      v = next;
    }
    expect(tf.memory().numTensors).toBe(settled);
    tf.dispose(v);
    ctx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    y.dispose();
    dispose();
  });
});
