#!/usr/bin/env node
// Figures and numbers of the README from finished (or interrupted) runs of the experiment:
//
//   pnpm exec nx run @precond/cli:build
//   pnpm exec precond run experiments/grokking-transformer --variant adam --backend wasm --steps N --out /tmp/e6
//   (likewise ggn and ggn-then-adam)
//   node experiments/grokking-transformer/scripts/figures.mjs /tmp/e6/grokking-transformer [experiments/grokking-transformer/figures]
//
// Reads every run folder under the first argument with @precond/report's loadRun, writes
// accuracy.svg (train and validation accuracy against step) and loss.svg (train and validation
// cross-entropy) into the second (default: ../figures beside this script), and prints the numbers
// the README quotes. A run stopped with Ctrl-C (`interrupted`) is drawn up to its last row.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRun, renderSvg, VEGA_LITE_SCHEMA } from '@precond/report';
import { FsRunStore } from '@precond/runtime-node';

const [runsRoot, outArg] = process.argv.slice(2);
if (!runsRoot) {
  console.error('usage: node scripts/figures.mjs <folder holding the run folders> [output folder]');
  process.exit(2);
}
const out = resolve(outArg ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'figures'));

const VARIANTS = ['adam', 'ggn', 'ggn-then-adam'];
const store = new FsRunStore(runsRoot);
const runs = [];
for (const entry of (await readdir(store.root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
  const run = await loadRun(await store.open(entry));
  if (!['completed', 'interrupted'].includes(run.record.status)) throw new Error(`${run.location} is ${run.record.status}`);
  if (!VARIANTS.includes(run.record.variant)) throw new Error(`${run.location}: variant '${run.record.variant}' is not one of ${VARIANTS.join(', ')}`);
  runs.push(run);
}
if (runs.length === 0) throw new Error(`no run folders under ${store.root}`);

/** The hybrid's switch step, from the resolved options in run.json (so a shortened run's own value). */
const switchStep = (run) => run.record.config?.optimizer?.options?.switchAt;

/** Long-form rows for Vega-Lite: one per run, logged step and split (train / validation). */
function points(trainKey, testKey) {
  const rows = [];
  for (const run of runs) {
    for (const row of run.rows) {
      for (const [split, key] of [['train', trainKey], ['validation', testKey]]) {
        const value = row[key];
        if (typeof value === 'number' && Number.isFinite(value)) rows.push({ variant: run.record.variant, split, step: row.step, value });
      }
    }
  }
  return rows;
}

function figure(title, yTitle, trainKey, testKey, yScale) {
  const switches = runs.filter((r) => r.record.variant === 'ggn-then-adam' && switchStep(r) !== undefined).map((r) => ({ step: switchStep(r), label: `switch to Adam (step ${switchStep(r)})` }));
  const layers = [
    {
      data: { values: points(trainKey, testKey) },
      mark: { type: 'line', strokeWidth: 1.6, clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: yTitle, scale: yScale },
        color: { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: VARIANTS } },
        strokeDash: { field: 'split', type: 'nominal', title: 'set', scale: { domain: ['train', 'validation'], range: [[1, 0], [5, 3]] } },
        detail: { field: 'variant' },
      },
    },
  ];
  if (switches.length > 0) {
    layers.push({
      data: { values: switches },
      mark: { type: 'rule', color: '#888', strokeDash: [2, 2] },
      encoding: { x: { field: 'step', type: 'quantitative' } },
    });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle: 'solid: training set (4,704 pairs); dashed: validation set (4,705 pairs); grey rule: the hybrid’s switch' },
    width: 560,
    height: 300,
    layer: layers,
    config: { legend: { symbolType: 'stroke', symbolStrokeWidth: 2 } },
  };
}

const figures = {
  'accuracy.svg': figure('E6: accuracy on (a + b) mod 97, 2-block transformer', 'accuracy', 'train_accuracy', 'test_accuracy', { domain: [0, 1] }),
  'loss.svg': figure('E6: cross-entropy on (a + b) mod 97, 2-block transformer', 'cross-entropy', 'loss', 'test_loss', { type: 'log' }),
};
await mkdir(out, { recursive: true });
for (const [name, spec] of Object.entries(figures)) {
  await writeFile(join(out, name), await renderSvg(spec));
  console.log(`wrote ${join(out, name)}`);
}

// The numbers the README quotes.
const fmt = (v, digits = 3) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : '-');
console.log('\nvariant seed status | steps | s/step | loss@0 min-loss final-loss | final train/val acc | best val acc (step) | first step train acc ≥ 0.5, ≥ 0.95 | max loss after switch (step)');
for (const run of runs) {
  const { rows, record } = run;
  const last = rows.at(-1);
  const best = rows.reduce((b, r) => ((r.test_accuracy ?? -1) > (b.test_accuracy ?? -1) ? r : b), rows[0]);
  const at = (threshold) => rows.find((r) => (r.train_accuracy ?? 0) >= threshold)?.step;
  const sw = switchStep(run);
  const after = sw === undefined ? [] : rows.filter((r) => r.step > sw);
  const spike = after.length > 0 ? after.reduce((m, r) => (r.loss > m.loss ? r : m), after[0]) : undefined;
  console.log(
    [
      record.variant,
      `s${record.seed}`,
      record.status,
      '|',
      last.step,
      '|',
      fmt(record.timing?.s_per_step, 2),
      '|',
      fmt(rows[0].loss),
      fmt(Math.min(...rows.map((r) => r.loss))),
      fmt(last.loss),
      '|',
      `${fmt(last.train_accuracy)}/${fmt(last.test_accuracy)}`,
      '|',
      `${fmt(best.test_accuracy)} (${best.step})`,
      '|',
      `${at(0.5) ?? '-'}, ${at(0.95) ?? '-'}`,
      '|',
      spike ? `${fmt(spike.loss)} (${spike.step}); at switch ${fmt(rows.filter((r) => r.step <= sw).at(-1)?.loss)}` : '-',
    ].join(' '),
  );
}
