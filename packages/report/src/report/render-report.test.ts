import { MemoryRunStore } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { runRecord, storedRun } from '../test-support/runs.js';
import { renderReport } from './render-report.js';

async function runs() {
  const store = new MemoryRunStore();
  const rows = [
    { step: 0, time_s: 0, loss: 1, accuracy: 0, modes: [1, 0.5] },
    { step: 10, time_s: 1, loss: 0.125, accuracy: 0.75, modes: [0.5, 0.25] },
  ];
  const gd = await storedRun(store, 'spectral-bias/gd-s0', runRecord({ variant: 'gd', timing: { s_per_step: 0.0123, total_s: 2, steps_timed: 9 } }), rows);
  const bold = await storedRun(
    store,
    'spectral-bias/b-s0',
    runRecord({
      variant: '<b>',
      status: 'failed',
      step: 4,
      error: { code: 'non-finite-loss', message: 'loss is NaN at step 4 & <rising>', step: 4 },
      timing: { s_per_step: null, total_s: 0.5, steps_timed: 0 },
      config: { settings: { steps: 20 }, task: { id: '</pre><script>alert(1)</script>' } },
    }),
    rows.slice(0, 1),
  );
  return [gd, bold];
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('renderReport', () => {
  it('inlines one SVG per default figure', async () => {
    const html = await renderReport(await runs());
    // Rows hold loss, modes and accuracy → loss figure, mode figure, accuracy figure.
    expect(count(html, '<svg')).toBe(3);
    expect(count(html, '<figure>')).toBe(3);
    expect(html).toContain('Training loss');
    expect(html).toContain('Mode errors (modes)');
  });

  it('adds the NTK spectrum and kernel-distance figures when the runs carry the probe', async () => {
    const store = new MemoryRunStore();
    const rows = [
      { step: 0, time_s: 0, loss: 1, 'ntk.eigenvalues': [2, 1], 'ntk.modes': [0.5, 0.5], 'ntk.kernel_distance': 0 },
      { step: 10, time_s: 1, loss: 0.5, 'ntk.eigenvalues': [2, 1], 'ntk.modes': [0.2, 0.4], 'ntk.kernel_distance': 1e-3 },
    ];
    const html = await renderReport([await storedRun(store, 'spectral-bias/gd-s0', runRecord(), rows)]);
    // Loss, the spectrum at step 0, the kernel distance; no second, plain kernel-distance figure.
    expect(count(html, '<svg')).toBe(3);
    expect(html).toContain('NTK spectrum at step 0');
    expect(html).toContain('NTK kernel distance from step 0');
    expect(html).not.toContain('>ntk.kernel_distance<');
  });

  it('lists each run with its status, backend, steps, timing and final loss', async () => {
    const html = await renderReport(await runs());
    // gd: completed, 20 of 20 steps, 0.0123 s/step, last logged loss 0.125.
    expect(html).toContain(
      '<tr><td>spectral-bias</td><td>gd</td><td class="num">0</td><td><span class="status-completed">completed</span></td>' +
        '<td>cpu 4.22.0</td><td class="num">20 / 20</td><td class="num">0.0123</td><td class="num">0.125</td><td>spectral-bias/gd-s0</td></tr>',
    );
    // The failed run stopped at step 4 of 20, was never timed, and logged a loss of 1 at step 0.
    expect(html).toContain('<span class="status-failed">failed</span>');
    expect(html).toContain('<td class="num">4 / 20</td><td class="num">—</td><td class="num">1</td>');
  });

  it('escapes every string from the run records', async () => {
    const html = await renderReport(await runs());
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<rising>');
    expect(html).not.toContain('<script');
    expect(html).toContain('<td>&lt;b&gt;</td>');
    expect(html).toContain('non-finite-loss at step 4: loss is NaN at step 4 &amp; &lt;rising&gt;');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shows each resolved configuration in a details block', async () => {
    const html = await renderReport(await runs());
    expect(count(html, '<details>')).toBe(2);
    expect(html).toContain('<summary>spectral-bias / gd / seed 0 (spectral-bias/gd-s0)</summary>');
    // The test record's settings, pretty-printed as JSON.stringify(config, null, 2) writes them.
    expect(html).toContain('&quot;steps&quot;: 20');
  });

  it('is one page that loads nothing from elsewhere', async () => {
    const html = await renderReport(await runs(), { title: 'E1 & friends' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>E1 &amp; friends</title>');
    expect(html).toContain('<h1>E1 &amp; friends</h1>');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(/i);
    // SVG namespace declarations name URLs but fetch nothing; no other href may point outside.
    expect(html.match(/href="[^"#]/g) ?? []).toEqual([]);
  });

  it('titles the page by experiment and says when there are no runs', async () => {
    expect(await renderReport(await runs())).toContain('<title>Report: spectral-bias</title>');
    const empty = await renderReport([]);
    expect(empty).toContain('<p>No runs.</p>');
    expect(count(empty, '<svg')).toBe(0);
  });
});
