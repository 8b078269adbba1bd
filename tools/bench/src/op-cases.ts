import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import { cholesky, eigh, matrix64, type Matrix64 } from '@precond/linalg';
import { buildMlp, captureJacobian, jacobianFromCapture } from '@precond/nn';

/**
 * A benchmark of one operation (not a training step): `prepare` builds the inputs once and returns
 * the timed function; `peer` is a Python/NumPy program printing the seconds of the same work.
 */
export interface OpCase {
  readonly name: string;
  /** `tfjs`: runs on each tfjs backend; `host`: plain float64 JS, backend-independent. */
  readonly runsOn: 'tfjs' | 'host';
  readonly repeats: number;
  prepare(): { run: () => Promise<void> | void; dispose: () => void };
  /** NumPy program (run with the peer's folder on sys.path) printing one float: seconds per repeat. */
  readonly peer: string;
}

const timeit = (body: string, setup: string, repeats: number) => `
import time, numpy as np
${setup}
${body.split('\n')[0]}
best = 1e9
for _ in range(${repeats}):
    t = time.perf_counter()
${body
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
    best = min(best, time.perf_counter() - t)
print(best)
`;

/** Dense per-sample Jacobian of E1: 100 samples × 6,721 parameters (MLP 1-80-80-1 tanh). */
const jacobianE1: OpCase = {
  name: 'jacobian/e1',
  runsOn: 'tfjs',
  repeats: 20,
  prepare() {
    const model = buildMlp({ inputSize: 1, outputSize: 1, hidden: [80, 80], activation: 'tanh' }, new Rng(0));
    const x = tf.tensor2d(Array.from({ length: 100 }, (_, i) => -1 + (2 * i) / 100), [100, 1]);
    const values = model.params.map((p) => p.variable);
    return {
      run: async () => {
        const capture = captureJacobian(model, values, x, 1);
        const j = jacobianFromCapture(capture);
        await j.data();
        j.dispose();
        capture.dispose();
      },
      dispose: () => {
        x.dispose();
        model.dispose();
      },
    };
  },
  peer: timeit('J, _ = p.mlp_jac(ps, x)', 'import numpy_peer as p\nps = p.mlp_init([1, 80, 80, 1], np.random.default_rng(0))\nx, _ = p.e1_data()', 20),
};

/**
 * Dense Jacobian of E3: 476 training pairs × 23 outputs = 10,948 rows, 6,900 parameters
 * (quadratic MLP 46-100-23 without biases, output scale α²/(2p·N)).
 */
const jacobianE3: OpCase = {
  name: 'jacobian/e3',
  runsOn: 'tfjs',
  repeats: 3,
  prepare() {
    const p = 23;
    const n = 476;
    const model = buildMlp(
      { inputSize: 2 * p, outputSize: p, hidden: [100], activation: 'quadratic', bias: false, init: 'normal', outputScale: 1 / (2 * p * 100) },
      new Rng(0),
    );
    const rng = new Rng(1);
    const xs = new Float32Array(n * 2 * p);
    for (let i = 0; i < n; i++) {
      xs[i * 2 * p + rng.int(p)] = 1;
      xs[i * 2 * p + p + rng.int(p)] = 1;
    }
    const x = tf.tensor2d(xs, [n, 2 * p]);
    const values = model.params.map((q) => q.variable);
    return {
      run: async () => {
        const capture = captureJacobian(model, values, x, p);
        const j = jacobianFromCapture(capture);
        await j.data();
        j.dispose();
        capture.dispose();
      },
      dispose: () => {
        x.dispose();
        model.dispose();
      },
    };
  },
  // The same Jacobian in NumPy, by the layer rules: ∂f_c/∂W2[c,j] = s h_j², ∂f_c/∂W1[j,d] = s W2[c,j] 2 h_j x_d.
  peer: timeit(
    `h = X @ W1.T
J2 = np.einsum('ce,nj->ncej', np.eye(P, dtype=np.float32), s * h * h).reshape(n * P, P * N)
J1 = np.einsum('cj,nj,nd->ncjd', W2, 2 * s * h, X).reshape(n * P, N * D)
J = np.concatenate([J1, J2], 1)`,
    `P, N, n = 23, 100, 476; D = 2 * P; s = np.float32(1 / (D * N))
rng = np.random.default_rng(0)
W1 = rng.standard_normal((N, D)).astype(np.float32); W2 = rng.standard_normal((P, N)).astype(np.float32)
X = np.zeros((n, D), np.float32); X[np.arange(n), rng.integers(0, P, n)] = 1; X[np.arange(n), P + rng.integers(0, P, n)] = 1`,
    3,
  ),
};

function randomSymmetric(n: number, seed: number, spd: boolean): Matrix64 {
  const rng = new Rng(seed);
  const a = matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a.data[i * n + j] = v;
      a.data[j * n + i] = v;
    }
    if (spd) a.data[i * n + i] = Math.abs(a.data[i * n + i]!) + 2 * Math.sqrt(n) + 1; // diagonally dominant
  }
  return a;
}

/** Symmetric eigendecomposition (all pairs) of a 1024×1024 matrix in float64. */
const eigh1024: OpCase = {
  name: 'linalg/eigh-1024',
  runsOn: 'host',
  repeats: 3,
  prepare() {
    const a = randomSymmetric(1024, 3, false);
    return { run: () => void eigh(a), dispose: () => undefined };
  },
  peer: timeit('np.linalg.eigh(A)', 'A = np.random.default_rng(3).standard_normal((1024, 1024)); A = (A + A.T) / 2', 3),
};

/** Cholesky factor of a 2000×2000 SPD matrix in float64. */
const cholesky2000: OpCase = {
  name: 'linalg/cholesky-2000',
  runsOn: 'host',
  repeats: 3,
  prepare() {
    const a = randomSymmetric(2000, 4, true);
    return { run: () => void cholesky(a), dispose: () => undefined };
  },
  peer: timeit('np.linalg.cholesky(A)', 'n = 2000; A = np.random.default_rng(4).standard_normal((n, n)); A = (A + A.T) / 2; A[np.arange(n), np.arange(n)] = np.abs(np.diag(A)) + 2 * np.sqrt(n) + 1', 3),
};

export const OP_CASES: readonly OpCase[] = [jacobianE1, jacobianE3, eigh1024, cholesky2000];

/** Best-of-`repeats` seconds of an op case on the current backend (one warm-up run first). */
export async function measureOp(c: OpCase): Promise<number> {
  const { run, dispose } = c.prepare();
  try {
    await run();
    let best = Infinity;
    for (let i = 0; i < c.repeats; i++) {
      const t = performance.now();
      await run();
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    return best;
  } finally {
    dispose();
  }
}
