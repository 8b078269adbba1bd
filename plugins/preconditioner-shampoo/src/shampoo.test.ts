import * as tf from '@tensorflow/tfjs-core';
import { disposeState, float64ToTensor, type NamedParameter } from '@precond/core';
import { loadStates, saveStates } from '@precond/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createShampoo, type ShampooOptionsInput, type ShampooPreconditioner } from './index.js';
import {
  add,
  frobenius,
  fromFlat,
  gradientContext,
  inverseRoot,
  matmul,
  randomMat,
  rootResidual,
  scale,
  sub,
  transpose,
  type Mat,
} from './test-support/reference.js';

const PLACEMENTS = ['host', 'device'] as const;

/** Everything a test makes, freed after it (tensors must not leak into the next test). */
let live: { preconditioners: ShampooPreconditioner[]; tensors: tf.Tensor[] } = { preconditioners: [], tensors: [] };
afterEach(() => {
  live.preconditioners.forEach((p) => p.dispose());
  tf.dispose(live.tensors);
  live = { preconditioners: [], tensors: [] };
});

/** A preconditioner initialised for parameters of `shapes` (named p0, p1, ...). */
function make(options: ShampooOptionsInput, shapes: readonly number[][]): ShampooPreconditioner {
  const params: NamedParameter[] = shapes.map((shape, i) => {
    const variable = tf.variable(tf.zeros(shape));
    live.tensors.push(variable);
    return { name: `p${i}`, variable };
  });
  const p = createShampoo(options);
  p.init(params);
  live.preconditioners.push(p);
  return p;
}

/** Gradients as tensors (kept alive until the test ends). */
function tensors(values: readonly Mat[], shapes: readonly number[][]): tf.Tensor[] {
  const out = values.map((v, i) => tf.tensor(v.flat(), shapes[i]));
  live.tensors.push(...out);
  return out;
}

/** `update` then `apply` on the same gradients, as core's transformationOptimizer calls them. */
async function step(p: ShampooPreconditioner, grads: tf.Tensor[]) {
  const info = await p.update(gradientContext(grads));
  const out = p.apply(grads);
  const values = out.map((d) => Array.from(d.dataSync()));
  tf.dispose(out);
  return { info: info ?? {}, values };
}

/** Relative max-entry error of `got` against `expected`. */
function relError(got: readonly number[], expected: readonly number[]): number {
  const scaleOf = Math.max(...expected.map(Math.abs));
  return Math.max(...got.map((v, i) => Math.abs(v - expected[i]!))) / scaleOf;
}

/**
 * Reference Shampoo direction for one block, `(L + εI)^{-1/p} G (R + εI)^{-1/p}` with
 * `L = Σ HHᵀ`, `R = Σ HᵀH` over `history` (every gradient folded in so far), by Jacobi in float64.
 */
function referenceBlock(history: readonly Mat[], g: Mat, p = 4, epsilon = 1e-12): Mat {
  const l = history.map((h) => matmul(h, transpose(h))).reduce(add);
  const r = history.map((h) => matmul(transpose(h), h)).reduce(add);
  return matmul(matmul(inverseRoot(l, p, epsilon), g), inverseRoot(r, p, epsilon));
}

describe.each(PLACEMENTS)('shampoo on the %s', (placement) => {
  // float64 statistics on the host agree with float64 references to float32 output rounding; the
  // device's float32 statistics and roots add a few float32 ulps per product.
  const tolerance = placement === 'host' ? 2e-6 : 2e-4;

  it('has the closed form of a one-input layer: (ℓ + ε)^{-1/4} Aᵀ (K + εI)^{-1/4} e₂', async () => {
    // A kernel [1, n] (one input feature) has row gradients G_t = g_tᵀ, so
    //   L = Σ_t G_t G_tᵀ = Σ_t ‖g_t‖² = ℓ, a scalar, and R = Σ_t G_tᵀ G_t = Σ_t g_t g_tᵀ = AᵀA
    // with A = [g₁ᵀ; g₂ᵀ] after two steps. Shampoo's direction for g₂ is
    //   D = (ℓ + ε)^{-1/4} g₂ᵀ (R + εI)^{-1/4}.
    // Push-through, f(AᵀA + εI)Aᵀ = Aᵀ f(AAᵀ + εI), with g₂ = Aᵀe₂ turns the n × n root into the
    // 2 × 2 one of K = AAᵀ = [[a, b], [b, c]] (a = ‖g₁‖², b = g₁·g₂, c = ‖g₂‖²):
    //   (R + εI)^{-1/4} g₂ = Aᵀ (K + εI)^{-1/4} e₂.
    // K's eigenvalues are λ± = (a+c)/2 ± √(((a−c)/2)² + b²), and for a 2 × 2 symmetric matrix
    // f(K) = [f(λ₊)(K − λ₋I) − f(λ₋)(K − λ₊I)] / (λ₊ − λ₋) (Sylvester's formula). So D is a
    // combination of g₁ and g₂ with coefficients from a, b, c alone: no eigensolver involved.
    const n = 6;
    const g1 = randomMat(1, n, 11)[0]!;
    const g2 = randomMat(1, n, 12)[0]!;
    const eps = 1e-12;
    const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
    const [a, b, c] = [dot(g1, g1), dot(g1, g2), dot(g2, g2)];
    const mid = (a + c) / 2;
    const rad = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    const [lp, lm] = [mid + rad + eps, mid - rad + eps];
    const f = (x: number) => x ** -0.25;
    // (K + εI)^{-1/4} e₂ = [f(λ₊)((K+εI) − λ₋I) − f(λ₋)((K+εI) − λ₊I)] e₂ / (λ₊ − λ₋).
    const k2 = [b, c + eps];
    const coef = [0, 1].map((i) => (f(lp) * (k2[i]! - (i === 1 ? lm : 0)) - f(lm) * (k2[i]! - (i === 1 ? lp : 0))) / (lp - lm));
    const ell = (a + c + eps) ** -0.25;
    const expected = g1.map((x, j) => ell * (coef[0]! * x + coef[1]! * g2[j]!));

    const p = make({ placement, graft: 'none', preconditionerUpdateEvery: 1 }, [[1, n]]);
    await step(p, tensors([[g1]], [[1, n]]));
    const { values } = await step(p, tensors([[g2]], [[1, n]]));
    expect(relError(values[0]!, expected)).toBeLessThan(tolerance);
    // L is the scalar ℓ = ‖g₁‖² + ‖g₂‖².
    const [block] = await p.inspect('p0');
    expect(block!.left.length).toBe(1);
    expect(block!.left[0]! / (a + c)).toBeCloseTo(1, placement === 'host' ? 12 : 6);
  });

  it('accumulates L = Σ GGᵀ and R = Σ GᵀG as an independent float64 sum, and decays them with β₂ < 1', async () => {
    const shape = [3, 4];
    const grads = [1, 2, 3, 4, 5].map((seed) => randomMat(3, 4, seed));
    for (const beta2 of [1, 0.9]) {
      const p = make({ placement, beta2, startStep: 1000 }, [shape]);
      for (const g of grads) await step(p, tensors([g], [shape]));
      // L_t = β₂L_{t−1} + (1−β₂)G_tG_tᵀ (the plain sum for β₂ = 1), from L₀ = 0.
      const w = beta2 === 1 ? 1 : 1 - beta2;
      let l = scale(matmul(grads[0]!, transpose(grads[0]!)), 0);
      let r = scale(matmul(transpose(grads[0]!), grads[0]!), 0);
      for (const g of grads) {
        l = add(scale(l, beta2), scale(matmul(g, transpose(g)), w));
        r = add(scale(r, beta2), scale(matmul(transpose(g), g), w));
      }
      const [block] = await p.inspect('p0');
      // Host: float64 sums of exact float32 products, so rounding at 2⁻⁵³ per term (1e-14 is
      // generous). Device: float32 sums, 2⁻²⁴ per term over five terms.
      const bound = placement === 'host' ? 1e-14 : 1e-6;
      expect(relError(Array.from(block!.left), l.flat())).toBeLessThan(bound);
      expect(relError(Array.from(block!.right), r.flat())).toBeLessThan(bound);
    }
  });

  it('computes roots with both methods that agree and whose reported residual is max|R⁴(X + εI) − I|', async () => {
    // Twenty 3 × 4 gradients: L sums 80 columns in 3 dimensions and R 60 rows in 4, so both are
    // well conditioned (κ ≈ 2-3 by Marchenko–Pastur, ((1+√(d/k))/(1−√(d/k)))²).
    const shape = [3, 4];
    const grads = Array.from({ length: 20 }, (_, i) => randomMat(3, 4, 100 + i));
    const roots: Record<string, { left: Float64Array; right: Float64Array; residuals: number[] }> = {};
    for (const rootMethod of ['eigh', 'newton'] as const) {
      const p = make({ placement, rootMethod, startStep: 20 }, [shape]);
      let info: Record<string, unknown> = {};
      for (const g of grads) info = (await step(p, tensors([g], [shape]))).info;
      expect(info['shampoo.root_failures']).toBe(0);
      const [block] = await p.inspect('p0');
      roots[rootMethod] = { left: block!.leftRoot!, right: block!.rightRoot!, residuals: [block!.leftResidual!, block!.rightResidual!] };
      // The statistic the root was taken of, and an independent residual of the root in use.
      const l = fromFlat(block!.left, 3, 3);
      const r = fromFlat(block!.right, 4, 4);
      const ownLeft = rootResidual(fromFlat(block!.leftRoot!, 3, 3), l, 4, 1e-12);
      const ownRight = rootResidual(fromFlat(block!.rightRoot!, 4, 4), r, 4, 1e-12);
      // The diagnostic is the max over blocks and factors.
      expect(info['shampoo.root_residual']).toBe(Math.max(block!.leftResidual!, block!.rightResidual!));
      if (rootMethod === 'eigh') {
        // The float64 eigh root and its residual: recomputed with plain products, equal to rounding.
        expect(Math.abs(block!.leftResidual! - ownLeft)).toBeLessThan(placement === 'host' ? 1e-12 : 1e-6);
        expect(Math.abs(block!.rightResidual! - ownRight)).toBeLessThan(placement === 'host' ? 1e-12 : 1e-6);
      }
      // (X^{-1/4})⁴X ≈ I: float64 roots to 1e-12; float32 roots (Newton, and any device root, which
      // is rounded to float32) to about κ·n·2⁻²⁴ ≈ 1e-5.
      const bound = rootMethod === 'eigh' && placement === 'host' ? 1e-12 : 1e-4;
      expect(Math.max(...roots[rootMethod]!.residuals)).toBeLessThan(bound);
      expect(Math.max(ownLeft, ownRight)).toBeLessThan(bound);
    }
    // Both methods give the same roots to float32 accuracy.
    expect(relError(Array.from(roots.newton!.left), Array.from(roots.eigh!.left))).toBeLessThan(1e-4);
    expect(relError(Array.from(roots.newton!.right), Array.from(roots.eigh!.right))).toBeLessThan(1e-4);
  });

  it('rescales each block to the norm of the grafted direction', async () => {
    const shape = [3, 5];
    const grads = [21, 22, 23].map((seed) => randomMat(3, 5, seed));
    const last = grads[2]!;
    // SGD: each block's norm is the gradient block's ‖G_b‖ (blocks 2 × 2, 2 × 2, 2 × 1, 1 × 2, ...).
    const sgd = make({ placement, graft: 'sgd', maxPreconditionerDim: 2 }, [shape]);
    let values: number[] = [];
    for (const g of grads) values = (await step(sgd, tensors([g], [shape]))).values[0]!;
    const d = fromFlat(values, 3, 5);
    // Norm ratios to five digits: the directions come back in float32.
    for (const b of (await sgd.inspect('p0')).map((x) => x.block)) {
      const got = frobenius(sub(d, b.row0, b.rows, b.col0, b.cols));
      expect(got / frobenius(sub(last, b.row0, b.rows, b.col0, b.cols))).toBeCloseTo(1, 5);
    }
    // Adagrad and Adam: the whole (unblocked) direction's norm is the method's own, computed here.
    const adagradNorm = Math.sqrt(
      last.flat().reduce((s, g, i) => s + (g / (Math.sqrt(grads.reduce((t, h) => t + h.flat()[i]! ** 2, 0)) + 1e-8)) ** 2, 0),
    );
    const [b1, b2] = [0.9, 0.999];
    const adamNorm = Math.sqrt(
      last.flat().reduce((s, _, i) => {
        const m = grads.reduce((t, h, k) => t + (1 - b1) * b1 ** (2 - k) * h.flat()[i]!, 0) / (1 - b1 ** 3);
        const v = grads.reduce((t, h, k) => t + (1 - b2) * b2 ** (2 - k) * h.flat()[i]! ** 2, 0) / (1 - b2 ** 3);
        return s + (m / (Math.sqrt(v) + 1e-8)) ** 2;
      }, 0),
    );
    for (const [graft, expected] of [['adagrad', adagradNorm], ['adam', adamNorm]] as const) {
      const p = make({ placement, graft }, [shape, [5]]);
      let out: number[][] = [];
      for (const g of grads) out = (await step(p, tensors([g, [g[0]!]], [shape, [5]]))).values;
      const norm = Math.sqrt(out[0]!.reduce((s, v) => s + v * v, 0));
      expect(norm / expected).toBeCloseTo(1, 5);
    }
  });

  it('blocks a 3×5 kernel with maxPreconditionerDim 2 and matches per-block Shampoo computed independently', async () => {
    const shape = [3, 5];
    const grads = [31, 32, 33, 34].map((seed) => randomMat(3, 5, seed));
    // Roots at every update, so the direction at update 4 uses all four gradients' statistics
    // (each block's factors then have full rank: 4 gradients of at most 2 rows or columns).
    const p = make({ placement, maxPreconditionerDim: 2, graft: 'none', preconditionerUpdateEvery: 1 }, [shape]);
    let values: number[] = [];
    for (const g of grads) values = (await step(p, tensors([g], [shape]))).values[0]!;
    const blocks = await p.inspect('p0');
    // Six blocks, each with its own L (rows × rows) and R (cols × cols).
    expect(blocks.map((b) => [b.block.rows, b.block.cols, b.left.length, b.right.length])).toEqual([
      [2, 2, 4, 4],
      [2, 2, 4, 4],
      [2, 1, 4, 1],
      [1, 2, 1, 4],
      [1, 2, 1, 4],
      [1, 1, 1, 1],
    ]);
    const d = fromFlat(values, 3, 5);
    for (const { block: b } of blocks) {
      const history = grads.map((g) => sub(g, b.row0, b.rows, b.col0, b.cols));
      const expected = referenceBlock(history, history[3]!);
      expect(relError(sub(d, b.row0, b.rows, b.col0, b.cols).flat(), expected.flat())).toBeLessThan(tolerance);
    }
  });

  it('applies the grafted direction before startStep, the plain gradient without grafting', async () => {
    const shapes = [[2, 3], [3]];
    const grads = [41, 42, 43].map((seed) => [randomMat(2, 3, seed), randomMat(1, 3, seed + 100)]);
    for (const graft of ['none', 'adagrad'] as const) {
      const p = make({ placement, graft, startStep: 3, preconditionerUpdateEvery: 1 }, shapes);
      const sums = [new Array<number>(6).fill(0), new Array<number>(3).fill(0)];
      for (const [t, g] of grads.entries()) {
        const { values } = await step(p, tensors(g, shapes));
        g.forEach((m, i) => m.flat().forEach((v, j) => (sums[i]![j]! += v * v)));
        // Adagrad's own direction g/(√Σg² + ε), computed here; `none`: the gradient itself.
        const grafted = g.map((m, i) => m.flat().map((v, j) => (graft === 'none' ? v : v / (Math.sqrt(sums[i]![j]!) + 1e-8))));
        if (t < 2) {
          expect(relError(values[0]!, grafted[0]!)).toBeLessThan(1e-6);
          expect(relError(values[1]!, grafted[1]!)).toBeLessThan(1e-6);
        } else {
          // From update 3 on the Shampoo direction (roots of three gradients) replaces it: a
          // rotated direction differs by order one; 1e-2 only rules out the grafted one.
          expect(relError(values[0]!, grafted[0]!)).toBeGreaterThan(1e-2);
        }
      }
      expect(p.rootUpdates).toBe(1);
    }
  });

  it('recomputes roots every preconditionerUpdateEvery updates from startStep, statistics every update', async () => {
    const shape = [2, 2];
    const p = make({ placement, startStep: 2, preconditionerUpdateEvery: 3 }, [shape]);
    let previous: Float64Array | null = null;
    const recomputed: number[] = [];
    for (let t = 1; t <= 8; t++) {
      await step(p, tensors([randomMat(2, 2, 50 + t)], [shape]));
      const [block] = await p.inspect('p0');
      const root = block!.leftRoot;
      const changed = root !== null && (previous === null || root.some((v, i) => v !== previous![i]));
      if (changed) recomputed.push(t);
      previous = root;
    }
    // (t − startStep) mod 3 = 0 for t ≥ 2: updates 2, 5 and 8.
    expect(recomputed).toEqual([2, 5, 8]);
    expect(p.rootUpdates).toBe(3);
    expect(p.count).toBe(8);
  });

  it('preconditions vectors diagonally, (v̂ + ε)^{-1/2} ⊙ g, or gives them the grafted direction', async () => {
    const grads = [61, 62, 63].map((seed) => randomMat(1, 4, seed)[0]!);
    const diag = make({ placement, graft: 'none', beta2: 0.9 }, [[4]]);
    const byGraft = make({ placement, graft: 'sgd', vectors: 'graft' }, [[4]]);
    const v = new Array<number>(4).fill(0);
    for (const [t, g] of grads.entries()) {
      const out = (await step(diag, tensors([[g]], [[4]]))).values[0]!;
      // v_t = 0.9 v_{t−1} + 0.1 g², v̂ = v_t / (1 − 0.9ᵗ), d = g / √(v̂ + ε).
      g.forEach((x, j) => (v[j] = 0.9 * v[j]! + 0.1 * x * x));
      const expected = g.map((x, j) => x / Math.sqrt(v[j]! / (1 - 0.9 ** (t + 1)) + 1e-12));
      expect(relError(out, expected)).toBeLessThan(1e-6);
      expect((await step(byGraft, tensors([[g]], [[4]]))).values[0]).toEqual(g.map(Math.fround));
    }
  });
});

describe.each(PLACEMENTS)('failure policy on the %s', (placement) => {
  it('skips an update whose gradients hold NaN: statistics, roots and counters stay as they were', async () => {
    const shapes = [[2, 3], [3]];
    const p = make({ placement, preconditionerUpdateEvery: 1 }, shapes);
    for (const seed of [71, 72]) await step(p, tensors([randomMat(2, 3, seed), randomMat(1, 3, seed + 1)], shapes));
    const before = await p.inspect('p0');
    const nan = randomMat(2, 3, 73);
    nan[1]![2] = Number.NaN;
    const info = await p.update(gradientContext(tensors([nan, randomMat(1, 3, 74)], shapes)));
    expect(info).toMatchObject({ 'shampoo.skipped_updates': 1, 'shampoo.root_failures': 0 });
    expect(p.count).toBe(2);
    expect(await p.inspect('p0')).toEqual(before);
    // The next finite update carries on from the state before the NaN.
    await step(p, tensors([randomMat(2, 3, 75), randomMat(1, 3, 76)], shapes));
    expect(p.count).toBe(3);
  });

  it('keeps the last good root when a new one is rejected, and the identity before the first', async () => {
    // Newton in float32 cannot resolve κ ≈ 1e12: a rank-1 statistic with ε = 1e-12 stalls it.
    const shape = [3, 3];
    const p = make({ placement, rootMethod: 'newton', graft: 'none', preconditionerUpdateEvery: 1 }, [shape]);
    const u = [1, -2, 0.5];
    const v = [0.25, 1, -1];
    const rank1 = (c: number) => u.map((a) => v.map((b) => Math.fround(c * a * b)));
    const first = await step(p, tensors([rank1(1)], [shape]));
    expect(first.info['shampoo.root_failures']).toBe(2);
    expect(p.lastRootFailure).toMatch(/^update 1: p0 block 0 R: Newton iteration after \d+ iterations: residual/);
    // Identity roots: the direction is the gradient itself.
    expect(first.values[0]).toEqual(rank1(1).flat());
    // Twenty full-rank gradients later both roots are accepted.
    for (let t = 0; t < 20; t++) await step(p, tensors([randomMat(3, 3, 80 + t)], [shape]));
    const good = (await p.inspect('p0'))[0]!;
    expect(good.leftRoot).not.toBeNull();
    const failures = p.lastRootFailure;
    // A gradient 1e4 times larger along u vᵀ lifts one eigenvalue by 1e8·‖v‖²: κ ≈ 1e8 is again
    // beyond float32, the new roots are rejected and the accepted ones stay, bit for bit.
    const after = await step(p, tensors([rank1(1e4)], [shape]));
    expect(after.info['shampoo.root_failures']).toBeGreaterThan(first.info['shampoo.root_failures'] as number);
    expect(p.lastRootFailure).not.toBe(failures);
    const kept = (await p.inspect('p0'))[0]!;
    expect(kept.leftRoot).toEqual(good.leftRoot);
    expect(after.info['shampoo.root_residual']).toBe(Math.max(good.leftResidual!, good.rightResidual!));
  });

  it('reports statistics holding NaN (a corrupted checkpoint) and keeps the roots', async () => {
    const shape = [2, 2];
    const p = make({ placement, preconditionerUpdateEvery: 1 }, [shape]);
    await step(p, tensors([randomMat(2, 2, 90)], [shape]));
    const good = (await p.inspect('p0'))[0]!;
    // Put NaN into L through the state, in this placement's own encoding.
    const state = p.getState();
    const factors = (state.params as { factors: { blocks: Record<string, unknown>[] } }[])[0]!.factors;
    const stat = factors.blocks[0]!.left as tf.Tensor;
    const data = placement === 'host' ? null : (stat.dataSync() as Float32Array).slice();
    if (data) data[0] = Number.NaN;
    const poisoned = placement === 'host' ? float64ToTensor(Float64Array.of(Number.NaN, good.left[1]!, good.left[2]!, good.left[3]!), [2, 2]) : tf.tensor2d(data!, [2, 2]);
    const saved = await saveStates({ p: { ...state, params: [{ ...(state.params as object[])[0]!, factors: { blocks: [{ ...factors.blocks[0]!, left: poisoned }] } }] } });
    poisoned.dispose();
    p.setState(loadStates(saved).p!);
    const info = (await step(p, tensors([randomMat(2, 2, 91)], [shape]))).info;
    expect(info['shampoo.root_failures']).toBe(1);
    expect(p.lastRootFailure).toBe('update 2: p0 block 0 L: the statistic holds NaN or Inf');
    expect((await p.inspect('p0'))[0]!.leftRoot).toEqual(good.leftRoot);
  });

  it('rejects a singular X + εI (ε = 0 and a zero gradient block) without throwing', async () => {
    const p = make({ placement, epsilon: 0 }, [[2, 2]]);
    const { info, values } = await step(p, tensors([[[0, 0], [0, 0]]], [[2, 2]]));
    expect(info['shampoo.root_failures']).toBe(2);
    expect(p.lastRootFailure).toMatch(/X \+ εI is singular/);
    expect(values[0]).toEqual([0, 0, 0, 0]);
  });
});

describe('failure policy on the device: float32 overflow', () => {
  it('reports statistics that overflowed to Inf and keeps the last good roots', async () => {
    const shape = [2, 2];
    const p = make({ placement: 'device', preconditionerUpdateEvery: 1 }, [shape]);
    await step(p, tensors([randomMat(2, 2, 95)], [shape]));
    const good = (await p.inspect('p0'))[0]!;
    // (2e20)² = 4e40 overflows float32 (max 3.4e38) in GGᵀ; the gradient itself is finite.
    const { info } = await step(p, tensors([[[2e20, 0], [0, 1]]], [shape]));
    expect(info['shampoo.root_failures']).toBe(2);
    expect(p.lastRootFailure).toMatch(/holds NaN or Inf/);
    expect((await p.inspect('p0'))[0]!.leftRoot).toEqual(good.leftRoot);
  });
});

describe('state', () => {
  const shapes = [[3, 5], [5]];
  const options: ShampooOptionsInput = { graft: 'adam', maxPreconditionerDim: 2, preconditionerUpdateEvery: 2, beta2: 0.95 };
  const gradsAt = (t: number) => [randomMat(3, 5, 200 + t), randomMat(1, 5, 300 + t)];

  it.each(PLACEMENTS)('restores on the %s bit for bit through safetensors and JSON', async (placement) => {
    const a = make({ ...options, placement }, shapes);
    for (let t = 1; t <= 5; t++) await step(a, tensors(gradsAt(t), shapes));
    const saved = await saveStates({ shampoo: a.getState() });
    const b = make({ ...options, placement }, shapes);
    b.setState(loadStates(saved).shampoo!);
    expect([b.count, b.rootUpdates]).toEqual([a.count, a.rootUpdates]);
    for (let t = 6; t <= 9; t++) {
      const grads = tensors(gradsAt(t), shapes);
      const [outA, outB] = [await step(a, grads), await step(b, grads)];
      // Same bits: every float64 of the host statistics and roots came back exactly.
      expect(outB.values.map((v) => Float32Array.from(v))).toEqual(outA.values.map((v) => Float32Array.from(v)));
      expect(outB.info).toEqual(outA.info);
    }
    expect(await b.inspect('p0')).toEqual(await a.inspect('p0'));
  });

  it('moves a state between placements (a checkpoint resumed on another backend)', async () => {
    for (const [from, to] of [['host', 'device'], ['device', 'host']] as const) {
      const a = make({ ...options, placement: from }, shapes);
      for (let t = 1; t <= 4; t++) await step(a, tensors(gradsAt(t), shapes));
      const b = make({ ...options, placement: to }, shapes);
      b.setState(loadStates(await saveStates({ s: a.getState() })).s!);
      expect(b.placement).toBe(to);
      const grads = tensors(gradsAt(5), shapes);
      const [outA, outB] = [await step(a, grads), await step(b, grads)];
      // Host and device differ by float32 rounding of the statistics and roots only.
      outA.values.forEach((v, i) => expect(relError(outB.values[i]!, v)).toBeLessThan(1e-3));
    }
  });

  it('refuses a state of another model or options, naming what differs', async () => {
    const a = make({ placement: 'host' }, shapes);
    await step(a, tensors(gradsAt(1), shapes));
    const state = loadStates(await saveStates({ s: a.getState() })).s!;
    const other = make({ placement: 'host', maxPreconditionerDim: 2 }, shapes);
    expect(() => other.setState(state)).toThrow(/shampoo state\.params\[0\]\.factors\.blocks: 'p0' has 6 blocks here, the checkpoint 1; maxPreconditionerDim or the model differs/);
    const smaller = make({ placement: 'host' }, [[3, 5]]);
    expect(() => smaller.setState(state)).toThrow(/shampoo state\.params: the model has 1 parameters, the checkpoint 2/);
    const adam = make({ placement: 'host', graft: 'adam' }, shapes);
    await step(adam, tensors(gradsAt(2), shapes));
    const before = await adam.inspect('p0');
    expect(() => adam.setState(state)).toThrow(/grafting 'adam' keeps \[mu, nu\], the saved state holds \[\]/);
    // Refused before anything was taken over: the statistics are the ones it had.
    expect(await adam.inspect('p0')).toEqual(before);
    expect(() => adam.setState({ ...state, format: 'kfac/1' })).toThrow(/format is "kfac\/1", expected 'shampoo\/1'/);
    disposeState(state);
  });
});

describe('host placement reads in update, not in apply', () => {
  it('multiplies the gradient and grafted direction update read, exactly what apply would read itself', async () => {
    const shapes = [[2, 3], [3]];
    const p = make({ placement: 'host', graft: 'adam', preconditionerUpdateEvery: 1 }, shapes);
    for (const seed of [61, 62, 63]) {
      const grads = tensors([randomMat(2, 3, seed), randomMat(1, 3, seed + 100)], shapes);
      await p.update(gradientContext(grads));
      // The step's own tensors: the values update read (gradient and Adam's direction). Copies of
      // them, which update never saw, are read by apply itself: the same numbers must come out.
      const prepared = p.apply(grads);
      const copies = grads.map((g) => tf.clone(g));
      live.tensors.push(...copies);
      const direct = p.apply(copies);
      for (let i = 0; i < 2; i++) expect(Array.from(await prepared[i]!.data())).toEqual(Array.from(await direct[i]!.data()));
      tf.dispose([...prepared, ...direct]);
    }
    // A gradient that update did not read and that cannot be read now: the message says what to do.
    const gone = tf.zeros([2, 3]);
    gone.dispose();
    const bias = tensors([randomMat(1, 3, 1)], [[3]]);
    expect(() => p.apply([gone, bias[0]!])).toThrow(/shampoo \(host placement\): apply got a gradient that update did not read/);
  });
});
