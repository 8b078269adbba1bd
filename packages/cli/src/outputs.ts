import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunFolder, RunRecord, RunStatus } from '@precond/core';
import { loadRun, renderReport, type LoadedRun } from '@precond/report';

/** The format tag of summary.json. */
export const SUMMARY_FORMAT = 'precond-summary/1';

/** summary.json: the few numbers a reader of a run folder wants first. */
export interface RunSummary {
  readonly format: typeof SUMMARY_FORMAT;
  readonly experiment: string;
  readonly variant: string;
  readonly seed: number;
  readonly status: RunStatus;
  /** Last step reached. */
  readonly step: number;
  /** Planned steps (from the resolved settings); null when the run failed before composing. */
  readonly steps: number | null;
  /** Training loss of the last logged row that has one (a string for a non-finite value). */
  readonly final_loss: number | string | null;
  /** The last row of metrics.jsonl as logged, or null when nothing was logged. */
  readonly final_metrics: Readonly<Record<string, unknown>> | null;
  readonly timing: RunRecord['timing'];
  readonly backend: RunRecord['backend'];
  readonly start_time: string;
  readonly end_time: string | null;
  readonly error: RunRecord['error'];
}

/** The summary of a loaded run. */
export function summarize(run: LoadedRun): RunSummary {
  const r = run.record;
  const settings = r.config?.settings as { steps?: unknown } | undefined;
  const last = run.rows.length > 0 ? run.rows[run.rows.length - 1]! : null;
  let finalLoss: number | string | null = null;
  for (let i = run.rows.length - 1; i >= 0; i--) {
    const loss = run.rows[i]!.loss;
    if (typeof loss === 'number' || typeof loss === 'string') {
      finalLoss = loss;
      break;
    }
  }
  return {
    format: SUMMARY_FORMAT,
    experiment: r.experiment,
    variant: r.variant,
    seed: r.seed,
    status: r.status,
    step: r.step,
    steps: typeof settings?.steps === 'number' ? settings.steps : null,
    final_loss: finalLoss,
    final_metrics: last,
    timing: r.timing,
    backend: r.backend,
    start_time: r.start_time,
    end_time: r.end_time,
    error: r.error,
  };
}

/** Read a run folder back and write its summary.json; returns the loaded run for reports. */
export async function writeSummary(folder: RunFolder): Promise<LoadedRun> {
  const run = await loadRun(folder);
  await folder.writeText('summary.json', `${JSON.stringify(summarize(run), null, 2)}\n`);
  return run;
}

/** Write report.html of one run into its own folder. */
export async function writeRunReport(folder: RunFolder, run: LoadedRun): Promise<void> {
  const r = run.record;
  await folder.writeText('report.html', await renderReport([run], { title: `${r.experiment} / ${r.variant} / seed ${r.seed}` }));
}

/** Write one report over several runs to `file` (folders created as needed). */
export async function writeCombinedReport(file: string, runs: readonly LoadedRun[], title?: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await renderReport(runs, title === undefined ? {} : { title }));
}
