import { MemoryRunStore, RUN_FORMAT, type RunRecord } from '@precond/core';
import { loadRun, type LoadedRun } from '../run/load-run.js';

/** A complete run.json with plausible values; tests override the fields they are about. */
export function runRecord(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    format: RUN_FORMAT,
    experiment: 'spectral-bias',
    variant: 'gd',
    seed: 0,
    experiment_source: null,
    overrides: {},
    config: { settings: { steps: 20, seeds: [0], log: { every: 10 }, checkpointEvery: 0, batchSize: 'full' } },
    backend: { name: 'cpu', version: '4.22.0' },
    packages: { '@precond/core': '0.1.0' },
    git_commit: null,
    status: 'completed',
    start_time: '2026-01-01T00:00:00.000Z',
    end_time: '2026-01-01T00:00:02.000Z',
    timing: { s_per_step: 0.1, total_s: 2, steps_timed: 19 },
    last_checkpoint: 20,
    step: 20,
    resumes: [],
    error: null,
    ...fields,
  };
}

/**
 * Write run.json and metrics.jsonl into a MemoryRunStore folder the way the runner does, and read
 * it back with loadRun. `metrics` is either rows (written one JSON line each) or the raw file text.
 */
export async function storedRun(
  store: MemoryRunStore,
  location: string,
  record: RunRecord,
  metrics: ReadonlyArray<Record<string, unknown>> | string,
): Promise<LoadedRun> {
  const folder = await store.create(location);
  await folder.writeText('run.json', `${JSON.stringify(record, null, 2)}\n`);
  const text = typeof metrics === 'string' ? metrics : metrics.map((row) => `${JSON.stringify(row)}\n`).join('');
  await folder.writeText('metrics.jsonl', text);
  return loadRun(folder);
}
