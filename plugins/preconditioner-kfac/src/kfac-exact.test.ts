// K-FAC against independent float64 computations: the Gauss-Newton direction where the Kronecker
// factorisation is exact, and the factors A and G of every estimation mode. The reference
// arithmetic lives in test-support/reference.ts (plain arrays, no K-FAC or linalg code).
import { crossEntropyLoss, mseLoss, Rng, type Loss } from '@precond/core';
import { denseLayer, embeddingLayer, sequentialModel } from '@precond/nn';
import { describe, expect, it } from 'vitest';
import {
  add,
  directionOn,
  eye,
  flat,
  fromFlat,
  makeKfac,
  matMul,
  meanOuter,
  normals,
  read,
  relativeError,
  scale,
  solve,
  transpose,
  updateOn,
  withOnes,
  zeros,
  type Mat,
  disposeAfterEachTest,
} from './test-support/reference.js';

const { track, tensor, linearModel } = disposeAfterEachTest();

/** The dense Jacobian of `f = x W + b` for one sample: rows c, columns in parameter order. */
function linearJacobianRows(xi: number[], k: number): Mat {
  const inputs = xi.length;
  return Array.from({ length: k }, (_, c) => {
    const row = new Array<number>((inputs + 1) * k).fill(0);
    xi.forEach((v, p) => (row[p * k + c] = v)); // kernel [in, out] row-major: column p·k + q
    row[inputs * k + c] = 1; // bias column in·k + q
    return row;
  });
}

describe('the Gauss-Newton direction where K-FAC is exact', () => {
  // Why exact: for `f = x W + b` the output is the pre-activation (J_s = I for every sample), so
  // with MSE of scale h each sample's GGN block is `(ã ãᵀ) ⊗ (J_sᵀ h J_s) = (ã ãᵀ) ⊗ hI`. The second
  // factor is the same for every sample, so `(1/n) Σ_i (ã_i ã_iᵀ) ⊗ hI = [(1/n) Σ_i ã_i ã_iᵀ] ⊗ hI
  // = A ⊗ G` exactly: K-FAC's only approximation (mean of products = product of means) is an
  // identity here. With decay 0 (the first update initialises anyway), inverses every update and
  // λ → 0, `apply(∇L)` must then be the Gauss-Newton step `(JᵀJ)⁻¹ Jᵀ r` (h and 1/n cancel between
  // `∇L = (h/n) Jᵀ r` and `GGN = (h/n) JᵀJ`).
  for (const outputs of [1, 3]) {
    it(`gives (JᵀJ + μI)⁻¹ Jᵀ r for a linear layer with ${outputs} output(s) and MSE of scale 2`, async () => {
      const n = 16;
      const inputs = 3;
      const rng = new Rng(11);
      const x = normals(rng, n, inputs);
      const y = normals(rng, n, outputs);
      const model = linearModel(inputs, outputs, 3);
      const loss = mseLoss(2);
      const k = track(makeKfac(model, { estimation: 'ggn', decay: 0, damping: 1e-12, inverseUpdateEvery: 1 }));
      const { direction } = await directionOn(k, 1, model, { x: tensor(x), y: tensor(y) }, loss, rng);

      // Independent float64: J from the float32 inputs, r from the float32 weights.
      const w = read(model.params[0]!.variable);
      const b = read(model.params[1]!.variable)[0]!;
      const jacobian = x.flatMap((xi) => linearJacobianRows(xi, outputs));
      const r = x.flatMap((xi, i) => Array.from({ length: outputs }, (_, c) => [xi.reduce((s, v, p) => s + v * w[p]![c]!, b[c]!) - y[i]![c]!]));
      const jt = transpose(jacobian);
      const mu = 1e-12;
      const gn = flat(solve(add(matMul(jt, jacobian), eye(jt.length), mu), matMul(jt, r)));

      // The K-FAC direction, flattened in parameter order (kernel row-major, then bias).
      const kfacDirection = [...direction[0]!, ...direction[1]!];
      // Both sides are the same direction up to float32 gradients (~1e-7 relative) and damping
      // (π√λ ≈ 1e-6 against A's eigenvalues of order 1): 1e-4 leaves room for both, while a wrong
      // 1/n or h in a factor would be off by a factor 16 or 2.
      expect(relativeError(kfacDirection, gn)).toBeLessThan(1e-4);
    });
  }

  it('gives the per-token mean residual for an embedding looked up once per sample (A diagonal, exact)', async () => {
    // f_i = E[id_i] (dim 1, one token): the per-sample gradient is e_{id_i} r_i h, so the GGN of the
    // mean loss is (h/n) diag(counts), exactly A ⊗ G with A = diag(counts)/n and G = h. The
    // Gauss-Newton step for row v is then the mean residual of the samples that use token v, and 0
    // for tokens nobody uses (their gradient row is 0).
    const vocab = 5;
    const ids = [0, 2, 2, 3, 0, 0, 2, 3];
    const rng = new Rng(4);
    const model = track(sequentialModel([embeddingLayer({ name: 'embedding', vocabSize: vocab, dim: 1 })], new Rng(2)));
    const y = normals(rng, ids.length, 1);
    const loss = mseLoss(3);
    const k = track(makeKfac(model, { decay: 0, damping: 1e-12, inverseUpdateEvery: 1 }));
    const { direction } = await directionOn(k, 1, model, { x: tensor(ids.map((v) => [v])), y: tensor(y) }, loss, rng);
    const table = read(model.params[0]!.variable).flat();
    const expected = Array.from({ length: vocab }, (_, v) => {
      const rows = ids.flatMap((id, i) => (id === v ? [table[v]! - y[i]![0]!] : []));
      return rows.length ? rows.reduce((s, x) => s + x, 0) / rows.length : 0;
    });
    direction[0]!.forEach((d, v) => expect(d).toBeCloseTo(expected[v]!, 5));
  });
});

describe('the factors against an independent float64 computation from the same batch', () => {
  // A 2-3-2 tanh MLP: s1 = x W1 + b1, a1 = tanh(s1), f = a1 W2 + b2, MSE of scale h = 1.5.
  const n = 10;
  const h = 1.5;
  const setup = () => {
    const rng = new Rng(21);
    const model = track(
      sequentialModel(
        [
          denseLayer({ name: 'dense_0', inputSize: 2, outputSize: 3, activation: 'tanh', kernelInit: 'normal', biasInit: 'normal' }),
          denseLayer({ name: 'dense_1', inputSize: 3, outputSize: 2, kernelInit: 'normal', biasInit: 'normal' }),
        ],
        new Rng(8),
      ),
    );
    const x = normals(rng, n, 2);
    const y = normals(rng, n, 2);
    const [w1, b1, w2, b2] = model.params.map((p) => read(p.variable));
    // Forward pass in float64 from the float32 weights.
    const s1 = x.map((xi) => b1![0]!.map((bj, j) => bj + xi.reduce((s, v, p) => s + v * w1![p]![j]!, 0)));
    const a1 = s1.map((row) => row.map(Math.tanh));
    const f = a1.map((ai) => b2![0]!.map((bc, c) => bc + ai.reduce((s, v, j) => s + v * w2![j]![c]!, 0)));
    // ∂f_c/∂s1_j = W2[j, c] (1 - a1_j²): the hidden layer's per-output pre-activation gradients.
    const hiddenRows = (i: number, u: number[]) => a1[i]!.map((aij, j) => (1 - aij * aij) * u.reduce((s, uc, c) => s + uc * w2![j]![c]!, 0));
    return { model, x, y, a1, f, hiddenRows };
  };

  const factorsOf = async (estimation: 'ggn' | 'empirical' | 'fisher', seed: number) => {
    const s = setup();
    const k = track(makeKfac(s.model, { estimation, decay: 0 }));
    await updateOn(k, 1, s.model, { x: tensor(s.x), y: tensor(s.y) }, mseLoss(h), new Rng(seed));
    const [b0, b1] = (await k.inspect()).blocks;
    return { s, hidden: b0!.factors!, output: b1!.factors! };
  };

  /** G of both layers for per-sample cotangent sets `u_i` (rows whose outer products are summed). */
  const expectedG = (s: ReturnType<typeof setup>, cotangents: (i: number) => number[][]) => {
    let g0 = zeros(3, 3);
    let g1 = zeros(2, 2);
    for (let i = 0; i < n; i++) {
      for (const u of cotangents(i)) {
        g0 = add(g0, meanOuter([s.hiddenRows(i, u)], n));
        g1 = add(g1, meanOuter([u], n));
      }
    }
    return { g0, g1 };
  };

  const check = (actual: Float64Array, expected: Mat, tolerance: number) => {
    expect(actual.length).toBe(expected.length * expected.length);
    expect(relativeError(actual, flat(expected))).toBeLessThan(tolerance);
  };

  // Tolerances: the model computes tanh and the products in float32 (relative rounding ~6e-8 per
  // operation); the factors are sums of n = 10 such products, so 1e-5 relative is ample, and any
  // error of scale (a missing 1/n, h or row) is of order 1.

  it('A = (1/n) Σ ã ãᵀ for both layers (ones column for the bias), the same in every mode', async () => {
    const { s, hidden, output } = await factorsOf('ggn', 0);
    check(hidden.a, meanOuter(withOnes(s.x), n), 1e-6);
    check(output.a, meanOuter(withOnes(s.a1), n), 1e-5);
  });

  it('ggn: G = (1/n) Σ_i J_{s,i}ᵀ (hI) J_{s,i}, from k = 2 cotangent rows √h e_c per sample', async () => {
    const { s, hidden, output } = await factorsOf('ggn', 0);
    const rows = [
      [Math.sqrt(h), 0],
      [0, Math.sqrt(h)],
    ];
    const { g0, g1 } = expectedG(s, () => rows);
    check(hidden.g, g0, 1e-5);
    // The output layer's G is exactly h·I (J_s = I).
    check(output.g, scale(eye(2), h), 1e-7);
    check(output.g, g1, 1e-7);
  });

  it('empirical: G = (1/n) Σ g_i g_iᵀ with g_i = ∂ℓ_i/∂s_i, the rows of the summed-loss capture', async () => {
    const { s, hidden, output } = await factorsOf('empirical', 0);
    // ∂ℓ_i/∂f_i = h (f_i - y_i): per-sample gradients of the SUMMED loss (no 1/n in the rows).
    const { g0, g1 } = expectedG(s, (i) => [s.f[i]!.map((fc, c) => h * (fc - s.y[i]![c]!))]);
    check(hidden.g, g0, 1e-5);
    check(output.g, g1, 1e-5);
  });

  it('fisher: G from one sampled cotangent -√h ε_i per sample, ε drawn from the step RNG', async () => {
    const { s, hidden, output } = await factorsOf('fisher', 77);
    // The draws K-FAC makes: n·k normals, row-major, from the step's RNG, stored in float32.
    const twin = new Rng(77);
    const draws = Array.from({ length: n }, () => [0, 1].map(() => Math.fround(-Math.sqrt(h) * twin.normal())));
    const { g0, g1 } = expectedG(s, (i) => [draws[i]!]);
    check(hidden.g, g0, 1e-5);
    check(output.g, g1, 1e-6);
  });
});

describe('cross-entropy factors', () => {
  // One dense layer `f = x W + b` into a softmax: J_s = I, so G is the mean output Hessian
  // (1/n) Σ_i (diag p_i - p_i p_iᵀ) for ggn, and (1/n) Σ (p_i - e_c)(p_i - e_c)ᵀ for a sampled c.
  const n = 12;
  const classes = 4;
  const setup = () => {
    const rng = new Rng(5);
    const model = linearModel(3, classes, 9);
    const x = normals(rng, n, 3);
    const labels = Array.from({ length: n }, () => rng.int(classes));
    const y = labels.map((c) => Array.from({ length: classes }, (_, j) => (j === c ? 1 : 0)));
    const w = read(model.params[0]!.variable);
    const b = read(model.params[1]!.variable)[0]!;
    const p = x.map((xi) => {
      const logits = b.map((bc, c) => bc + xi.reduce((s, v, q) => s + v * w[q]![c]!, 0));
      const top = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - top));
      const total = e.reduce((s, v) => s + v, 0);
      return e.map((v) => v / total);
    });
    return { model, x, y, p };
  };
  const hessianMean = (p: Mat) => {
    let g = zeros(classes, classes);
    for (const pi of p) g = add(g, scale(add(pi.map((v, r) => pi.map((_, c) => (r === c ? v : 0))), meanOuter([pi], 1), -1), 1 / n));
    return g;
  };

  it('ggn uses the exact factor √(p_c)(e_c - p) per class: G = (1/n) Σ (diag p - p pᵀ)', async () => {
    const s = setup();
    const k = track(makeKfac(s.model, { decay: 0 }));
    await updateOn(k, 1, s.model, { x: tensor(s.x), y: tensor(s.y) }, crossEntropyLoss(), new Rng(0));
    expect(relativeError((await k.inspect()).blocks[0]!.factors!.g, flat(hessianMean(s.p)))).toBeLessThan(1e-5);
  });

  it('ggn of a loss known only by its [n, k, k] Hessian blocks (per-sample eigh factor) gives the same G', async () => {
    const s = setup();
    const ce = crossEntropyLoss();
    // The same loss without its name or Hessian product: K-FAC must factor the blocks itself.
    const anonymous: Loss = { name: 'softmax-ce', value: ce.value, outputGradient: ce.outputGradient, outputHessian: ce.outputHessian };
    const k = track(makeKfac(s.model, { decay: 0 }));
    await updateOn(k, 1, s.model, { x: tensor(s.x), y: tensor(s.y) }, anonymous, new Rng(0));
    expect(relativeError((await k.inspect()).blocks[0]!.factors!.g, flat(hessianMean(s.p)))).toBeLessThan(1e-5);
  });

  it('fisher samples c_i ~ Categorical(p_i) by inverse CDF and uses the loss gradient p_i - e_{c_i}', async () => {
    const s = setup();
    const k = track(makeKfac(s.model, { estimation: 'fisher', decay: 0 }));
    await updateOn(k, 1, s.model, { x: tensor(s.x), y: tensor(s.y) }, crossEntropyLoss(), new Rng(123));
    const twin = new Rng(123);
    let g = zeros(classes, classes);
    for (const pi of s.p) {
      const u = twin.uniform();
      let cumulative = 0;
      let c = 0;
      while (c < classes - 1 && u >= (cumulative += pi[c]!)) c++;
      const gradient = pi.map((v, j) => v - (j === c ? 1 : 0));
      g = add(g, meanOuter([gradient], n));
    }
    expect(relativeError((await k.inspect()).blocks[0]!.factors!.g, flat(g))).toBeLessThan(1e-5);
  });
});

describe('embedding factors', () => {
  it('A = diag(token counts)/n and G = (1/(nT)) Σ_{i,t} g_it g_itᵀ over both token positions', async () => {
    // [embedding 6 × 2, two tokens] → dense 4 → 1 (identity), MSE scale h = 2, ggn. The output is
    // linear in the looked-up vectors, so g_it = √h W_t (W_t: the kernel rows that read token t's
    // vector) for every sample, and G = (h/T) Σ_t W_t W_tᵀ.
    const vocab = 6;
    const ids = [
      [0, 1],
      [1, 1],
      [5, 0],
      [2, 1],
      [0, 3],
    ];
    const n = ids.length;
    const h = 2;
    const model = track(
      sequentialModel(
        [embeddingLayer({ name: 'embedding', vocabSize: vocab, dim: 2, sequenceLength: 2 }), denseLayer({ name: 'dense', inputSize: 4, outputSize: 1, kernelInit: 'normal' })],
        new Rng(6),
      ),
    );
    const y = normals(new Rng(1), n, 1);
    const k = track(makeKfac(model, { decay: 0 }));
    await updateOn(k, 1, model, { x: tensor(ids), y: tensor(y) }, mseLoss(h), new Rng(0));
    const [embedding, dense] = (await k.inspect()).blocks;
    const counts = Array.from({ length: vocab }, (_, v) => ids.flat().filter((id) => id === v).length / n);
    expect(Array.from(embedding!.factors!.a)).toEqual(counts);
    const w = read(model.params[1]!.variable).map((row) => row[0]!);
    const rows = [w.slice(0, 2), w.slice(2, 4)];
    const g = scale(add(meanOuter([rows[0]!], 1), meanOuter([rows[1]!], 1)), h / 2);
    expect(relativeError(embedding!.factors!.g, flat(g))).toBeLessThan(1e-6);
    // The dense layer reads the concatenated vectors: A = (1/n) Σ [e_i, 1][e_i, 1]ᵀ, G = h.
    const table = read(model.params[0]!.variable);
    const inputs = ids.map((pair) => [...table[pair[0]!]!, ...table[pair[1]!]!]);
    expect(relativeError(dense!.factors!.a, flat(meanOuter(withOnes(inputs), n)))).toBeLessThan(1e-6);
    // G = h, up to the cotangent √h being stored in float32 (fround(√2)² = 2 - 7e-8).
    expect(dense!.factors!.g[0]).toBeCloseTo(h, 6);
  });
});

describe('the inverse in use', () => {
  it('is (A + π√λ I)⁻¹ and (G + √λ/π I)⁻¹ with π from the traces, computed by hand', async () => {
    // x rows (1, 2) and (1, -2), no bias: A = (1/2)[[1+1, 2-2], [2-2, 4+4]] = diag(1, 4), tr/2 = 2.5.
    // One output, MSE of scale 1, ggn: G = [[1]], tr/1 = 1. λ = 0.04, √λ = 0.2:
    // π = √(2.5/1) = 1.58113883, shifts π√λ = 0.31622777 and √λ/π = 0.12649111.
    const model = track(sequentialModel([denseLayer({ name: 'dense', inputSize: 2, outputSize: 1, bias: false })], new Rng(0)));
    const k = track(makeKfac(model, { damping: 0.04 }));
    await updateOn(k, 1, model, { x: tensor([[1, 2], [1, -2]]), y: tensor([[0], [0]]) }, mseLoss(), new Rng(0));
    const block = (await k.inspect()).blocks[0]!;
    expect(Array.from(block.factors!.a)).toEqual([1, 0, 0, 4]);
    expect(Array.from(block.factors!.g)).toEqual([1]);
    const inverseA = fromFlat(block.inverses!.a, 2, 2);
    expect(inverseA[0]![0]).toBeCloseTo(1 / 1.31622777, 7);
    expect(inverseA[1]![1]).toBeCloseTo(1 / 4.31622777, 7);
    expect(inverseA[0]![1]).toBe(0);
    expect(block.inverses!.g[0]).toBeCloseTo(1 / 1.12649111, 7);
  });
});
