// The claims of E1 on shortened runs: gradient descent and Adam learn the target's low frequencies
// first (spectral bias); Levenberg-Marquardt drives the loss down within a few hundred steps;
// Gauss-Newton removes the three target modes at one rate; the NTK at step 0 is what an independent
// computation gives, and its kernel stays put under GD but not under LM early on; K-FAC and Shampoo
// are ahead of Adam at the same step. The full run is in the README figures.
import { MemoryRunStore, runVariant, type RunFolder } from '@precond/core';
import { selectBackend } from '@precond/runtime-node';
import { describe, expect, it } from 'vitest';
import experiment from '../experiment.js';
import { denseLayers, e1Data, outputAndGradientNorm } from './reference-mlp.js';

interface Row {
  step: number;
  loss: number;
  modes?: number[];
  mode_rates?: number[];
  'ntk.eigenvalues'?: number[];
  'ntk.modes'?: number[];
  'ntk.kernel_distance'?: number;
}

/**
 * Runs of one variant (seed 0 unless a test names others; wasm), each made once and shared by the tests that read it. The
 * longest (5,000 GD steps) takes about 20 s on an idle 2-core machine and several minutes on a busy
 * one, so the tests that start runs allow 10 minutes instead of the workspace's 2.
 */
const LONG = 600_000;
const runs = new Map<string, Promise<{ rows: Row[]; folder: RunFolder }>>();
function run(variant: string, steps: number, logEvery: number, seed = 0) {
  const key = `${variant}/${steps}/${logEvery}/${seed}`;
  if (!runs.has(key)) runs.set(key, runOnce(variant, steps, logEvery, seed));
  return runs.get(key)!;
}

async function runOnce(variant: string, steps: number, logEvery: number, seed: number) {
  const backend = await selectBackend('wasm');
  const store = new MemoryRunStore();
  const out = await runVariant({
    experiment,
    variant,
    seed,
    store,
    location: 'run',
    overrides: { steps, log: { every: logEvery } },
    environment: { backend: { name: backend.name, version: backend.version } },
  });
  expect(out.status).toBe('completed');
  const folder = await store.open('run');
  const rows = (await folder.readText('metrics.jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  return { rows, folder };
}

/**
 * Relative error of the three target bins (3, 5, 7 on [-1, 1) with 100 points) against step 0, at
 * the logged steps (rows the NTK probe added at its own steps carry no mode errors).
 */
function modeHistory(rows: readonly Row[]) {
  const logged = rows.filter((r) => Array.isArray(r.modes));
  const first = logged[0]!.modes!;
  return logged.map((r) => ({
    step: r.step,
    loss: r.loss,
    rel: [3, 5, 7].map((k) => r.modes![k]! / first[k]!) as [number, number, number],
    rates: r.mode_rates ? ([3, 5, 7].map((k) => r.mode_rates![k]!) as [number, number, number]) : null,
  }));
}

const at = (rows: readonly Row[], step: number) => {
  const row = rows.find((r) => r.step === step);
  if (!row) throw new Error(`no row at step ${step}`);
  return row;
};

describe('spectral-bias (E1) with first-order optimizers', () => {
  it('Adam: the 3-cycle mode is learned before the 5-cycle mode, and that before the 7-cycle mode', async () => {
    const h = modeHistory((await run('adam', 1000, 100)).rows);
    // Measured (seed 0, wasm): at step 1000 the relative errors are 0.003, 0.15, 0.46; the NumPy
    // peer's Adam run shows the same ordering. We assert the ordering with margins.
    const [m3, m5, m7] = h.at(-1)!.rel;
    expect(m3).toBeLessThan(0.5 * m5);
    expect(m5).toBeLessThan(0.5 * m7);
    expect(h.at(-1)!.loss).toBeLessThan(0.5 * h[0]!.loss);
  }, LONG);

  it('GD (η = 0.3): the highest target frequency stays well above the lowest for thousands of steps', async () => {
    const h = modeHistory((await run('sgd', 5000, 250)).rows);
    // PAPER.md: GD needs ~3,700 steps to halve the 3-cycle mode and ~5,700 for the 7-cycle mode.
    // The NumPy peer (same network, other initial weights) at step 4,560: relative errors 0.17
    // (bin 3) and 0.71 (bin 7). Assert: at the end the 3-cycle mode has at least halved while the
    // 7-cycle mode keeps more than 60% of its error, and at no logged step is bin 7 ahead of bin 3.
    // Measured (seed 0, wasm): 0.49 and 0.75 at step 5,000. Bin 3's margin is small: this seed
    // halves it at step 4,675 (README), later than the NumPy peer's ~3,700, so a change of the
    // arithmetic that delays GD by a few hundred steps fails the first assertion.
    const [m3, , m7] = h.at(-1)!.rel;
    expect(m3).toBeLessThan(0.5);
    expect(m7).toBeGreaterThan(0.6);
    for (const row of h.slice(1)) expect(row.rel[2]).toBeGreaterThan(row.rel[0] * 0.9);
  }, LONG);

  it('GD (η = 0.3) stays in the lazy regime early: the kernel distance at step 100 is below 1e-4', async () => {
    const { rows } = await run('sgd', 5000, 250);
    // The probe observes at log-spaced steps, 100 among them. In the lazy (NTK) regime the kernel
    // barely moves: after 100 GD steps the loss has fallen by less than 1% and the weights have
    // moved by ‖θ − θ₀‖/‖θ₀‖ = 0.006-0.01, and the kernel's change is of that order squared or less
    // (probe-ntk README: 4e-6 at step 100 on this network; measured here 4.0e-6, 6.6e-5, 1.6e-6
    // for seeds 0, 1, 2). Far below LM's (next test).
    expect(at(rows, 100)['ntk.kernel_distance']!).toBeLessThan(1e-4);
    expect(at(rows, 100)['ntk.kernel_distance']!).toBeGreaterThan(0);
  });
});

describe('spectral-bias (E1) with Gauss-Newton-type optimizers', () => {
  it('LM (μ = 0.1, η = 0.5) takes the training loss below 1e-4 within 300 steps', async () => {
    const h = modeHistory((await run('lm-0.1', 300, 10)).rows);
    // PAPER.md, "Numerical facts": 0.39 → 7e-5 within about 120 steps in NumPy. Measured here
    // (wasm, logged every 10 steps) below 1e-4 from step 130 (seed 0), 170 and 110 (seeds 1, 2).
    expect(h[0]!.loss).toBeGreaterThan(0.35);
    const first = h.find((row) => row.loss < 1e-4);
    expect(first?.step).toBeLessThanOrEqual(300);
    expect(h.at(-1)!.loss).toBeLessThan(1e-4);
  }, LONG);

  it('LM (μ = 0.1) leaves the initial kernel early: the kernel distance at step 100 is above 1e-2', async () => {
    const { rows } = await run('lm-0.1', 300, 10);
    // LM's first steps, sized by the inverse of small eigenvalues, move the weights far (the loss
    // rises to 6.9-7.9 before it falls, and ‖θ − θ₀‖/‖θ₀‖ is 2.1-2.6 at step 100, README): the
    // kernel cannot stay put, unlike GD's (above).
    // Measured (wasm, seeds 0, 1, 2): 0.15, 0.11, 0.18.
    expect(at(rows, 100)['ntk.kernel_distance']!).toBeGreaterThan(1e-2);
  });

  it('GN (ε = 1e-7, η = 0.05): the modes on bins 3, 5, 7 decay at one rate in the early phase (median over seeds 0-2)', async () => {
    // mode_rates at step 100 over the window 50..100 (rateWindow 50). A GN step of size η removes
    // the fraction η of every mode above the cutoff, so each decays at −ln(1 − η) = 0.0513 per step.
    // GN is fragile seed by seed (README, "Choosing GN's cutoff": a seed can still be in its erratic
    // phase at step 100; measured per seed on wasm: 0.023/0.013/0.012, 0.042/0.031/0.032,
    // 0.049/0.053/0.048, with an earlier build 0.048/0.049/0.013, 0.050/0.050/0.051,
    // 0.039/0.045/0.050), so the claim is checked on what the figure shows, the median over the
    // three seeds: each median rate within a factor of 2 of −ln(1 − η), and the three within a
    // factor of 3 of each other. Medians measured: 0.042, 0.031, 0.032 (bin 5's is 1.2 times the
    // lower bound 0.026).
    const perSeed: number[][] = [];
    for (const seed of [0, 1, 2]) perSeed.push(modeHistory((await run('gn', 100, 10, seed)).rows).at(-1)!.rates!);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const rates = [0, 1, 2].map((k) => median(perSeed.map((r) => r[k]!)));
    const oneRate = -Math.log(1 - 0.05);
    for (const r of rates) {
      expect(r).toBeGreaterThan(oneRate / 2);
      expect(r).toBeLessThan(oneRate * 2);
    }
    expect(Math.max(...rates) / Math.min(...rates)).toBeLessThan(3);
  }, LONG);
});

describe('spectral-bias (E1): the NTK at step 0', () => {
  // One GD step is enough: the probe observes step 0, and the runner checkpoints the initial weights.
  const initial = async () => {
    const { rows, folder } = await run('sgd', 1, 1);
    const layers = denseLayers(await folder.readBytes('checkpoints/step-0/params.safetensors'));
    return { row: at(rows, 0), layers };
  };

  it('has 100 eigenvalues, largest first, positive up to rounding, summing to the trace of J Jᵀ', async () => {
    const { row, layers } = await initial();
    const lambda = row['ntk.eigenvalues']!;
    expect(lambda).toHaveLength(100);
    for (let k = 1; k < lambda.length; k++) expect(lambda[k]!).toBeLessThanOrEqual(lambda[k - 1]!);
    // PAPER.md ("Numerical facts"): relative eigenvalues 1, 5e-1, 1e-4, 3e-5, 2e-8, 4e-9, 4e-13, ...
    // so the first seven are resolved and positive. The rest sit at the rounding level of a float64
    // eigensolver, |λ| ≲ n·2⁻⁵³·λ_0 ≈ 1.1e-14·λ_0 (probe-ntk README), and may come out slightly
    // negative: allow ten times that.
    for (const l of lambda.slice(0, 7)) expect(l).toBeGreaterThan(0);
    for (const l of lambda) expect(l).toBeGreaterThan(-1.1e-13 * lambda[0]!);
    // Σλ_k = tr K = Σ_i ‖∇_θ f(x_i)‖², computed here by hand-written backpropagation in float64 from
    // the checkpointed initial weights (reference-mlp.ts). The probe's K comes from float32
    // Jacobian entries (relative error ~1e-6 after the forward and backward sums), so the two
    // traces agree to about 1e-6; eigh keeps the trace to ~1e-15. Assert 1e-5 (measured 2e-9).
    const trace = e1Data().reduce((s, { x }) => s + outputAndGradientNorm(layers, x).gradNorm2, 0);
    const sum = lambda.reduce((s, l) => s + l, 0);
    expect(Math.abs(sum - trace) / trace).toBeLessThan(1e-5);
  });

  it('gives error modes whose squares sum to ‖f − y‖², most of it along eigenvalues below 1e-8·λ_0', async () => {
    const { row, layers } = await initial();
    const lambda = row['ntk.eigenvalues']!;
    const modes = row['ntk.modes']!;
    expect(modes).toHaveLength(100);
    // e = f − y from the hand-written forward pass and PAPER.md's target on the grid. Q is
    // orthogonal, so Σ_k (q_kᵀ e)² = ‖e‖² (to float32 rounding of e, ~1e-7 relative).
    // Measured: the two agree to 5e-8.
    const e2 = e1Data().reduce((s, { x, y }) => s + (outputAndGradientNorm(layers, x).f - y) ** 2, 0);
    // The runner's loss is core's MSE ½·mean(e²): the forward pass agrees with the network's (3e-7).
    expect(Math.abs(e2 / 200 - row.loss) / row.loss).toBeLessThan(1e-5);
    const energy = modes.reduce((s, m) => s + m * m, 0);
    expect(Math.abs(energy - e2) / e2).toBeLessThan(1e-5);
    // PAPER.md ("Numerical facts", NumPy): over 90% of the target's energy lies in directions below
    // 1e-8 of the largest eigenvalue; that is why GD needs thousands of steps for it. Measured here
    // (seed 0, wasm): 94.8%.
    const below = modes.reduce((s, m, k) => s + (lambda[k]! < 1e-8 * lambda[0]! ? m * m : 0), 0);
    expect(below / energy).toBeGreaterThan(0.9);
  });
});

describe('spectral-bias (E1) with K-FAC and Shampoo', () => {
  it('SGD + K-FAC (adaptive damping) ends 300 steps far below Adam at step 300', async () => {
    const adam = at((await run('adam', 1000, 100)).rows, 300).loss;
    const kfac = at((await run('kfac', 300, 100)).rows, 300).loss;
    // Measured (seed 0, wasm): Adam (η = 1e-3) 0.375 at step 300, still on the spectral-bias
    // plateau; K-FAC 2.9e-5 (6.4e-5 at step 200; preconditioner-kfac README, cpu backend: 8.0e-6
    // at step 200 with these settings). Assert a factor 100 below Adam.
    expect(kfac).toBeLessThan(adam / 100);
  }, LONG);

  it('SGD + Shampoo ends 500 steps below Adam at step 500', async () => {
    const adam = at((await run('adam', 1000, 100)).rows, 500).loss;
    const shampoo = at((await run('shampoo', 500, 100)).rows, 500).loss;
    // Measured (seed 0, wasm): Adam 0.263, Shampoo 0.094 at step 500 (README: below Adam from
    // step 300 to 3,000 in every seed). Assert below half of Adam's.
    expect(shampoo).toBeLessThan(0.5 * adam);
  }, LONG);
});
