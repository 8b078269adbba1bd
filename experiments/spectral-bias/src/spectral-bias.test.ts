// The claims of E1 on shortened runs: gradient descent and Adam learn the target's low frequencies
// first (spectral bias); Levenberg-Marquardt drives the loss down within a few hundred steps;
// Gauss-Newton removes the three target modes at one rate. The full run is in the README figures.
import { MemoryRunStore, runVariant } from '@precond/core';
import { selectBackend } from '@precond/runtime-node';
import { describe, expect, it } from 'vitest';
import experiment from '../experiment.js';

async function modeHistory(variant: string, steps: number, logEvery = 250) {
  const backend = await selectBackend('wasm');
  const store = new MemoryRunStore();
  const out = await runVariant({
    experiment,
    variant,
    seed: 0,
    store,
    location: 'run',
    overrides: { steps, log: { every: logEvery } },
    environment: { backend: { name: backend.name, version: backend.version } },
  });
  expect(out.status).toBe('completed');
  const rows = (await (await store.open('run')).readText('metrics.jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss: number; modes: number[]; mode_rates?: number[] });
  // Relative error of the three target bins (3, 5, 7 on [-1, 1) with 100 points) against step 0.
  const first = rows[0]!.modes;
  return rows.map((r) => ({
    step: r.step,
    loss: r.loss,
    rel: [3, 5, 7].map((k) => r.modes[k]! / first[k]!) as [number, number, number],
    rates: r.mode_rates ? ([3, 5, 7].map((k) => r.mode_rates![k]!) as [number, number, number]) : null,
  }));
}

describe('spectral-bias (E1) with first-order optimizers', () => {
  it('Adam: the 3-cycle mode is learned before the 5-cycle mode, and that before the 7-cycle mode', async () => {
    const h = await modeHistory('adam', 1000);
    // Measured (seed 0, wasm): at step 1000 the relative errors are about 0.02, 0.15, 0.45; the
    // NumPy peer's Adam run shows the same ordering. We assert the ordering with margins.
    const [m3, m5, m7] = h.at(-1)!.rel;
    expect(m3).toBeLessThan(0.5 * m5);
    expect(m5).toBeLessThan(0.5 * m7);
    expect(h.at(-1)!.loss).toBeLessThan(0.5 * h[0]!.loss);
  });

  it('GD (η = 0.3): the highest target frequency stays well above the lowest for thousands of steps', async () => {
    const h = await modeHistory('sgd', 5000);
    // PAPER.md: GD needs ~3,700 steps to halve the 3-cycle mode and ~5,700 for the 7-cycle mode.
    // The NumPy peer (same network, other initial weights) at step 4,560: relative errors 0.17
    // (bin 3) and 0.71 (bin 7). Assert: at the end the 3-cycle mode has at least halved while the
    // 7-cycle mode keeps more than 60% of its error, and at no logged step is bin 7 ahead of bin 3.
    const [m3, , m7] = h.at(-1)!.rel;
    expect(m3).toBeLessThan(0.5);
    expect(m7).toBeGreaterThan(0.6);
    for (const row of h.slice(1)) expect(row.rel[2]).toBeGreaterThan(row.rel[0] * 0.9);
  });
});

describe('spectral-bias (E1) with Gauss-Newton-type optimizers', () => {
  it('LM (μ = 0.1, η = 0.5) takes the training loss below 1e-4 within 300 steps', async () => {
    const h = await modeHistory('lm-0.1', 300, 10);
    // PAPER.md, "Numerical facts": 0.39 → 7e-5 within about 120 steps in NumPy. Measured here
    // (wasm) below 1e-4 from step 120 (seed 0), 130 and 150 (seeds 1, 2).
    expect(h[0]!.loss).toBeGreaterThan(0.35);
    const first = h.find((row) => row.loss < 1e-4);
    expect(first?.step).toBeLessThanOrEqual(300);
    expect(h.at(-1)!.loss).toBeLessThan(1e-4);
  });

  it('GN (ε = 1e-7, η = 0.05): the modes on bins 3, 5, 7 decay at one rate in the early phase', async () => {
    const h = await modeHistory('gn', 100, 10);
    // mode_rates at step 100 over the window 50..100 (rateWindow 50). A GN step of size η removes
    // the fraction η of every mode above the cutoff, so each decays at −ln(1 − η) = 0.0513 per step;
    // measured here 0.045, 0.049, 0.047 (seed 0). The claim: the three rates agree within a factor
    // of 3, and each is within a factor of 2 of −ln(1 − η).
    const rates = h.at(-1)!.rates!;
    const oneRate = -Math.log(1 - 0.05);
    for (const r of rates) {
      expect(r).toBeGreaterThan(oneRate / 2);
      expect(r).toBeLessThan(oneRate * 2);
    }
    expect(Math.max(...rates) / Math.min(...rates)).toBeLessThan(3);
  });
});
