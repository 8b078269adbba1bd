#!/usr/bin/env node
// Figures and numbers of the README from a finished run of the whole experiment:
//
//   pnpm exec nx run-many -t build
//   pnpm precond run experiments/spectral-bias --out /tmp/e1
//   node experiments/spectral-bias/scripts/figures.mjs /tmp/e1/spectral-bias [experiments/spectral-bias/figures]
//
// Reads every run folder under the first argument with @precond/report's loadRun, writes the SVG
// figures into the second (default: ../figures beside this script) and prints the numbers the
// README quotes, per variant and seed.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRun, lossFigure, modeErrorFigure, renderSvg } from '@precond/report';
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

const FIRST_ORDER = ['sgd', 'adam'];
const GAUSS_NEWTON = ['lm-0.5', 'lm-0.1', 'gn'];
const figures = {
  'modes-first-order.svg': modeErrorFigure(byVariant(FIRST_ORDER), { title: 'E1 mode errors |ê_k|, k = 0..9: GD (η = 0.3) and Adam (η = 1e-3)' }),
  'modes-gauss-newton.svg': modeErrorFigure(byVariant(GAUSS_NEWTON), { title: 'E1 mode errors |ê_k|, k = 0..9: LM (μ = 0.5, 0.1; η = 0.5) and GN (ε = 1e-7, η = 0.05)' }),
  'loss-first-300-steps.svg': lossFigure(upTo(runs, 300)),
  'loss-first-order.svg': lossFigure(byVariant(FIRST_ORDER)),
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
  const { rows, record } = run;
  const first = rows[0];
  const halved = TARGET_BINS.map((k) => rows.find((row) => row.modes[k] <= 0.5 * first.modes[k])?.step);
  const rates = GAUSS_NEWTON.includes(record.variant) ? rows.find((row) => row.step === 100)?.mode_rates : undefined;
  console.log(
    [
      record.variant,
      `s${record.seed}`,
      '|',
      fmt(first.loss),
      fmt(Math.max(...rows.map((row) => row.loss))),
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
