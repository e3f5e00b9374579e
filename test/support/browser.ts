/**
 * A real browser for page tests: Debian's chromium driven by playwright-core, against the real app
 * served on a loopback port. Without chromium the browser suites skip with a notice, unless CI is
 * set (then .ci/run has installed it and its absence is a failure).
 */
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

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
