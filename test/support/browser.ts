/**
 * A real browser for page tests: Debian's chromium driven by playwright-core, against the real app
 * served on a loopback port. Without chromium the browser suites skip with a notice, unless CI is
 * set (then .ci/run has installed it and its absence is a failure).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const chromiumAvailable = fs.existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.CI)
  throw new Error(`CI is set but ${CHROMIUM} is missing (apt-get install chromium)`);
if (!chromiumAvailable) console.warn(`[assay] ${CHROMIUM} not found: browser suites are SKIPPED.`);

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A free loopback port for a test server. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const axeSource: string = createRequire(import.meta.url)('axe-core').source;

/**
 * The page's WCAG 2.1 A/AA violations found by axe-core, as `id: help` lines; `seriousOnly` keeps the
 * serious and critical ones (what the portal pages are held to).
 */
export async function axeViolations(page: Page, opts: { seriousOnly?: boolean } = {}): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
    (window as any).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }),
  );
  return (result.violations as { id: string; impact: string; help: string }[])
    .filter((v) => !opts.seriousOnly || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help}`);
}
