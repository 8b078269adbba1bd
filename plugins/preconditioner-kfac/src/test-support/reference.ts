// Independent float64 reference computations for the tests: plain number[][] arithmetic, written
// without @precond/linalg or K-FAC's own code, so an expected number never comes from the code it
// checks.
import * as tf from '@tensorflow/tfjs-core';
import { Rng, RunStepContext, type CurvatureProvider, type Dataset, type Loss, type Model } from '@precond/core';
import { denseLayer, nnCurvatureProvider, sequentialModel, type SequentialModel } from '@precond/nn';
import { afterEach } from 'vitest';
import { kfacOptions, kfacPreconditioner, type KfacOptionsInput, type KfacPreconditioner } from '../index.js';

export type Mat = number[][];

/**
 * How closely a factor matches a float64 reference: on the cpu backend factors are formed in
 * float64 on the host (rounding ~1e-16 relative); on other backends the products run on the device
 * in float32 (placement.ts), where sums of a few dozen products round at ~1e-7 relative.
 */
export function factorTolerance(): number {
  return tf.getBackend() === 'cpu' ? 1e-12 : 1e-6;
}

export function zeros(rows: number, cols: number): Mat {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

export function eye(n: number): Mat {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

export function transpose(a: Mat): Mat {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

export function matMul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

export function add(a: Mat, b: Mat, scaleB = 1): Mat {
  return a.map((row, i) => row.map((v, j) => v + scaleB * b[i]![j]!));
}

export function scale(a: Mat, s: number): Mat {
  return a.map((row) => row.map((v) => v * s));
}

/** `(1/divisor) Σ_r x_r x_rᵀ` over the rows of x. */
export function meanOuter(x: Mat, divisor: number): Mat {
  return scale(matMul(transpose(x), x), 1 / divisor);
}

/** Rows with a 1 appended (the bias column). */
export function withOnes(x: Mat): Mat {
  return x.map((row) => [...row, 1]);
}

/** `A⁻¹ B` by Gauss-Jordan elimination with partial pivoting. */
export function solve(a: Mat, b: Mat): Mat {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const p = m[c]![c]!;
    for (let j = 0; j < m[c]!.length; j++) m[c]![j]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      if (f === 0) continue;
      for (let j = 0; j < m[r]!.length; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}

export function inverse(a: Mat): Mat {
  return solve(a, eye(a.length));
}

/** Row-major float64 array → matrix. */
export function fromFlat(data: ArrayLike<number>, rows: number, cols: number): Mat {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => data[i * cols + j]!));
}

export function flat(a: Mat): number[] {
  return a.flat();
}

/** Largest |a - b| relative to the largest |b|. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let size = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    size = Math.max(size, Math.abs(b[i]!));
  }
  return diff / size;
}

/** A tensor's values as a float64 matrix (exactly the float32 values the model sees). */
export function read(t: tf.Tensor): Mat {
  const [rows, cols] = t.rank === 1 ? [1, t.shape[0]!] : (t.shape as [number, number]);
  return fromFlat(t.dataSync(), rows, cols);
}

/** `rows × cols` standard normals from `rng`, rounded to float32 (what a tensor will hold). */
export function normals(rng: Rng, rows: number, cols: number, sd = 1): Mat {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(sd * rng.normal())));
}

/** A runner-style step context over `model` (nn's curvature provider unless told otherwise). */
export function stepContext(step: number, model: Model, batch: Dataset, loss: Loss, rng: Rng, provider: CurvatureProvider = nnCurvatureProvider()): RunStepContext {
  return new RunStepContext(step, model, batch, loss, rng, provider, false);
}

/** A K-FAC preconditioner with `options` validated by the plugin's schema, initialised on `model`. */
export function makeKfac(model: Model, options: KfacOptionsInput = {}): KfacPreconditioner {
  const k = kfacPreconditioner(kfacOptions.parse(options));
  k.init(model.params);
  return k;
}

/** One update on a fresh step context (disposed afterwards); returns the diagnostics. */
export async function updateOn(k: KfacPreconditioner, step: number, model: Model, batch: Dataset, loss: Loss, rng: Rng): Promise<Record<string, number>> {
  const ctx = stepContext(step, model, batch, loss, rng);
  try {
    return (await k.update(ctx)) as Record<string, number>;
  } finally {
    ctx.dispose();
  }
}

/** The preconditioned gradient of one step as flat float64 arrays per parameter. */
export async function directionOn(k: KfacPreconditioner, step: number, model: Model, batch: Dataset, loss: Loss, rng: Rng): Promise<{ metrics: Record<string, number>; grads: Float32Array[]; direction: Float32Array[] }> {
  const ctx = stepContext(step, model, batch, loss, rng);
  try {
    const metrics = (await k.update(ctx)) as Record<string, number>;
    const { grads } = ctx.valueAndGrads();
    const d = k.apply(grads);
    const out = { metrics, grads: grads.map((g) => Float32Array.from(g.dataSync())), direction: d.map((t) => Float32Array.from(t.dataSync())) };
    tf.dispose(d);
    return out;
  } finally {
    ctx.dispose();
  }
}

/**
 * What a test file's tests make and must free: `track(x)` disposes `x` after the current test,
 * `tensor(m)` is a tracked 2-D tensor, `linearModel(inputs, outputs, seed)` a tracked single dense
 * layer `f = x W + b` (identity activation, N(0, 1) kernel and bias). Call once at a file's top level
 * (it registers the file's `afterEach`).
 */
export function disposeAfterEachTest() {
  const live: { dispose(): void }[] = [];
  afterEach(() => {
    live.splice(0).forEach((x) => x.dispose());
  });
  const track = <T extends { dispose(): void }>(x: T): T => (live.push(x), x);
  const tensor = (m: Mat): tf.Tensor2D => track(tf.tensor2d(m));
  const linearModel = (inputs: number, outputs: number, seed: number): SequentialModel =>
    track(sequentialModel([denseLayer({ name: 'dense', inputSize: inputs, outputSize: outputs, kernelInit: 'normal', biasInit: 'normal' })], new Rng(seed)));
  return { track, tensor, linearModel };
}
