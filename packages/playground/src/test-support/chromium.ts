import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium; the tests never download a browser of their own. */
export const CHROMIUM = '/usr/bin/chromium';

/** The packages a Debian machine needs for the browser tests: the browser, and the Vulkan loader its WebGPU (SwiftShader) opens. */
export const CHROMIUM_INSTALL = 'apt-get update && apt-get install -y chromium libvulkan1';

/** The flags that start Chromium here with WebGPU on SwiftShader (see ../shared/ENVIRONMENT.md). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launch Debian's Chromium with a fresh profile, downloads accepted. Throws, saying how to install
 * it, when /usr/bin/chromium is missing: a browser test must fail there, not pass or skip.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; profile: string }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM}, and it is not there. Install it (as root): \`${CHROMIUM_INSTALL}\``);
  }
  const profile = mkdtempSync(join(tmpdir(), 'precond-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 1000 },
  });
  return { context, profile };
}
