/**
 * The first-run set-up, sign-out and sign-in as a person does it, in Chromium, with the CSP in
 * force and axe-core checking each page against WCAG 2.1 AA.
 */

import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { firstRunSetupToken } from '../../src/workspace/tenants.js';
import { testApp } from '../support/app.js';
import { axeViolations, chromiumAvailable, freePort, launch } from '../support/browser.js';
import { openTestStore, type TestStore } from '../support/stores.js';

describe.skipIf(!chromiumAvailable)('set-up and sign-in in a real browser', () => {
  let ts: TestStore;
  let browser: Browser;
  let base: string;
  let close: () => void;
  const cspErrors: string[] = [];

  beforeAll(async () => {
    ts = await openTestStore('sqlite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const app = await testApp(ts.store, {
      baseUrl: base,
      clientAddress: nodeClientAddress({ trustProxy: 0 }),
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

  it('sets up the first tenant, signs out and in again, with no CSP violation and no axe violation', async () => {
    const token = await firstRunSetupToken(ts.store);
    const page = await browser.newPage();
    page.on('console', (m) => {
      // Chromium also logs every 4xx as an error; the 422 of the invalid form is expected.
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });

    await page.goto(`${base}/setup/${token}`);
    expect(await page.locator('h1').textContent()).toContain('Set up your Assay workspace');
    expect(await axeViolations(page)).toEqual([]);

    // A too-short password: the error summary links to the field, nothing is created.
    await page.getByLabel('Organisation name').fill('Acme Procurement');
    await page.getByLabel('Your work email').fill('lead@acme.example');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Type the password again').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.error-summary').textContent()).toContain('at least 12 characters');
    expect(await page.getByLabel('Organisation name').inputValue()).toBe('Acme Procurement');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Password', { exact: true }).fill('a long enough passphrase');
    await page.getByLabel('Type the password again').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/app`);
    expect(await page.locator('h1').textContent()).toBe('Overview');
    expect(await page.locator('.site-header__viewer').textContent()).toContain('Acme Procurement');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === '__Host-assay')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
    });
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL(`${base}/app/login`);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Email').fill('lead@acme.example');
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/app`);

    // htmx loaded from our own origin under the nonce-based CSP.
    expect(await page.evaluate(() => typeof (window as unknown as { htmx?: unknown }).htmx)).toBe('object');
    expect(cspErrors).toEqual([]);
  }, 60_000);
});
