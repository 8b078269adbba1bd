#!/usr/bin/env node
// Figures and numbers of the README from a finished run of the experiment:
//
//   pnpm exec nx run-many -t build
//   pnpm precond run experiments/grokking-mlp --backend wasm --out /tmp/e3
//   node experiments/grokking-mlp/scripts/figures.mjs /tmp/e3/grokking-mlp [experiments/grokking-mlp/figures]
//
// Reads every completed run folder under the first argument with @precond/report's loadRun
// (folders of runs that did not complete are named and left out), writes the SVG figures into
// the second (default: ../figures beside this script) and prints the numbers the README quotes.
// @precond/report has no faceted figure of several metrics or a figure against α, so the two
// Vega-Lite specs are built here from report's seedBands (median and min-max over seeds) and
// rendered with its renderSvg.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRun, median, renderSvg, seedBands, VEGA_LITE_SCHEMA } from '@precond/report';
import { FsRunStore } from '@precond/runtime-node';

const [runsRoot, outArg] = process.argv.slice(2);
if (!runsRoot) {
  console.error('usage: node scripts/figures.mjs <folder holding the run folders> [output folder]');
  process.exit(2);
}
const out = resolve(outArg ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'figures'));

/** Optimizer families in the order of the figure's rows, with the label each row carries. */
const OPTIMIZERS = [
  ['gd', 'GD, η = 100/α²'],
  ['lm', 'LM, μ = 1e-3/α², CG 30'],
  ['kfac', 'K-FAC (adaptive), η = 1'],
  ['shampoo', 'Shampoo (Adam graft), η = 0.03'],
  ['adam', 'Adam, η = 0.03'],
];
const LABEL = Object.fromEntries(OPTIMIZERS);
const ALPHAS = [0.5, 1, 1.5, 2];

/** `gd-a1.5` → `{ optimizer: 'gd', alpha: 1.5 }`. */
function parseVariant(name) {
  const m = /^([a-z]+)-a([0-9.]+)$/.exec(name);
  if (!m) throw new Error(`run variant '${name}' is not <optimizer>-a<alpha>, as experiments/grokking-mlp names its variants`);
  return { optimizer: m[1], alpha: Number(m[2]) };
}

const store = new FsRunStore(runsRoot);
const runs = [];
for (const entry of (await readdir(store.root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
  const run = await loadRun(await store.open(entry));
  if (run.record.status !== 'completed') {
    console.error(`left out: ${run.location} is ${run.record.status}, not completed`);
    continue;
  }
  runs.push(run);
}
if (runs.length === 0) throw new Error(`no completed runs under ${resolve(runsRoot)}`);
const families = OPTIMIZERS.map(([o]) => o).filter((o) => runs.some((r) => parseVariant(r.record.variant).optimizer === o));
// Vega-Lite lays a row × column facet out cell by cell, so a row missing an α shifts that row's
// panels left under the wrong column header: refuse rather than draw a mislabelled figure.
for (const optimizer of families) {
  const missing = ALPHAS.filter((alpha) => !runs.some((r) => r.record.variant === `${optimizer}-a${alpha}`));
  if (missing.length > 0) throw new Error(`no completed ${optimizer} run for α = ${missing.join(', ')}: the accuracy figure needs every α of each optimizer it shows`);
}

// Figure 1: train and test accuracy against step (log axis), one column per α, one row per
// optimizer; median over seeds with the min-max band. Step 0 has no place on a log axis.
const accuracyPoints = [];
for (const [metric, label] of [['train_accuracy', 'train'], ['test_accuracy', 'test']]) {
  const bands = seedBands(runs, (row) => (row.step > 0 ? [{ value: row[metric] }] : []), false);
  for (const p of bands.points) {
    const { optimizer, alpha } = parseVariant(p.series);
    accuracyPoints.push({ ...p, optimizer: LABEL[optimizer], alpha: `α = ${alpha}`, accuracy: label });
  }
}
const maxStep = Math.max(...runs.map((r) => r.rows.at(-1).step));
const DECADES = [1, 10, 100, 1000, 10000, 100000].filter((d) => d <= maxStep);
const stepAxis = { field: 'step', type: 'quantitative', title: 'step', scale: { type: 'log', domain: [1, maxStep] }, axis: { values: DECADES, format: '~s' } };
const accuracyFigure = {
  $schema: VEGA_LITE_SCHEMA,
  title: { text: 'E3: train and test accuracy (p = 23, N = 100, 90% split)', subtitle: 'median over seeds, band min–max; log step axis' },
  data: { values: accuracyPoints },
  facet: {
    row: { field: 'optimizer', type: 'nominal', title: null, sort: families.map((o) => LABEL[o]) },
    column: { field: 'alpha', type: 'nominal', title: null, sort: ALPHAS.map((a) => `α = ${a}`) },
  },
  spec: {
    width: 200,
    height: 120,
    encoding: {
      x: stepAxis,
      color: { field: 'accuracy', type: 'nominal', title: 'accuracy', scale: { domain: ['train', 'test'], range: ['#1f77b4', '#d62728'] } },
    },
    layer: [
      { transform: [{ filter: 'datum.runs > 1' }], mark: { type: 'area', opacity: 0.2 }, encoding: { y: { field: 'min', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } }, y2: { field: 'max' } } },
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { y: { field: 'median', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } } } },
    ],
  },
  resolve: { scale: { x: 'shared' } },
};

// The grok markers of each run: the last row holds them once set (they never move).
const markers = runs.map((run) => {
  const { optimizer, alpha } = parseVariant(run.record.variant);
  const last = run.rows.at(-1);
  const testStep = last['grok.test_step'];
  // Wall-clock time to 95% test accuracy: time_s of the row where the marker was first set.
  const grokRow = testStep === undefined ? undefined : run.rows.find((row) => row.step === testStep);
  return {
    optimizer,
    alpha,
    seed: run.record.seed,
    trainStep: last['grok.train_step'],
    testStep,
    delay: last['grok.delay'],
    timeToGrok: grokRow?.time_s,
    sPerStep: run.record.timing?.s_per_step,
    steps: last.step,
    finalTest: last.test_accuracy,
  };
});

// Figure 2: the grok step (first step at ≥ 95% test accuracy) and the delay after the training
// set is fitted, against α; median over seeds with min-max bars. The delay can be 0 or negative,
// so its axis is symlog.
const delayPoints = [];
for (const quantity of [
  ['testStep', 'step at 95% test accuracy'],
  ['delay', 'grokking delay (test − train step)'],
]) {
  for (const optimizer of families) {
    for (const alpha of ALPHAS) {
      const values = markers.filter((m) => m.optimizer === optimizer && m.alpha === alpha && m[quantity[0]] !== undefined).map((m) => m[quantity[0]]).sort((a, b) => a - b);
      if (values.length === 0) continue;
      delayPoints.push({ quantity: quantity[1], optimizer: LABEL[optimizer], alpha, median: median(values), min: values[0], max: values.at(-1), runs: values.length });
    }
  }
}
// Labels by hand: d3's SI format writes the symlog axis's 1, 10, 100 as '0k'.
const stepsAxis = { type: 'quantitative', title: 'steps', scale: { type: 'symlog' }, axis: { values: [0, ...DECADES], labelExpr: "datum.value >= 1000 ? datum.value / 1000 + 'k' : datum.label" } };
const delayFigure = {
  $schema: VEGA_LITE_SCHEMA,
  title: { text: 'E3: when each optimizer generalises, against α', subtitle: 'median over seeds, bars min–max; symlog step axis' },
  data: { values: delayPoints },
  facet: { column: { field: 'quantity', type: 'nominal', title: null, sort: ['step at 95% test accuracy', 'grokking delay (test − train step)'] } },
  spec: {
    width: 300,
    height: 260,
    encoding: {
      x: { field: 'alpha', type: 'quantitative', title: 'α', scale: { domain: [0.4, 2.1] }, axis: { values: ALPHAS } },
      color: { field: 'optimizer', type: 'nominal', title: 'optimizer', scale: { domain: families.map((o) => LABEL[o]) }, legend: { labelLimit: 400 } },
    },
    layer: [
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y: { field: 'min', ...stepsAxis }, y2: { field: 'max' } } },
      { mark: { type: 'line', point: true, strokeWidth: 1.5 }, encoding: { y: { field: 'median', ...stepsAxis } } },
    ],
  },
};

await mkdir(out, { recursive: true });
for (const [name, spec] of Object.entries({ 'accuracy.svg': accuracyFigure, 'grok-step-vs-alpha.svg': delayFigure })) {
  await writeFile(join(out, name), await renderSvg(spec));
  console.log(`wrote ${join(out, name)}`);
}

// The numbers the README quotes.
const fmt = (v, digits = 2) => (v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
console.log('\noptimizer alpha | seeds | grok.train_step | grok.test_step | grok.delay | s to 95% test | s/step | final test acc');
for (const optimizer of families) {
  for (const alpha of ALPHAS) {
    const group = markers.filter((m) => m.optimizer === optimizer && m.alpha === alpha).sort((a, b) => a.seed - b.seed);
    if (group.length === 0) continue;
    const list = (key, digits) => group.map((m) => fmt(m[key], digits)).join(', ');
    console.log(
      [`${optimizer} ${alpha}`, group.map((m) => m.seed).join(','), list('trainStep'), list('testStep'), list('delay'), list('timeToGrok', 1), list('sPerStep', 4), list('finalTest', 3)].join(' | '),
    );
  }
}
