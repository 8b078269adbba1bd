import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cholesky } from './cholesky.js';
import { choleskySolve } from './cholesky-solve.js';
import { conjugateGradient } from './conjugate-gradient.js';
import { matrix64, matVec64, type Matrix64 } from './matrix64.js';
import { randomNormal64, randomOrthogonal, withSpectrum } from './test-support/random-matrices.js';
import { denseOperator, listFrom, SHAPES_17, valuesOf } from './test-support/tensor-operators.js';

const N = 17;
// SPD with eigenvalues log-spaced in [1, 10]: κ = 10.
const lambda = Array.from({ length: N }, (_, i) => 10 ** (1 - i / (N - 1)));
/** The matrix exactly as the float32 operator sees it (entries rounded to float32, widened back). */
const M: Matrix64 = (() => {
  const m = withSpectrum(randomOrthogonal(N, 21), lambda);
  return matrix64(N, N, Float64Array.from(Float32Array.from(m.data)));
})();
const bValues = Float32Array.from(randomNormal64(N, 1, 22).data);

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('conjugateGradient', () => {
  it('takes the iterates of CG in exact arithmetic, to float32 rounding (a float64 CG written out here)', async () => {
    // Hestenes-Stiefel CG in float64 on plain arrays (GVL Alg. 11.3.3), independent of the tensor
    // code: x_k after k iterations from x_0 = 0. The tensor version computes the same recurrences
    // with float32 vectors; for κ = 10 and k ≤ 8 the iterates stay within a few hundred u₃₂ of the
    // float64 ones (measured: below 2e-6 of ‖x_k‖), 1e-4 leaves room for other backends' summation.
    const reference: Float64Array[] = [];
    {
      const x = new Float64Array(N);
      const r = Float64Array.from(bValues);
      const p = Float64Array.from(r);
      let rr = r.reduce((s, v) => s + v * v, 0);
      for (let k = 0; k < 8; k++) {
        const ap = matVec64(M, p);
        const alpha = rr / p.reduce((s, v, i) => s + v * ap[i]!, 0);
        for (let i = 0; i < N; i++) {
          x[i]! += alpha * p[i]!;
          r[i]! -= alpha * ap[i]!;
        }
        const rrNext = r.reduce((s, v) => s + v * v, 0);
        for (let i = 0; i < N; i++) p[i] = r[i]! + (rrNext / rr) * p[i]!;
        rr = rrNext;
        reference.push(Float64Array.from(x));
      }
    }
    const { op, dispose } = denseOperator(M, SHAPES_17);
    const b = listFrom(bValues, SHAPES_17);
    for (let k = 1; k <= 8; k++) {
      const result = await conjugateGradient(op, b, { tolerance: 0, maxIterations: k });
      expect(result).toMatchObject({ iterations: k, stopReason: 'max-iterations', converged: false });
      const x = valuesOf(result.x);
      const expected = reference[k - 1]!;
      expect(norm(x.map((v, i) => v - expected[i]!)) / norm(expected)).toBeLessThan(1e-4);
      tf.dispose(result.x);
    }
    tf.dispose(b);
    dispose();
  });

  it('reaches the stated residual on an SPD operator over parameter-shaped tensors and matches Cholesky', async () => {
    const { op, dispose } = denseOperator(M, SHAPES_17);
    const b = listFrom(bValues, SHAPES_17);
    const result = await conjugateGradient(op, b, { tolerance: 1e-5, maxIterations: 100 });
    expect(result.converged).toBe(true);
    expect(result.stopReason).toBe('converged');
    expect(result.relativeResidualNorm).toBeLessThanOrEqual(1e-5);
    // In exact arithmetic CG ends in at most N = 17 steps; float32 rounding may cost a few more.
    expect(result.iterations).toBeLessThanOrEqual(2 * N);
    expect(result.x.map((t) => t.shape)).toEqual(SHAPES_17);

    const x = valuesOf(result.x);
    // The true residual b - M x, in float64: the recursive one tracks it to about κ·u32·‖b‖ ≈ 1e-6·‖b‖.
    const mx = matVec64(M, x);
    const trueResidual = norm(mx.map((v, i) => bValues[i]! - v)) / norm(bValues);
    expect(trueResidual).toBeLessThan(1e-4);
    // Forward error ≤ κ · relative residual = 10 · 1e-4 against the float64 Cholesky solution.
    const chol = cholesky(M);
    if (!chol.ok) throw new Error('M is SPD');
    const xStar = choleskySolve(chol.L, Float64Array.from(bValues));
    expect(norm(x.map((v, i) => v - xStar[i]!)) / norm(xStar)).toBeLessThan(1e-3);
    tf.dispose([...b, ...result.x]);
    dispose();
  });

  it('with the Jacobi preconditioner solves a diagonal system in one iteration', async () => {
    // A = diag(d), d from 1 to 1e4: M⁻¹A = I, so the first preconditioned step is exact (residual at
    // float32 rounding, far below 1e-5). Unpreconditioned CG needs about one step per distinct
    // eigenvalue here (17), at least 10.
    const d = Array.from({ length: N }, (_, i) => 10 ** ((4 * i) / (N - 1)));
    const diag = listFrom(d, SHAPES_17);
    const op = (v: tf.Tensor[]) => v.map((t, i) => tf.mul(t, diag[i]!));
    const jacobi = (r: tf.Tensor[]) => r.map((t, i) => tf.div(t, diag[i]!));
    const b = listFrom(bValues, SHAPES_17);
    const pcg = await conjugateGradient(op, b, { tolerance: 1e-5, preconditioner: jacobi });
    expect(pcg.iterations).toBe(1);
    expect(pcg.converged).toBe(true);
    const x = valuesOf(pcg.x);
    for (let i = 0; i < N; i++) expect(Math.abs(x[i]! - bValues[i]! / d[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(bValues[i]! / d[i]!) + 1e-12);
    const plain = await conjugateGradient(op, b, { tolerance: 1e-5, maxIterations: 200 });
    expect(plain.iterations).toBeGreaterThanOrEqual(10);
    tf.dispose([...diag, ...b, ...pcg.x, ...plain.x]);
  });

  it('warm-starts: from the float64 solution it is converged before the first iteration', async () => {
    const { op, dispose } = denseOperator(M, SHAPES_17);
    const chol = cholesky(M);
    if (!chol.ok) throw new Error('M is SPD');
    // x0 = x* rounded to float32: residual ≤ κ·u32·‖b‖ ≈ 6e-7·‖b‖ < 1e-5.
    const x0 = listFrom(choleskySolve(chol.L, Float64Array.from(bValues)), SHAPES_17);
    const b = listFrom(bValues, SHAPES_17);
    const warm = await conjugateGradient(op, b, { tolerance: 1e-5, x0 });
    expect(warm.iterations).toBe(0);
    expect(warm.converged).toBe(true);
    expect(x0[0]!.isDisposed).toBe(false);
    tf.dispose([...x0, ...b, ...warm.x]);
    dispose();
  });

  it('returns zero for b = 0 and stops on non-positive curvature', async () => {
    const zero = listFrom(new Array(N).fill(0), SHAPES_17);
    const r0 = await conjugateGradient((v) => v.map((t) => tf.mul(t, 2)), zero);
    expect(r0).toMatchObject({ iterations: 0, converged: true, residualNorm: 0 });
    expect(Array.from(valuesOf(r0.x))).toEqual(new Array(N).fill(0));
    const b = listFrom(bValues, SHAPES_17);
    // A = -I: pᵀAp = -‖b‖² < 0 on the first step.
    const neg = await conjugateGradient((v) => v.map((t) => tf.neg(t)), b);
    expect(neg).toMatchObject({ iterations: 0, converged: false, stopReason: 'non-positive-curvature' });
    // An identity operator returns its input tensors; CG must not dispose them twice.
    const identity = await conjugateGradient((v) => v, b);
    expect(identity.iterations).toBe(1);
    tf.dispose([...zero, ...r0.x, ...b, ...neg.x, ...identity.x]);
  });

  it('names a malformed operator result or option', async () => {
    const b = listFrom(bValues, SHAPES_17);
    await expect(conjugateGradient((v) => [v[0]!], b)).rejects.toThrow(/must return a list of 2 tensors/);
    await expect(conjugateGradient((v) => [tf.reshape(v[0]!, [12]), v[1]!], b)).rejects.toThrow(/returned shape \[12\] at index 0; the input there has shape \[3,4\]/);
    await expect(conjugateGradient((v) => v, b, { tolerance: -1 })).rejects.toThrow(/tolerance must be ≥ 0, got -1/);
    // An operator that throws in a later iteration: the iteration's tensors are freed all the same.
    const { op, dispose } = denseOperator(M, SHAPES_17);
    const before = tf.memory().numTensors;
    let calls = 0;
    const failing = (v: tf.Tensor[]) => {
      if (++calls === 3) throw new Error('operator failed');
      return op(v);
    };
    await expect(conjugateGradient(failing, b, { tolerance: 0, maxIterations: 10 })).rejects.toThrow('operator failed');
    expect(calls).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    dispose();
    tf.dispose(b);
  });

  it('leaves no tensors behind over repeated calls', async () => {
    const { op, dispose } = denseOperator(M, SHAPES_17);
    const b = listFrom(bValues, SHAPES_17);
    const jacobi = (r: tf.Tensor[]) => r.map((t) => tf.mul(t, 0.5));
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) {
      const r = await conjugateGradient(op, b, { tolerance: 1e-5, preconditioner: jacobi, x0: b });
      expect(r.converged).toBe(true);
      tf.dispose(r.x);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(b);
    dispose();
  });
});
