// The playground in a real browser: Debian's Chromium, WebGPU on SwiftShader. Builds the app with
// Vite and serves it on 127.0.0.1. Runs E1 with LM for 100 steps on the webgpu backend (stopping
// and resuming it on the way) and checks the loss, the recorded backend and the plots; then E1
// with Adam. Each run is exported as a .tar, read by `precond report`, and its figure data compared
// with the same run in Node on the cpu backend. Last, the .tar is imported back into the page.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '@precond/core';
import { defaultFigures, loadRun, type LoadedRun } from '@precond/report';
import { FsRunStore, serveDirectory, useBackend } from '@precond/runtime-node';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './test-support/chromium.js';
import { compareFigureData } from './test-support/figure-data.js';
import { checkpointParams, parameterDifference, runInNode } from './test-support/node-run.js';
import { colourStats, decodePng } from './test-support/png.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliBin = resolve(packageDir, '../cli/dist/bin.js');
const STEPS = 100;

describe('the playground in Chromium (WebGPU on SwiftShader)', () => {
  let work: string;
  let server: Awaited<ReturnType<typeof serveDirectory>>;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  /** Console errors and uncaught exceptions of the page and its workers. */
  const errors: string[] = [];
  /** The last .tar exported, and the captions of its figures on the page, for the import test. */
  let tarPath = '';
  let tarCaptions: string[] = [];
  const captions = () => page.$$eval('#figures figcaption', (els) => els.map((e) => e.textContent ?? ''));

  beforeAll(async () => {
    // Fails the whole file, with the install command, where Chromium is missing.
    ({ context, profile } = await launchChromium());
    work = mkdtempSync(join(tmpdir(), 'precond-playground-'));
    await build({ root: packageDir, configFile: join(packageDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir: join(work, 'dist'), emptyOutDir: true } });
    server = await serveDirectory(join(work, 'dist'));
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    page.on('worker', (w) =>
      w.on('console', (m) => {
        if (m.type() === 'error') errors.push(`worker console: ${m.text()}`);
      }),
    );
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]');
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const state = () => page.getAttribute('#status', 'data-state');
  const statusText = async () => (await page.textContent('#status')) ?? '';
  const waitForState = (states: string[], timeout: number) =>
    page.waitForFunction((s) => s.includes(document.querySelector<HTMLElement>('#status')!.dataset.state ?? ''), states, { timeout, polling: 100 });

  /** Fill the forms and run a variant of E1 on webgpu, `STEPS` steps, logging every 10; optionally stop at `stopAfter` and resume. */
  async function runE1(variant: string, stopAfter?: number): Promise<{ stoppedAt: number | null }> {
    await page.selectOption('#experiment', 'spectral-bias');
    await page.selectOption('#variant', variant);
    await page.selectOption('#backend', 'webgpu');
    await page.fill('#seed', '0');
    // The forms generated from the schemas: settings.steps and the `every` alternative of settings.log.
    await page.fill('#opt-settings-steps', String(STEPS));
    await page.fill('#opt-settings-log-0-every', '10');
    await page.click('#run');
    let stoppedAt: number | null = null;
    if (stopAfter !== undefined) {
      // Stop once the run is under way; core checkpoints the step it stopped at.
      await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('#status')!.dataset.step ?? 0) >= n, stopAfter, { timeout: 240_000, polling: 50 });
      await page.click('#stop');
      await waitForState(['interrupted', 'completed', 'failed', 'error'], 120_000);
      expect(await state(), await statusText()).toBe('interrupted');
      stoppedAt = Number(await page.getAttribute('#status', 'data-step'));
      expect(await page.isEnabled('#resume')).toBe(true);
      await page.click('#resume');
    }
    await waitForState(['completed', 'failed', 'error'], 360_000);
    expect(await state(), await statusText()).toBe('completed');
    // Every logged row (steps 0, 10, ..., 100) drawn.
    await page.waitForSelector('#figures[data-rows="11"]', { timeout: 30_000 });
    return { stoppedAt };
  }

  /** Export the shown run with the page's .tar button, unpack it, and read it back as `precond report` does. */
  async function exportShownRun(): Promise<{ runDir: string; record: RunRecord & { backend: { device?: string } }; loaded: LoadedRun }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-tar')]);
    const name = download.suggestedFilename();
    expect(name).toMatch(/^[a-z0-9.-]+-s0-\d{8}-\d{6}-\d{3}\.tar$/);
    const path = join(work, name);
    await download.saveAs(path);
    tarPath = path;
    const out = mkdtempSync(join(work, 'extracted-'));
    execFileSync('tar', ['-xf', path], { cwd: out });
    const runDir = join(out, name.replace(/\.tar$/, ''));
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord & { backend: { device?: string } };
    if (!existsSync(cliBin)) throw new Error(`${cliBin} is missing: build the CLI first (\`pnpm --filter @precond/cli build\`)`);
    const report = execFileSync(process.execPath, [cliBin, 'report', runDir], { encoding: 'utf8' }).trim();
    expect(report).toBe(join(runDir, 'report.html'));
    expect(readFileSync(report, 'utf8')).toContain(`${record.variant}`);
    return { runDir, record, loaded: await loadRun(await new FsRunStore(out).open(runDir)) };
  }

  it(`runs E1 with LM for ${STEPS} steps on webgpu, through a stop and a resume, and plots it`, async () => {
    const { stoppedAt } = await runE1('lm-adaptive', 20);
    expect(stoppedAt).toBeGreaterThanOrEqual(20);
    expect(stoppedAt).toBeLessThan(STEPS);
    expect(await page.getAttribute('#fact-backend', 'data-name')).toBe('webgpu');
    // The loss fell. Reference: the same run in Node (runInNode below) logs 0.3848 at step 0 and
    // 0.0264 at step 100 on cpu and on wasm (measured); a run whose steps were all rejected stays at
    // 0.3848. 0.1 is well between the two.
    expect(await page.getAttribute('#fact-loss', 'data-step')).toBe(String(STEPS));
    expect(Number(await page.getAttribute('#fact-loss', 'data-loss'))).toBeLessThan(0.1);
    const figures = await page.$$eval('#figures figure', (els) =>
      els.map((f) => ({ caption: f.querySelector('figcaption')?.textContent, lines: f.querySelectorAll('svg .mark-line path').length })),
    );
    // The loss, the FFT mode errors (one line per mode k = 0..9), the test loss, then LM's own
    // diagnostics (opt.*), each with a line.
    expect(figures.slice(0, 3)).toEqual([
      { caption: 'Training loss', lines: 1 },
      { caption: 'Mode errors (modes)', lines: 10 },
      { caption: 'test_loss', lines: 1 },
    ]);
    expect(figures.slice(3).map((f) => f.caption)).toContain('opt.mu');
    for (const f of figures) expect(f.lines, f.caption ?? '').toBeGreaterThan(0);
    const pixels = decodePng(await page.locator('#figures').screenshot());
    const { distinct, nonWhite } = colourStats(pixels);
    // The mode figure alone draws ten viridis colours, on white, with dark text and grey grid
    // lines; a blank or failed plot is one colour. (Measured: about 4,000 colours with
    // anti-aliasing, 5% of the pixels not white.)
    expect(distinct).toBeGreaterThan(12);
    // Lines, text and grid cover a few percent of the plot area; with the figures missing or empty
    // it is white.
    expect(nonWhite).toBeGreaterThan(0.01);
    expect(errors).toEqual([]);
    const rate = Number(await page.getAttribute('#fact-rate', 'data-steps-per-second'));
    console.log(`E1 lm-adaptive on webgpu in Chromium: ${rate.toFixed(2)} steps/s; stopped at step ${stoppedAt} and resumed; plots: ${distinct} colours, ${(100 * nonWhite).toFixed(1)}% not white`);

    const exported = await exportShownRun();
    expect(exported.record).toMatchObject({ status: 'completed', step: STEPS, variant: 'lm-adaptive', overrides: { steps: STEPS, log: { every: 10 } } });
    expect(exported.record.backend.name).toBe('webgpu');
    expect(exported.record.backend.device).toMatch(/swiftshader/i);
    expect(exported.record.resumes).toEqual([expect.objectContaining({ from_step: stoppedAt, backend: 'webgpu' })]);
    await useBackend('cpu');
    const nodeRun = await runInNode({ variant: 'lm-adaptive', seed: 0, overrides: exported.record.overrides, backend: { name: 'cpu', version: '4.22.0' } });
    const whole = compareFigureData(defaultFigures([exported.loaded]), defaultFigures([nodeRun.loaded]));
    console.log(whole.map((d) => `lm ${d.title}: max relative ${d.maxRelative.toExponential(2)}, normwise ${d.maxNormwise.toExponential(2)} (worst ${d.worst})`).join('\n'));
    // LM's adaptive rule accepts or rejects each step by the gain ratio ρ; where ρ lands near a
    // threshold, float32 rounding decides, and the two runs take different paths. Measured here:
    // identical decisions up to step 10 (loss 0.374855 on both, 1.3e-6 apart), a step rejected on
    // webgpu but accepted on cpu before step 20, and both reach 0.025 to 0.026 at step 100. So the
    // curves are compared up to step 10, within 1e-4: 75× the measured difference (the damped
    // solve amplifies rounding more than Adam does), and well below the 2.6e-2 relative fall of
    // the loss over those ten steps that a wrong or missing step would show.
    const prefix = compareFigureData(defaultFigures([exported.loaded]).slice(0, 3), defaultFigures([nodeRun.loaded]).slice(0, 3), { upToStep: 10 });
    expect(prefix.map((d) => d.title)).toEqual(['Training loss', 'Mode errors (modes)', 'test_loss']);
    for (const d of prefix) expect(d.maxNormwise, `${d.title}: ${d.worst}`).toBeLessThan(1e-4);
    expect(nodeRun.loaded.rows.at(-1)!.loss as number).toBeLessThan(0.1);
    expect(errors).toEqual([]);
  }, 600_000);

  it(`runs E1 with Adam for ${STEPS} steps on webgpu; its export has the figure data of the same run in Node on cpu, to float32 rounding`, async () => {
    await runE1('adam');
    expect(await page.getAttribute('#fact-backend', 'data-name')).toBe('webgpu');
    // Reference: the same run on cpu (`precond run experiments/spectral-bias --variant adam --seeds 0
    // --steps 100 --backend cpu`) logs 0.38478 at step 0 and 0.38314 at step 100: spectral bias,
    // Adam barely moves in 100 steps. A run whose updates were lost stays at 0.38478; 0.3840 lies
    // between, and webgpu-vs-cpu rounding (below 1e-5 relative, below) cannot move it across.
    expect(Number(await page.getAttribute('#fact-loss', 'data-loss'))).toBeLessThan(0.384);
    const rate = Number(await page.getAttribute('#fact-rate', 'data-steps-per-second'));
    console.log(`E1 adam on webgpu in Chromium: ${rate.toFixed(2)} steps/s`);
    tarCaptions = await captions();
    expect(tarCaptions.slice(0, 3)).toEqual(['Training loss', 'Mode errors (modes)', 'test_loss']);

    const exported = await exportShownRun();
    expect(exported.record).toMatchObject({ status: 'completed', step: STEPS, variant: 'adam', overrides: { steps: STEPS, log: { every: 10 } }, resumes: [] });
    expect(existsSync(join(exported.runDir, `checkpoints/step-${STEPS}/params.safetensors`))).toBe(true);
    // The same run in Node on cpu: same experiment spec, seed, variant and overrides.
    await useBackend('cpu');
    const nodeRun = await runInNode({ variant: 'adam', seed: 0, overrides: exported.record.overrides, backend: { name: 'cpu', version: '4.22.0' } });
    const differences = compareFigureData(defaultFigures([exported.loaded]), defaultFigures([nodeRun.loaded]));
    console.log(differences.map((d) => `adam ${d.title}: max relative ${d.maxRelative.toExponential(2)}, normwise ${d.maxNormwise.toExponential(2)} over ${d.points} points (worst ${d.worst})`).join('\n'));
    const nodeFolder = await nodeRun.store.open('run');
    const browserFolder = await new FsRunStore(dirname(exported.runDir)).open(exported.runDir);
    const params = parameterDifference(await checkpointParams(browserFolder, STEPS), await checkpointParams(nodeFolder, STEPS), await checkpointParams(nodeFolder, 0));
    console.log(`adam parameters after ${STEPS} steps: ${params.difference.toExponential(2)} apart after moving ${params.moved.toExponential(2)}`);
    // Tolerances: webgpu and cpu round each float32 op (ε = 2⁻²⁴ ≈ 6e-8) in their own order, and
    // 100 Adam steps carry the differences along. Measured on SwiftShader: 1.6e-7 (loss), 7.8e-8
    // (test loss), 3.4e-7 (mode errors, relative to the largest mode of the step: the smallest
    // mode, |ê_0| ≈ 2e-4, is a difference of numbers near 0.5 and has only ~1e-4 of its own
    // precision), and parameters 2.0e-5 apart after moving 0.107. The bounds leave 25× room or more
    // for other GPUs and stay below the signal: the loss moves 4e-3 relative over the run, and a
    // lost or doubled Adam step (about η = 1e-3 on the parameters with the steadiest gradients)
    // is twice the 5.4e-4 bound on the parameters.
    for (const d of differences) expect(d.maxNormwise, `${d.title}: ${d.worst}`).toBeLessThan(1e-5);
    expect(params.difference).toBeLessThan(0.005 * params.moved);
    expect(errors).toEqual([]);
  }, 600_000);

  it('imports the exported .tar and shows its plots', async () => {
    expect(tarPath).not.toBe('');
    await page.setInputFiles('#import-files', tarPath);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#figures')!.dataset.location?.startsWith('imported/'), null, { timeout: 30_000 });
    expect(await page.inputValue('#runs')).toMatch(/^imported\/adam-s0-/);
    // The same figures as when the run was shown live, from the same 11 rows.
    expect(await captions()).toEqual(tarCaptions);
    expect(await page.getAttribute('#figures', 'data-rows')).toBe('11');
    expect(errors).toEqual([]);
  }, 60_000);
});
