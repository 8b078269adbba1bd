#!/usr/bin/env node
// Figures and numbers of the README from a finished run of the whole experiment:
//
//   pnpm exec nx run @precond/cli:build
//   pnpm precond run experiments/spectral-bias --backend wasm --out /tmp/e1
//   node experiments/spectral-bias/scripts/figures.mjs /tmp/e1/spectral-bias [experiments/spectral-bias/figures]
//
// Reads every run folder under the first argument with @precond/report's loadRun, writes the SVG
// figures into the second (default: ../figures beside this script) and prints the numbers the
// README quotes, per variant and seed. Rows logged only for the NTK probe (its log-spaced steps)
// carry the loss and the probe's numbers but no mode errors.
/* global console, process */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelDistanceFigure, loadRun, lossFigure, modeErrorFigure, ntkSpectrumFigure, renderSvg } from '@precond/report';
import { FsRunStore } from '@precond/runtime-node';

const [runsRoot, outArg] = process.argv.slice(2);
if (!runsRoot) {
  console.error('usage: node scripts/figures.mjs <folder holding the run folders> [output folder]');
  process.exit(2);
}
const out = resolve(outArg ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'figures'));

const store = new FsRunStore(runsRoot);
const runs = [];
for (const entry of (await readdir(store.root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
  const run = await loadRun(await store.open(entry));
  if (run.record.status !== 'completed') throw new Error(`${run.location} is ${run.record.status}, not completed`);
  runs.push(run);
}
const byVariant = (names) => runs.filter((r) => names.includes(r.record.variant));
/** The runs with their rows up to `step` (to set GD and Adam beside the 300 steps of LM and GN). */
const upTo = (list, step) => list.map((r) => ({ ...r, rows: r.rows.filter((row) => row.step <= step) }));

/**
 * The step-0 kernel depends on the seed only, so every variant should log the same step-0 numbers
 * and the spectrum figure draws them once. Runs made with another build of the workspace can
 * differ in the last bits (eigenvalues) and in the eigenvectors of rounding-level eigenvalues
 * (their residual components): those are left out of the figure and reported here.
 */
function sameInitialKernel(list) {
  const reference = new Map(list.filter((r) => r.record.variant === 'sgd').map((r) => [r.record.seed, JSON.stringify(stepZero(r))]));
  const kept = list.filter((r) => JSON.stringify(stepZero(r)) === reference.get(r.record.seed));
  for (const r of list.filter((x) => !kept.includes(x))) {
    const mine = stepZero(r)[0];
    const theirs = JSON.parse(reference.get(r.record.seed))[0];
    const worst = Math.max(...mine.map((l, k) => Math.abs(l - theirs[k]))) / theirs[0];
    console.log(`spectrum figure leaves out ${r.location}: its step-0 eigenvalues differ from sgd's (seed ${r.record.seed}) by up to ${worst.toExponential(1)}·λ_0`);
  }
  return kept;
}
function stepZero(run) {
  const row = run.rows.find((r) => r.step === 0);
  return [row['ntk.eigenvalues'], row['ntk.modes']];
}

const FIRST_ORDER = ['sgd', 'adam'];
const GAUSS_NEWTON = ['lm-0.5', 'lm-0.1', 'gn'];
const KRONECKER = ['kfac', 'shampoo'];
const figures = {
  'modes-first-order.svg': modeErrorFigure(byVariant(FIRST_ORDER), { title: 'E1 mode errors |ê_k|, k = 0..9: GD (η = 0.3) and Adam (η = 1e-3)' }),
  'modes-gauss-newton.svg': modeErrorFigure(byVariant(GAUSS_NEWTON), { title: 'E1 mode errors |ê_k|, k = 0..9: LM (μ = 0.5, 0.1; η = 0.5) and GN (ε = 1e-7, η = 0.05)' }),
  'modes-kfac-shampoo.svg': modeErrorFigure(byVariant(KRONECKER), { title: 'E1 mode errors |ê_k|, k = 0..9: SGD + K-FAC (adaptive λ) and SGD + Shampoo (Adam grafting)' }),
  'loss-first-300-steps.svg': lossFigure(upTo(runs, 300)),
  'loss-first-order.svg': lossFigure(byVariant(FIRST_ORDER)),
  'loss-adam-kfac-shampoo.svg': lossFigure(byVariant(['adam', ...KRONECKER])),
  'ntk-spectrum-step-0.svg': ntkSpectrumFigure(sameInitialKernel(runs), { title: 'E1 NTK at step 0 (100 training points): eigenvalues λ_k and residual components |q_kᵀ e|' }),
  'ntk-kernel-distance.svg': kernelDistanceFigure(runs, { title: 'E1 NTK kernel distance from step 0' }),
};
await mkdir(out, { recursive: true });
for (const [name, spec] of Object.entries(figures)) {
  await writeFile(join(out, name), await renderSvg(spec));
  console.log(`wrote ${join(out, name)}`);
}

// The numbers the README quotes.
const fmt = (v) => {
  if (v === undefined) return '-';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e-2 && Math.abs(v) < 1e3 ? v.toFixed(3) : v.toExponential(1);
};
const TARGET_BINS = [3, 5, 7];
console.log('\nvariant seed | loss@0 max-loss final-loss | first step loss<1e-4 | first step each of bins 3,5,7 is halved | mode_rates 3,5,7 at step 100, window 50..100 (LM, GN) | s/step | GN rank at steps 5, 100, 300');
for (const run of runs) {
  const { record } = run;
  const rows = run.rows.filter((row) => Array.isArray(row.modes));
  const first = rows[0];
  const halved = TARGET_BINS.map((k) => rows.find((row) => row.modes[k] <= 0.5 * first.modes[k])?.step);
  const rates = GAUSS_NEWTON.includes(record.variant) ? rows.find((row) => row.step === 100)?.mode_rates : undefined;
  console.log(
    [
      record.variant,
      `s${record.seed}`,
      '|',
      fmt(first.loss),
      fmt(Math.max(...run.rows.map((row) => row.loss))),
      fmt(rows.at(-1).loss),
      '|',
      fmt(rows.find((row) => row.loss < 1e-4)?.step),
      '|',
      halved.map(fmt).join(','),
      '|',
      rates ? TARGET_BINS.map((k) => fmt(rates[k])).join(',') : '-',
      '|',
      fmt(record.timing.s_per_step),
      '|',
      record.variant === 'gn' ? [5, 100, 300].map((t) => fmt(rows.find((row) => row.step === t)?.['opt.rank'])).join(',') : '-',
    ].join(' '),
  );
}

// Loss at fixed steps (every row carries the loss), medians over seeds beside each seed's value,
// and the ratio to Adam's median at the same step.
const CHECKPOINTS = [25, 100, 300, 500, 1000, 2000, 2500, 3000, 8000];
const variants = [...new Set(runs.map((r) => r.record.variant))];
const lossAt = (run, step) => run.rows.find((row) => row.step === step)?.loss;
const medianOf = (values) => {
  const v = values.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const adamMedian = (step) => medianOf(byVariant(['adam']).map((r) => lossAt(r, step)));
console.log(`\nloss at steps ${CHECKPOINTS.join(', ')}: median over seeds [seeds] (× Adam's median)`);
for (const variant of variants) {
  const list = byVariant([variant]);
  const cells = CHECKPOINTS.map((step) => {
    const m = medianOf(list.map((r) => lossAt(r, step)));
    if (m === undefined) return `${step}: -`;
    const a = adamMedian(step);
    return `${step}: ${fmt(m)} [${list.map((r) => fmt(lossAt(r, step))).join(' ')}]${a === undefined ? '' : ` (×${fmt(m / a)})`}`;
  });
  console.log(`${variant.padEnd(8)} ${cells.join(' | ')}`);
}

// The NTK probe: kernel distance at fixed steps, the probe's own time, and the step-0 spectrum.
const ntkRow = (run, step) => run.rows.find((row) => row.step === step && row['ntk.kernel_distance'] !== undefined);
console.log('\nkernel distance at steps 10, 100, 300, 1000, 3000, last: median [seeds] | probe observations, seconds in the probe (sum over the run) / run total_s, median ms per observation');
for (const variant of variants) {
  const list = byVariant([variant]);
  const cells = [10, 100, 300, 1000, 3000, 'last'].map((step) => {
    const pick = (r) => (step === 'last' ? r.rows.at(-1)['ntk.kernel_distance'] : ntkRow(r, step)?.['ntk.kernel_distance']);
    const m = medianOf(list.map(pick));
    return m === undefined ? `${step}: -` : `${step}: ${fmt(m)} [${list.map((r) => fmt(pick(r))).join(' ')}]`;
  });
  const cost = list.map((r) => {
    const obs = r.rows.filter((row) => row['ntk.seconds'] !== undefined);
    return `${obs.length} obs ${fmt(obs.reduce((sum, row) => sum + row['ntk.seconds'], 0))} s / ${fmt(r.record.timing.total_s)} s, ${fmt(1000 * medianOf(obs.map((row) => row['ntk.seconds'])))} ms`;
  });
  console.log(`${variant.padEnd(8)} ${cells.join(' | ')} | ${cost.join('; ')}`);
}
const observations = runs.flatMap((r) => r.rows.filter((row) => row['ntk.seconds'] !== undefined));
const probeSeconds = observations.reduce((sum, row) => sum + row['ntk.seconds'], 0);
const runSeconds = runs.reduce((sum, r) => sum + r.record.timing.total_s, 0);
console.log(`probe over all ${runs.length} runs: ${observations.length} observations, ${fmt(probeSeconds)} s of the runs' ${fmt(runSeconds)} s (${fmt((100 * probeSeconds) / runSeconds)}%)`);

// The kernel at step 0 depends on the seed only (the initial weights): check that every variant
// logged the same spectrum, then give the relative eigenvalues and where the residual lies.
console.log('\nNTK at step 0, per seed: λ_k/λ_0 for k = 0..7 | #λ ≤ 0 | share of ‖e‖² along eigenvectors with λ_k < 1e-8·λ_0, < 1e-4·λ_0 | Σ|q_kᵀe|² / ‖e‖² (‖e‖² from the loss: 2n·L)');
for (const seed of [...new Set(runs.map((r) => r.record.seed))].sort()) {
  const zero = runs.filter((r) => r.record.seed === seed).map((r) => r.rows.find((row) => row.step === 0));
  const same = zero.every((row) => JSON.stringify(row['ntk.eigenvalues']) === JSON.stringify(zero[0]['ntk.eigenvalues']) && JSON.stringify(row['ntk.modes']) === JSON.stringify(zero[0]['ntk.modes']));
  const { 'ntk.eigenvalues': lambda, 'ntk.modes': modes, loss } = zero[0];
  const energy = modes.reduce((sum, m) => sum + m * m, 0);
  const below = (t) => modes.reduce((sum, m, k) => sum + (lambda[k] < t * lambda[0] ? m * m : 0), 0) / energy;
  console.log(
    `s${seed} (${zero.length} runs, identical: ${same}) ${lambda.slice(0, 8).map((l) => (l / lambda[0]).toExponential(1)).join(' ')} | ${lambda.filter((l) => l <= 0).length} | ${fmt(below(1e-8))}, ${fmt(below(1e-4))} | ${fmt(energy / (2 * lambda.length * loss))}`,
  );
}
