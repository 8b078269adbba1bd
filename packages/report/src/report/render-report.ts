import { reportFigures } from '../figures/default-figures.js';
import { metricNumber } from '../figures/seed-bands.js';
import { renderSvg } from '../render/render-svg.js';
import type { LoadedRun } from '../run/load-run.js';
import { escapeHtml, formatNumber } from './html.js';

export interface ReportOptions {
  /** Page title; default `Report: <experiment names>`. */
  readonly title?: string;
}

/**
 * One self-contained HTML page for a set of runs: a table of the runs, every figure of
 * `reportFigures` (the default figures and, when the runs carry NTK probe metrics, the spectrum and
 * kernel-distance figures) as inline SVG, and each run's resolved configuration. It loads nothing
 * (no scripts, stylesheets or fonts from elsewhere), so it opens offline and can be mailed or committed as one file. Every
 * string taken from a run record is HTML-escaped.
 *
 * @example
 *   const html = await renderReport([await loadRun(folder)], { title: 'E1: spectral bias' });
 */
export async function renderReport(runs: readonly LoadedRun[], options: ReportOptions = {}): Promise<string> {
  const experiments = [...new Set(runs.map((r) => r.record.experiment))];
  const title = options.title ?? (experiments.length > 0 ? `Report: ${experiments.join(', ')}` : 'Report');
  const figures: string[] = [];
  // One at a time: each render holds a vega dataflow, and the order of figures is the page's order.
  for (const spec of reportFigures(runs)) figures.push(`<figure>${await renderSvg(spec)}</figure>`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    '<h2>Runs</h2>',
    runs.length > 0 ? runTable(runs) : '<p>No runs.</p>',
    ...(figures.length > 0 ? ['<h2>Figures</h2>', ...figures] : []),
    ...(runs.length > 0 ? ['<h2>Configuration</h2>', ...runs.map(configBlock)] : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}',
  'table{border-collapse:collapse;font-size:.9rem}',
  'th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}',
  'td.num{text-align:right;font-variant-numeric:tabular-nums}',
  '.status-failed{color:#b00020}.status-interrupted{color:#a15c00}.status-running{color:#005fb0}',
  '.error{display:block;font-size:.8rem;max-width:30rem}',
  'figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto}',
  'details{margin:.5rem 0}pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:.8rem}',
].join('');

const COLUMNS = ['experiment', 'variant', 'seed', 'status', 'backend', 'steps', 's/step', 'final loss', 'location'];

function runTable(runs: readonly LoadedRun[]): string {
  const head = `<tr>${COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr>`;
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${runs.map(runRow).join('\n')}\n</tbody>\n</table>`;
}

function runRow(run: LoadedRun): string {
  const r = run.record;
  const status = `<span class="status-${escapeHtml(r.status)}">${escapeHtml(r.status)}</span>`;
  const error = r.error ? `<span class="error">${escapeHtml(`${r.error.code} at step ${r.error.step}: ${r.error.message}`)}</span>` : '';
  const cells = [
    `<td>${escapeHtml(r.experiment)}</td>`,
    `<td>${escapeHtml(r.variant)}</td>`,
    `<td class="num">${escapeHtml(String(r.seed))}</td>`,
    `<td>${status}${error}</td>`,
    `<td>${escapeHtml(`${r.backend.name} ${r.backend.version}`)}</td>`,
    `<td class="num">${escapeHtml(stepsText(run))}</td>`,
    `<td class="num">${r.timing.s_per_step === null ? '—' : escapeHtml(formatNumber(r.timing.s_per_step))}</td>`,
    `<td class="num">${escapeHtml(finalLoss(run))}</td>`,
    `<td>${escapeHtml(run.location)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

/** Steps reached, out of the planned total when the resolved settings say it (`12 / 500` for a run that stopped early). */
function stepsText(run: LoadedRun): string {
  const settings = run.record.config?.settings as { steps?: unknown } | undefined;
  const total = settings?.steps;
  return typeof total === 'number' ? `${run.record.step} / ${total}` : String(run.record.step);
}

/** The training loss of the last row that logged one. */
function finalLoss(run: LoadedRun): string {
  for (let i = run.rows.length - 1; i >= 0; i--) {
    const loss = metricNumber(run.rows[i]!.loss);
    if (loss !== undefined) return formatNumber(loss);
  }
  return '—';
}

function configBlock(run: LoadedRun): string {
  const r = run.record;
  const summary = `${r.experiment} / ${r.variant} / seed ${r.seed} (${run.location})`;
  const overrides = Object.keys(r.overrides).length > 0 ? `<p>Overrides: <code>${escapeHtml(JSON.stringify(r.overrides))}</code></p>` : '';
  const body = r.config === null ? '<p>No resolved configuration: the run failed before its plugins were composed.</p>' : `<pre>${escapeHtml(JSON.stringify(r.config, null, 2))}</pre>`;
  return `<details><summary>${escapeHtml(summary)}</summary>${overrides}${body}</details>`;
}
