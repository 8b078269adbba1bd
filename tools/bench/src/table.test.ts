import { describe, expect, it } from 'vitest';
import { bestAfterFirst } from './measure.js';
import { backendLabel, fmtMiB, fmtRate, fmtSeconds, formatMarkdownTable, formatTable, ratioToBaseline, stepsPerSecondTable } from './table.js';

describe('bench table', () => {
  it('right-aligns numbers under their headers and left-aligns the first column', () => {
    const text = formatTable(['case', 's/step'], [['e1/lm', '16.3m'], ['e1/adam', '9.9m']]);
    // Widths: first column max(4, 5, 7) = 7, second max(6, 5, 4) = 6, two spaces between.
    expect(text.split('\n')).toEqual(['case     s/step', '-------  ------', 'e1/lm     16.3m', 'e1/adam    9.9m']);
  });

  it('writes the same table in Markdown, numbers right-aligned, short rows padded with empty cells', () => {
    const text = formatMarkdownTable(['case', 'cpu', 'wasm'], [['e1/lm', '25.0', '61.3'], ['e1/adam', '45.2']]);
    expect(text.split('\n')).toEqual(['| case | cpu | wasm |', '|---|--:|--:|', '| e1/lm | 25.0 | 61.3 |', '| e1/adam | 45.2 |  |']);
  });

  it('formats seconds in s, ms and µs, bytes in MiB, and rates to three significant digits', () => {
    expect(fmtSeconds(1.5)).toBe('1.500');
    expect(fmtSeconds(0.0163)).toBe('16.30m');
    expect(fmtSeconds(2.5e-5)).toBe('25.0µ');
    expect(fmtMiB(3 * 2 ** 20)).toBe('3.0');
    expect([452.3, 45.23, 4.523, 0.4523].map(fmtRate)).toEqual(['452', '45.2', '4.52', '0.452']);
  });

  it('pivots timings into steps per second, one column per backend in the order asked, - where not measured', () => {
    const timings = [
      { case: 'e1/adam', backend: 'cpu', seconds: 0.02 },
      { case: 'e1/adam', backend: 'wasm', seconds: 0.01 },
      { case: 'e1/adam', backend: 'chromium', seconds: 0.5 },
      { case: 'e1/lm', backend: 'cpu', seconds: 0.04 },
    ];
    const { header, rows } = stepsPerSecondTable(timings, ['e1/sgd', 'e1/adam', 'e1/lm'], ['cpu', 'wasm', 'webgpu', 'chromium']);
    expect(header).toEqual(['case', 'cpu', 'wasm', 'webgpu (Node, Dawn)', 'webgpu (Chromium)']);
    // 1/0.02 = 50, 1/0.01 = 100, 1/0.5 = 2, 1/0.04 = 25; e1/sgd was not measured at all: no row.
    expect(rows).toEqual([
      ['e1/adam', '50.0', '100', '-', '2.00'],
      ['e1/lm', '25.0', '-', '-', '-'],
    ]);
    expect(backendLabel('wasm')).toBe('wasm');
  });

  it('divides a case by its baseline on the same backend only', () => {
    const timings = [
      { case: 'mnist/adam', backend: 'wasm', seconds: 0.04 },
      { case: 'mnist/kfac', backend: 'wasm', seconds: 0.12 },
      { case: 'mnist/kfac', backend: 'cpu', seconds: 0.5 },
    ];
    // 0.12 / 0.04 = 3 on wasm; no Adam on cpu, so no ratio there; no baseline, no ratio.
    expect(ratioToBaseline(timings[1]!, 'mnist/adam', timings)).toBeCloseTo(3, 12);
    expect(ratioToBaseline(timings[2]!, 'mnist/adam', timings)).toBeNull();
    expect(ratioToBaseline(timings[0]!, undefined, timings)).toBeNull();
  });

  it('times probe observations by the best one after the first, and needs two', () => {
    // Rows without the metric are skipped; 2.0 is the first observation (warm-up), then min(1.5, 1.7).
    expect(bestAfterFirst([undefined, 2.0, 1.5, 1.7], 'ntk')).toBe(1.5);
    expect(() => bestAfterFirst([undefined, 2.0], 'ntk/e1-1000 on cpu')).toThrow('ntk/e1-1000 on cpu: needs at least 2 timed observations');
  });
});

describe('bench cases', () => {
  it('names every case uniquely, gives the NumPy peer an optimizer it implements, and compares to measured baselines', async () => {
    const { BENCH_CASES } = await import('./cases.js');
    const { OP_CASES } = await import('./op-cases.js');
    const names = [...BENCH_CASES, ...OP_CASES].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    // numpy_peer.py implements gd, adam, lm and gn for e1, and gd and lm for e3.
    const peerOptimizers: Record<string, string[]> = { e1: ['gd', 'adam', 'lm', 'gn'], e3: ['gd', 'lm'] };
    for (const c of BENCH_CASES) {
      if (c.peer?.type !== 'peer') continue;
      const [experiment, ...rest] = c.peer.args;
      expect(peerOptimizers[experiment!], c.name).toContain(rest[rest.indexOf('--opt') + 1]);
      expect(c.name.startsWith(`${experiment}/`), c.name).toBe(true);
    }
    for (const c of BENCH_CASES.filter((x) => x.baseline)) {
      const base = BENCH_CASES.find((x) => x.name === c.baseline);
      expect(base?.measure.type, `${c.name}'s baseline ${c.baseline}`).toBe('step');
      expect(base?.experiment, c.name).toBe(c.experiment);
    }
    // Every optimizer and probe plugin of the workspace has a case.
    const ids = new Set(
      BENCH_CASES.flatMap((c) => {
        const v = c.experiment.variants[c.variant]!;
        return [v.optimizer.meta.id, v.preconditioner?.meta.id, ...(c.experiment.probes ?? []).map((p) => p.meta.id)].filter((x) => x !== undefined);
      }),
    );
    for (const id of ['sgd', 'momentum', 'adam', 'adamw', 'lm', 'gn', 'ggn', 'hybrid', 'kfac', 'shampoo', 'ntk']) expect(ids, id).toContain(id);
  });
});
