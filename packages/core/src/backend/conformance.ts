import * as tf from '@tensorflow/tfjs-core';

/** One output of one op that differs from the reference (or could not be computed). */
export interface ConformanceFailure {
  /** The op under test: `matMul`, `tanh`, `softmax`, `variable`, ... */
  readonly op: string;
  /** Which of its outputs: `a·bᵀ`, `gradient`, ...; `run` when the op threw. */
  readonly output: string;
  /** What went wrong, with the worst element's index and both values. */
  readonly detail: string;
}

/** What `checkBackend` found. */
export interface ConformanceReport {
  readonly backend: string;
  /** The backend the results are compared with. */
  readonly reference: 'cpu';
  readonly passed: boolean;
  /** The ops compared, in order. */
  readonly ops: readonly string[];
  readonly failures: readonly ConformanceFailure[];
  /** Wall time of the whole check, both backends. */
  readonly ms: number;
}

export interface CheckBackendOptions {
  /**
   * Largest allowed normwise relative error, max|a − e| / max|e|, per output (default 1e-4).
   * Normwise rather than elementwise so that float32 cancellation in small elements of a sum or
   * a product is not mistaken for a wrong kernel, while any real error still stands out.
   */
  readonly rtol?: number;
}

/** Values read back from one output tensor. */
interface Readout {
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
  readonly values: readonly number[];
}

/** One op of the check: `run` builds its outputs from fixed inputs, inside `tf.tidy`. */
interface ConformanceCase {
  readonly op: string;
  readonly run: () => Record<string, tf.Tensor>;
  /** A looser bound for this op where a backend's documented accuracy is below float32 rounding. */
  readonly rtol?: number;
}

/**
 * Runs the ops training needs on backend `name` and on `cpu`, and compares them.
 *
 * Covers matMul (all four transpose combinations, batched, and its gradient), tanh, relu and sin
 * with their gradients through `tf.grads`, sum and mean, softmax and logSoftmax (with large logits,
 * and gradients), gather (with a repeated index, and its gradient), concat, isFinite and all, and
 * a variable updated with `assign` from `tf.variableGrads`. Each op reports on its own, so one
 * missing kernel does not hide the rest. The backend active before the call is active again after
 * it, and no tensor is left behind: tensors are disposed before each switch of backend.
 *
 * `cpu` is the reference, so checking `cpu` itself only proves that every op runs.
 *
 * @example
 * const report = await checkBackend('wasm');
 * if (!report.passed) console.error(report.failures);
 */
export async function checkBackend(name: string, options: CheckBackendOptions = {}): Promise<ConformanceReport> {
  const rtol = options.rtol ?? 1e-4;
  const started = performance.now();
  const cases = conformanceCases();
  const ops = cases.map((c) => c.op);
  const done = (failures: ConformanceFailure[]): ConformanceReport => ({
    backend: name,
    reference: 'cpu',
    passed: failures.length === 0,
    ops,
    failures,
    ms: performance.now() - started,
  });
  if (tf.findBackendFactory(name) === null) {
    const known = tf.engine().backendNames().sort().join(', ');
    return done([{ op: 'backend', output: 'run', detail: `backend '${name}' is not registered; registered: ${known}` }]);
  }
  const previous = tf.getBackend() as string | null | undefined;
  try {
    if (!(await tf.setBackend('cpu'))) {
      return done([{ op: 'backend', output: 'run', detail: "the reference backend 'cpu' could not be initialised" }]);
    }
    const reference = await evaluateAll(cases);
    if (!(await tf.setBackend(name))) {
      return done([{ op: 'backend', output: 'run', detail: `backend '${name}' could not be initialised` }]);
    }
    const actual = await evaluateAll(cases);
    const failures: ConformanceFailure[] = [];
    cases.forEach((c, i) => {
      const expected = reference[i]!;
      const got = actual[i]!;
      if (expected instanceof Error) {
        failures.push({ op: c.op, output: 'run', detail: `the cpu reference threw: ${expected.message}` });
      } else if (got instanceof Error) {
        failures.push({ op: c.op, output: 'run', detail: `threw on '${name}': ${got.message}` });
      } else {
        for (const [output, e] of Object.entries(expected)) {
          const a = got[output];
          const detail = a ? compare(a, e, Math.max(rtol, c.rtol ?? 0)) : 'missing output';
          if (detail !== null) failures.push({ op: c.op, output, detail });
        }
      }
    });
    return done(failures);
  } finally {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  }
}

/** Runs every case on the active backend and reads its outputs back; an op that throws gives its Error. */
async function evaluateAll(cases: readonly ConformanceCase[]): Promise<Array<Record<string, Readout> | Error>> {
  const results: Array<Record<string, Readout> | Error> = [];
  for (const c of cases) {
    let outputs: Record<string, tf.Tensor> | null = null;
    try {
      outputs = tf.tidy(() => c.run());
      const read: Record<string, Readout> = {};
      // `data()`, not `dataSync()`: GPU backends can only read back asynchronously.
      for (const [key, t] of Object.entries(outputs)) read[key] = { shape: t.shape, dtype: t.dtype, values: Array.from(await t.data()) };
      results.push(read);
    } catch (e) {
      results.push(e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (outputs) tf.dispose(outputs);
    }
  }
  return results;
}

/** Null when `actual` matches `expected`, else what differs. */
function compare(actual: Readout, expected: Readout, rtol: number): string | null {
  if (actual.shape.join(',') !== expected.shape.join(',')) return `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (expected.dtype !== 'float32') {
    const i = expected.values.findIndex((e, k) => actual.values[k] !== e);
    return i < 0 ? null : `element ${i} is ${actual.values[i]}, expected ${expected.values[i]} (exact for ${expected.dtype})`;
  }
  let scale = 0;
  for (const e of expected.values) if (Number.isFinite(e)) scale = Math.max(scale, Math.abs(e));
  // An all-zero expected output is compared absolutely.
  const tolerance = rtol * (scale > 0 ? scale : 1);
  let worst = -1;
  let worstError = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i]!;
    const a = actual.values[i]!;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) return `element ${i} is ${a}, expected ${e}`;
      continue;
    }
    const error = Math.abs(a - e);
    if (error > worstError) {
      worstError = error;
      worst = i;
    }
  }
  if (worstError <= tolerance) return null;
  const relative = worstError / (scale > 0 ? scale : 1);
  return `element ${worst} is ${actual.values[worst]}, expected ${expected.values[worst]} (normwise relative error ${relative.toExponential(2)} > ${rtol})`;
}

/** `n` fixed pseudo-random values in (-1, 1) (mulberry32), the same on every call. */
function fixedValues(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out.push(2 * u - 1);
  }
  return out;
}

function input(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(fixedValues(size, seed).map((v) => offset + scale * v), shape, 'float32');
}

/** An elementwise op, its value and its gradient weighted by a fixed upstream `u` (as a loss would). */
function unaryCase(op: string, f: (x: tf.Tensor) => tf.Tensor, seed: number, rtol?: number): ConformanceCase {
  return {
    op,
    ...(rtol === undefined ? {} : { rtol }),
    run: () => {
      // Scaled away from 0 so that relu's kink (where backends may legitimately differ) is not hit.
      const x = tf.tensor(fixedValues(24, seed).map((v) => (v >= 0 ? 0.05 + 2.5 * v : -0.05 + 2.5 * v)), [4, 6]);
      const u = input([4, 6], seed + 1);
      const [gradient] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(f(t), u)))([x]);
      return { value: f(x), gradient: gradient! };
    },
  };
}

function conformanceCases(): ConformanceCase[] {
  return [
    {
      op: 'matMul',
      run: () => {
        const a = input([6, 5], 1);
        const b = input([5, 4], 2);
        const aT = input([5, 6], 3);
        const bT = input([4, 5], 4);
        const u = input([6, 4], 5);
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), u)))([a, b]);
        return {
          'a·b': tf.matMul(a, b),
          'aᵀ·b': tf.matMul(aT, b, true, false),
          'a·bᵀ': tf.matMul(a, bT, false, true),
          'aᵀ·bᵀ': tf.matMul(aT, bT, true, true),
          batched: tf.matMul(input([3, 4, 5], 6), input([3, 5, 2], 7)),
          'gradient a': ga!,
          'gradient b': gb!,
        };
      },
    },
    unaryCase('tanh', (x) => tf.tanh(x), 11),
    unaryCase('relu', (x) => tf.relu(x), 13),
    // WGSL only promises sin within 2⁻¹¹ ≈ 4.9e-4 absolute on [-π, π] (values of magnitude ≤ 1, so
    // also normwise relative), and SwiftShader's WebGPU is 1.9e-4 off here; a wrong kernel is off by ~1.
    unaryCase('sin', (x) => tf.sin(x), 17, 2 ** -11),
    {
      op: 'sum',
      run: () => {
        const x = input([5, 7], 21);
        return { all: tf.sum(x), 'axis 0': tf.sum(x, 0), 'axis 1, keepDims': tf.sum(x, 1, true) };
      },
    },
    {
      op: 'mean',
      run: () => {
        const x = input([5, 7], 23);
        return { all: tf.mean(x), 'axis 1': tf.mean(x, 1) };
      },
    },
    {
      op: 'softmax',
      run: () => {
        // Logits near 40 overflow a naive exp in float32: this checks the max is subtracted first.
        const logits = input([4, 6], 25, 4, 40);
        const u = input([4, 6], 26);
        const [gradient] = tf.grads((z: tf.Tensor) => tf.sum(tf.mul(tf.softmax(z), u)))([logits]);
        return { value: tf.softmax(logits), gradient: gradient! };
      },
    },
    {
      op: 'logSoftmax',
      run: () => {
        const logits = input([4, 6], 27, 4, 40);
        const u = input([4, 6], 28);
        const [gradient] = tf.grads((z: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(z), u)))([logits]);
        return { value: tf.logSoftmax(logits), gradient: gradient! };
      },
    },
    {
      op: 'gather',
      run: () => {
        const x = input([5, 3], 31);
        // Index 2 twice: its gradient row must be the sum of both upstream rows.
        const rows = tf.tensor1d([4, 0, 2, 2], 'int32');
        const u = input([4, 3], 32);
        const [gradient] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, rows, 0), u)))([x]);
        return { 'axis 0': tf.gather(x, rows, 0), 'axis 1': tf.gather(x, tf.tensor1d([2, 0], 'int32'), 1), gradient: gradient! };
      },
    },
    {
      op: 'concat',
      run: () => {
        const a = input([2, 3], 41);
        const b = input([4, 3], 42);
        const c = input([2, 5], 43);
        const u = input([6, 3], 44);
        const [ga] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.concat([t, b], 0), u)))([a]);
        return { 'axis 0': tf.concat([a, b], 0), 'axis 1': tf.concat([a, c], 1), gradient: ga! };
      },
    },
    {
      op: 'isFinite',
      run: () => {
        const x = tf.tensor1d([1.5, Number.NaN, Number.POSITIVE_INFINITY, -2, Number.NEGATIVE_INFINITY, 0]);
        return { value: tf.isFinite(x) };
      },
    },
    {
      op: 'all',
      run: () => {
        const mixed = tf.tensor1d([1.5, Number.NaN, 3]);
        const finite = input([3, 4], 51);
        return {
          'with NaN': tf.all(tf.isFinite(mixed)),
          finite: tf.all(tf.isFinite(finite)),
          'axis 1': tf.all(tf.isFinite(tf.tensor2d([[1, Number.POSITIVE_INFINITY], [2, 3]])), 1),
        };
      },
    },
    {
      op: 'variable',
      run: () => {
        const v = tf.variable(input([3, 4], 61), true);
        try {
          // One gradient step on |v|², the shape of every optimizer update: v ← v − 0.1·2v.
          const { value: loss, grads } = tf.variableGrads(() => tf.sum(tf.square(v)), [v]);
          const gradient = grads[v.name]!;
          v.assign(tf.sub(v, tf.mul(0.1, gradient)));
          return { loss, gradient, 'after assign': tf.clone(v) };
        } finally {
          // tidy does not dispose variables.
          v.dispose();
        }
      },
    },
  ];
}
