import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { runRecord, storedRun } from '../test-support/runs.js';
import { loadRun } from './load-run.js';

describe('loadRun', () => {
  it('returns the location, the parsed run.json and every metrics row in order', async () => {
    const store = new MemoryRunStore();
    const record = runRecord({ variant: 'lm-0.5', seed: 3, status: 'interrupted' });
    const rows = [
      { step: 0, time_s: 0, loss: 0.5, modes: [0.1, 'NaN'] },
      { step: 10, time_s: 1.5, loss: 0.25 },
    ];
    const run = await storedRun(store, 'spectral-bias/lm-0.5-s3', record, rows);
    expect(run.location).toBe('spectral-bias/lm-0.5-s3');
    expect(run.record).toEqual(record);
    // The rows come back exactly as written, non-finite strings included (figures decide what to drop).
    expect(run.rows).toEqual(rows);
  });

  it('ignores a last line cut short by a crash', async () => {
    const store = new MemoryRunStore();
    // Two complete rows, then a row the runner was writing when the process died (no newline).
    const text = '{"step":0,"loss":1}\n{"step":10,"loss":0.5}\n{"step":20,"lo';
    const run = await storedRun(store, 'e/crashed', runRecord(), text);
    expect(run.rows).toEqual([{ step: 0, loss: 1 }, { step: 10, loss: 0.5 }]);
  });

  it('keeps a complete last row that lacks only its newline', async () => {
    const store = new MemoryRunStore();
    const run = await storedRun(store, 'e/no-newline', runRecord(), '{"step":0,"loss":1}\n{"step":10,"loss":0.5}');
    expect(run.rows.map((r) => r.step)).toEqual([0, 10]);
  });

  it('reports a bad middle line with the file and its line number', async () => {
    const store = new MemoryRunStore();
    // Line 1 is blank (skipped but counted), line 2 is fine, line 3 is broken, line 4 is fine.
    const text = '\n{"step":0,"loss":1}\n{"step":10,"loss":\n{"step":20,"loss":0.25}\n';
    await expect(storedRun(store, 'e/bad', runRecord(), text)).rejects.toThrow(/^e\/bad\/metrics\.jsonl line 3: not valid JSON/);
  });

  it('treats a broken last line that ends in a newline as corruption, not a crash', async () => {
    const store = new MemoryRunStore();
    // The newline was written, so the row was complete when it was written: it is not a truncation.
    await expect(storedRun(store, 'e/bad-last', runRecord(), '{"step":0,"loss":1}\n{"step":1,\n')).rejects.toThrow(
      'e/bad-last/metrics.jsonl line 2: not valid JSON',
    );
  });

  it('names the line of a row that is not an object or has no numeric step', async () => {
    const store = new MemoryRunStore();
    await expect(storedRun(store, 'e/array', runRecord(), '{"step":0}\n[1,2]\n')).rejects.toThrow(
      'e/array/metrics.jsonl line 2: expected a JSON object per line, got an array',
    );
    await expect(storedRun(store, 'e/no-step', runRecord(), '{"loss":1}\n')).rejects.toThrow(
      'e/no-step/metrics.jsonl line 1: field "step" is missing; expected a non-negative integer',
    );
    await expect(storedRun(store, 'e/text-step', runRecord(), '{"step":"ten"}\n')).rejects.toThrow(
      'e/text-step/metrics.jsonl line 1: field "step" is "ten"; expected a non-negative integer',
    );
  });

  it('reads a run that failed before logging any row as one with no rows', async () => {
    const store = new MemoryRunStore();
    const folder = await store.create('e/early');
    await folder.writeText('run.json', JSON.stringify(runRecord({ status: 'failed' })));
    const run = await loadRun(folder);
    expect(run.rows).toEqual([]);
    expect(run.record.status).toBe('failed');
  });

  it("fails on a folder without run.json with core's message", async () => {
    const store = new MemoryRunStore();
    const folder = await store.create('e/not-a-run');
    await expect(loadRun(folder)).rejects.toThrow('e/not-a-run holds no run.json: it is not a run folder');
  });
});
