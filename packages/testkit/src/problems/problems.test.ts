import * as tf from '@tensorflow/tfjs-core';
import { Rng, RunStepContext } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { denseCurvatureProvider, DENSE_JACOBIAN_LIMIT } from './dense-curvature.js';
import { FunctionModel } from './function-model.js';
import { LEAST_SQUARES_EIGENVALUES, LEAST_SQUARES_OPTIMUM, LEAST_SQUARES_ROTATION, leastSquaresInputs, leastSquaresProblem } from './least-squares.js';
import type { Problem } from './problem.js';
import { rosenbrockProblem } from './rosenbrock.js';

/** The loss and gradients at the problem's current parameters, through core's step context. */
async function lossAndGradients(problem: Problem): Promise<{ loss: number; grads: number[][] }> {
  const ctx = new RunStepContext(1, problem.model, problem.data, problem.loss, new Rng(0), undefined, false);
  try {
    const { value, grads } = ctx.valueAndGrads();
    return { loss: (await value.data())[0]!, grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))) };
  } finally {
    ctx.dispose();
  }
}

function setParameters(problem: Problem, flat: readonly number[]): void {
  let k = 0;
  tf.tidy(() =>
    problem.model.params.forEach((p) => {
      p.variable.assign(tf.tensor(flat.slice(k, k + p.variable.size), p.variable.shape));
      k += p.variable.size;
    }),
  );
}

describe('leastSquaresProblem', () => {
  const x = leastSquaresInputs();
  // H_kernel = XᵀX/4 in float64, computed directly from the inputs.
  const h = [0, 1, 2].map((i) => [0, 1, 2].map((j) => x.reduce((s, row) => s + row[i]! * row[j]!, 0) / 4));

  it('has the rotation V orthonormal, XᵀX/4 = Vᵀ diag(1, 0.3, 0.1) V and Xᵀ1 = 0', () => {
    const v = LEAST_SQUARES_ROTATION;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(v[i]!.reduce((s, a, k) => s + a * v[j]![k]!, 0)).toBeCloseTo(i === j ? 1 : 0, 12);
    // Each row of V is an eigenvector of H with its eigenvalue.
    LEAST_SQUARES_EIGENVALUES.forEach((lambda, i) => {
      const hv = h.map((row) => row.reduce((s, a, k) => s + a * v[i]![k]!, 0));
      hv.forEach((value, k) => expect(value).toBeCloseTo(lambda * v[i]![k]!, 12));
    });
    // The bias's Hessian block is 1ᵀ1/4 = 1 and the cross block Xᵀ1/4 vanishes, so the eigenvalues
    // are {1, 1, 0.3, 0.1}: condition number 10.
    [0, 1, 2].forEach((j) => expect(x.reduce((s, row) => s + row[j]!, 0)).toBeCloseTo(0, 12));
  });

  it('starts at loss ½ θ*ᵀHθ* = 0.598611 with gradient -Hθ*, and is 0 at θ*', async () => {
    const problem = leastSquaresProblem();
    try {
      // V W* = (1/3)(-2, -1, 6.5), so W*ᵀ H W* = (4 + 0.3 + 0.1 · 42.25)/9 = 8.525/9; with b*² = 0.25:
      // L(0) = ½ (8.525/9 + 0.25) = 0.5986111.
      const start = await lossAndGradients(problem);
      expect(start.loss).toBeCloseTo(0.5 * (8.525 / 9 + 0.25), 6);
      // H W* = Vᵀ(λ ⊙ V W*) = (-13/90, -28/45, -11/36); the bias part is 1 · 0.5.
      [13 / 90, 28 / 45, 11 / 36].forEach((g, i) => expect(start.grads[0]![i]).toBeCloseTo(g, 6));
      expect(start.grads[1]![0]).toBeCloseTo(-0.5, 6);
      expect(await problem.distanceToOptimum()).toBeCloseTo(Math.sqrt(5.5), 6);
      setParameters(problem, LEAST_SQUARES_OPTIMUM);
      expect(await problem.lossValue()).toBeLessThan(1e-12);
      expect(await problem.distanceToOptimum()).toBe(0);
    } finally {
      problem.dispose();
    }
  });
});

describe('rosenbrockProblem', () => {
  it('is a quarter of Rosenbrock: 6.05 at (-1.2, 1) with gradient (-53.9, -22), and 0 at (1, 1)', async () => {
    const problem = rosenbrockProblem();
    try {
      // R = (1 - a)² + 100(b - a²)² = 4.84 + 100 · 0.1936 = 24.2 at (-1.2, 1); L = R/4.
      const start = await lossAndGradients(problem);
      expect(start.loss).toBeCloseTo(6.05, 5);
      // ∂R/∂a = -2(1 - a) - 400a(b - a²) = -4.4 - 211.2, ∂R/∂b = 200(b - a²) = -88; divided by 4.
      expect(start.grads[0]![0]).toBeCloseTo(-53.9, 4);
      expect(start.grads[0]![1]).toBeCloseTo(-22, 4);
      setParameters(problem, [1, 1]);
      const end = await lossAndGradients(problem);
      expect(end.loss).toBe(0);
      // (The first entry is -0: ∂/∂a of 10(b - a²) times a zero residual.)
      expect(end.grads[0]!.map(Math.abs)).toEqual([0, 0]);
    } finally {
      problem.dispose();
    }
  });
});

describe('denseCurvatureProvider', () => {
  it('builds the Jacobian of the Rosenbrock residuals: [[-20θ1, 10], [-1, 0]] = [[24, 10], [-1, 0]] at the start', async () => {
    const problem = rosenbrockProblem();
    const before = tf.memory().numTensors;
    const ctx = denseCurvatureProvider().create(problem.model, problem.loss, problem.data);
    try {
      expect(Array.from(await ctx.jacobian().data())).toEqual([24, 10, -1, 0]);
      // f - y = (r1, r2) = (10(θ2 - θ1²), 1 - θ1) = (10(1 - 1.44), 2.2).
      const residual = Array.from(await ctx.residual().data());
      expect(residual[0]).toBeCloseTo(-4.4, 5);
      expect(residual[1]).toBeCloseTo(2.2, 5);
      expect(ctx.layerStatistics()).toEqual([]);
    } finally {
      ctx.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    problem.dispose();
  });

  it('gives J = [X, 1] for the linear model, with J v, Jᵀu and the GGN product agreeing with it', async () => {
    const problem = leastSquaresProblem();
    const before = tf.memory().numTensors;
    const ctx = denseCurvatureProvider().create(problem.model, problem.loss, problem.data);
    try {
      const x = leastSquaresInputs();
      // Tensors returned inside a caller's tidy stay owned by the context.
      const j = tf.tidy(() => ctx.jacobian());
      expect(j.isDisposed).toBe(false);
      const jRows = (await j.array()) as number[][];
      jRows.forEach((row, i) => [...x[i]!, 1].forEach((v, k) => expect(row[k]).toBeCloseTo(v, 6)));
      // tr(J Jᵀ) = ‖X‖²_F + n = 4 · (1 + 0.3 + 0.1) + 4 = 9.6.
      expect(jRows.flat().reduce((s, v) => s + v * v, 0)).toBeCloseTo(9.6, 5);
      const v = [tf.tensor2d([[1], [-1], [2]]), tf.tensor1d([0.5])];
      const vFlat = [1, -1, 2, 0.5];
      const jv = jRows.map((row) => row.reduce((s, a, k) => s + a * vFlat[k]!, 0));
      const jvT = ctx.jvp(v);
      Array.from(await jvT.data()).forEach((value, i) => expect(value).toBeCloseTo(jv[i]!, 5));
      // Jᵀu for u = J v, and the GGN product Jᵀ(h · J v) with h = 1 for mseLoss(): both Jᵀ J v.
      const jtjv = [0, 1, 2, 3].map((k) => jRows.reduce((s, row, i) => s + row[k]! * jv[i]!, 0));
      const u = tf.tensor2d(jv, [4, 1]);
      const vjpT = ctx.vjp(u);
      const ggnT = ctx.ggnVectorProduct(v);
      const vjp = (await Promise.all(vjpT.map((t) => t.data()))).flatMap((d) => Array.from(d));
      const ggn = (await Promise.all(ggnT.map((t) => t.data()))).flatMap((d) => Array.from(d));
      // Products are the caller's to free (core's CurvatureContext contract).
      tf.dispose([jvT, ...vjpT, ...ggnT, u]);
      jtjv.forEach((value, k) => {
        expect(vjp[k]).toBeCloseTo(value, 4);
        expect(ggn[k]).toBeCloseTo(value, 4);
      });
      // One linear output layer: inputs [X, 1], output gradients f - y = -y at θ = 0.
      const [layer] = ctx.layerStatistics();
      expect(layer!.layer).toBe('linear');
      expect(layer!.params).toEqual(['linear/kernel', 'linear/bias']);
      expect(Array.from(await layer!.inputs.data())).toEqual(Array.from(await j.data()));
      const y = Array.from(await problem.data.y.data());
      Array.from(await layer!.outputGradients.data()).forEach((g, i) => expect(g).toBeCloseTo(-y[i]!, 6));
      [...v, u].forEach((t) => t.dispose());
    } finally {
      ctx.dispose();
    }
    // Everything the context made is freed with it.
    expect(tf.memory().numTensors).toBe(before);
    problem.dispose();
  });

  it('refuses a dense Jacobian above its limit and names the sizes', () => {
    // 2 outputs × 500,001 parameters is just over the 1,000,000-entry limit.
    const size = DENSE_JACOBIAN_LIMIT / 2 + 1;
    const model = new FunctionModel([{ name: 'big/w', shape: [size], initial: new Float32Array(size) }], ([w], x) =>
      tf.matMul(x, tf.reshape(tf.slice(w!, 0, 2), [2, 1])),
    );
    const data = { x: tf.tensor2d([[1, 0], [0, 1]]), y: tf.tensor2d([[0], [0]]) };
    const problem = rosenbrockProblem();
    const ctx = denseCurvatureProvider().create(model, problem.loss, data);
    try {
      expect(() => ctx.jacobian()).toThrow(/2×500001 Jacobian/);
    } finally {
      ctx.dispose();
      model.dispose();
      data.x.dispose();
      data.y.dispose();
      problem.dispose();
    }
  });
});

describe('FunctionModel', () => {
  it('checks the number of initial values and of values given to applyWith', () => {
    expect(() => new FunctionModel([{ name: 'a/w', shape: [2, 2], initial: [1, 2, 3] }], ([w]) => w as tf.Tensor2D)).toThrow(
      /'a\/w' has shape \[2, 2\] \(4 values\) but 3 initial values/,
    );
    const problem = leastSquaresProblem();
    try {
      expect(problem.model.parameterCount()).toBe(4);
      expect(() => problem.model.applyWith([problem.model.params[0]!.variable], problem.data.x)).toThrow(/needs 2 parameter values/);
    } finally {
      problem.dispose();
    }
  });
});
