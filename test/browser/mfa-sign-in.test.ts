/**
 * TOTP enrolment and a TOTP sign-in as a person does them, in Chromium with the CSP in force, axe-core
 * checking every page visited (no serious or critical WCAG 2.1 AA violation). The server's clock is the
 * test's, so the code for enrolment and the code for signing in fall in different time steps.
 */

import { serve } from '@hono/node-server';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { firstRunSetupToken } from '../../src/workspace/tenants.js';
import { testApp } from '../support/app.js';
import { axeViolations, chromiumAvailable, freePort, launch } from '../support/browser.js';
import { openTestStore, type TestStore } from '../support/stores.js';

describe.skipIf(!chromiumAvailable)('TOTP enrolment and sign-in in a real browser', () => {
  let ts: TestStore;
  let browser: Browser;
  let base: string;
  let close: () => void;
  let clock = new Date();
  const cspErrors: string[] = [];
  const code = (secret: string) => generate({ secret, epoch: Math.floor(clock.getTime() / 1000) });
  const accessible = async (page: Page) =>
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);

  beforeAll(async () => {
    ts = await openTestStore('sqlite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const app = await testApp(ts.store, {
      baseUrl: base,
      clientAddress: nodeClientAddress({ trustProxy: 0 }),
      now: () => clock,
    });
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
    close = () => server.close();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    close?.();
    await ts?.close();
  });

  it('enrols an authenticator app, then signs in with a code', async () => {
    const token = await firstRunSetupToken(ts.store, clock);
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${base}/setup/${token}`);
    await page.getByLabel('Organisation name').fill('Totp Trading');
    await page.getByLabel('Your work email').fill('sam@totp.example');
    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await page.getByLabel('Type the password again').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/app`);

    await page.goto(`${base}/app/account`);
    await accessible(page);
    await page.getByRole('link', { name: 'Manage two-step sign-in' }).click();
    await page.waitForURL(`${base}/app/account/mfa`);
    await accessible(page);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.waitForURL(`${base}/app/account/mfa`);
    await expect(
      page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible(),
    ).resolves.toBe(true);
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await accessible(page);

    // A wrong code first: the error summary names the field.
    await page.getByLabel('6-digit code').fill('000000' === (await code(secret)) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.error-summary').textContent()).toContain('not right');
    await accessible(page);
    await page.getByLabel('6-digit code').fill(await code(secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('h1').textContent()).toBe('Your recovery codes');
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    await accessible(page);

    await page.goto(`${base}/app`);
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL(`${base}/app/login`);
    clock = new Date(clock.getTime() + 30_000);
    await page.getByLabel('Email').fill('sam@totp.example');
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/app/login/mfa`);
    expect(await page.locator('h1').textContent()).toBe('Two-step sign-in');
    await accessible(page);
    await page.getByLabel('Code').fill(await code(secret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/app`);
    expect(await page.locator('h1').textContent()).toBe('Overview');
    await accessible(page);

    // Re-authentication page, reached through a marked route once the sign-in is more than 5 minutes old.
    clock = new Date(clock.getTime() + 6 * 60_000);
    await page.goto(`${base}/app/account/mfa/recovery-codes`);
    await page.waitForURL(/\/app\/reauth\?next=/);
    await accessible(page);
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/app/account/mfa/recovery-codes`);
    await accessible(page);
    expect(cspErrors).toEqual([]);
    // Eleven pages, each checked by axe: give a loaded machine time.
  }, 90_000);
});
