// The `chromium` column: the built playground (packages/playground/dist) served on 127.0.0.1 and
// driven in Debian's Chromium with WebGPU enabled (SwiftShader where there is no GPU), the way the
// playground's own browser test drives it. The rate is the page's, from the run record's
// `timing.s_per_step` (first step excluded), the number the Node columns report too.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveDirectory } from '@precond/runtime-node';

/** Debian's chromium: the bench never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** The flags that start Chromium with WebGPU here (../shared/ENVIRONMENT.md). */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** One run in the page: a playground experiment and variant, for `steps` steps. */
export interface PageRun {
  readonly experiment: string;
  readonly variant: string;
  readonly steps: number;
}

/** What a page run measured. */
export interface PageMeasurement {
  readonly secondsPerStep: number;
  /** The backend the page's worker ended up on (`webgpu` unless WebGPU failed to start). */
  readonly backend: string;
  /** The adapter's description, as the page shows it. */
  readonly device: string;
}

// The part of playwright-core's API the bench uses (the package is the playground's devDependency).
interface Page {
  goto(url: string): Promise<unknown>;
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  waitForFunction(expression: string, arg?: unknown, options?: { timeout?: number; polling?: number }): Promise<unknown>;
  selectOption(selector: string, value: string): Promise<unknown>;
  fill(selector: string, value: string): Promise<void>;
  click(selector: string): Promise<void>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  textContent(selector: string): Promise<string | null>;
  on(event: 'pageerror', listener: (e: Error) => void): void;
}
interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launchPersistentContext(dir: string, options: Record<string, unknown>): Promise<BrowserContext> };
}

/**
 * Runs each of `runs` in the built playground on webgpu in Chromium and returns seconds per step.
 * Throws, saying what to do, when the playground is not built, Chromium is not installed, or a run
 * does not complete.
 */
export async function measureInChromium(playgroundDir: string, runs: readonly PageRun[], log: (line: string) => void): Promise<PageMeasurement[]> {
  const dist = join(playgroundDir, 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(`the playground is not built (${dist}/index.html is missing): run \`pnpm exec nx run @precond/playground:build\` first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install it (as root) with \`apt-get update && apt-get install -y chromium libvulkan1\``);
  const playwright = await importPlaywright(playgroundDir);
  const server = await serveDirectory(dist);
  const profile = mkdtempSync(join(tmpdir(), 'precond-bench-chromium-'));
  let context: BrowserContext | null = null;
  try {
    context = await playwright.chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    const out: PageMeasurement[] = [];
    for (const run of runs) {
      log(`measuring ${run.experiment}/${run.variant} on webgpu in Chromium (${run.steps} steps)`);
      await page.selectOption('#experiment', run.experiment);
      await page.selectOption('#variant', run.variant);
      await page.selectOption('#backend', 'webgpu');
      await page.fill('#seed', '0');
      await page.fill('#opt-settings-steps', String(run.steps));
      // Metrics only at the first and last step, as in the Node runs.
      await page.fill('#opt-settings-log-0-every', String(run.steps));
      await page.click('#run');
      await page.waitForFunction(`['completed', 'failed', 'error'].includes(document.querySelector('#status').dataset.state ?? '')`, undefined, { timeout: 1_800_000, polling: 200 });
      const state = await page.getAttribute('#status', 'data-state');
      if (state !== 'completed') throw new Error(`${run.experiment}/${run.variant} in Chromium ended '${state}': ${await page.textContent('#status')} ${errors.join('; ')}`);
      const rate = Number(await page.getAttribute('#fact-rate', 'data-steps-per-second'));
      if (!(rate > 0)) throw new Error(`${run.experiment}/${run.variant} in Chromium: the page shows no rate (${await page.textContent('#fact-rate')})`);
      out.push({
        secondsPerStep: 1 / rate,
        backend: (await page.getAttribute('#fact-backend', 'data-name')) ?? 'unknown',
        device: ((await page.textContent('#fact-backend')) ?? '').trim(),
      });
    }
    return out;
  } finally {
    await context?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** playwright-core, from the playground's install (its browser test uses the same copy). */
async function importPlaywright(playgroundDir: string): Promise<Playwright> {
  let path: string;
  try {
    path = createRequire(join(playgroundDir, 'package.json')).resolve('playwright-core');
  } catch {
    throw new Error(`playwright-core is not installed with the playground (${playgroundDir}): run \`pnpm install\``);
  }
  const module = (await import(pathToFileURL(path).href)) as Playwright & { default?: Playwright };
  return module.chromium ? module : module.default!;
}
