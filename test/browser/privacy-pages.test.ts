/**
 * The data subjects page and the tenant export in Chromium against the real server, with the CSP in
 * force and axe-core on every page: an admin reaches the page from the workspace navigation, looks a
 * contact up with the POST form (htmx), is refused an erasure with a wrong confirmation, and downloads
 * the tenant export with its POST form. No request the browser makes, and no URL it shows, holds the
 * address looked up.
 */

import { serve } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { addMember, PASSWORD } from '../auth/support-mfa.js';
import { TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { axeViolations, chromiumAvailable, freePort, launch } from '../support/browser.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { type VendorFixture, vendorFixture } from '../support/vendor.js';

const ADMIN = 'ada@acme.example';
const CONTACT = 'priya.contact@widgets.example';

describe.skipIf(!chromiumAvailable)('the privacy pages in a real browser', () => {
  let ts: TestStore;
  let browser: Browser;
  let base: string;
  let close: () => void;
  let f: VendorFixture;
  const cspErrors: string[] = [];
  const requested: string[] = [];
  const shown: string[] = [];
  const contexts: BrowserContext[] = [];

  const accessible = async (page: Page) => {
    shown.push(page.url());
    expect(await axeViolations(page), page.url()).toEqual([]);
  };

  beforeAll(async () => {
    ts = await openTestStore('sqlite');
    const now = new Date();
    f = await vendorFixture(ts.store, { tenantName: 'Acme', now, contactEmail: CONTACT });
    await ensureSigningKeys(ts.store, TEST_MASTER_KEY, now);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const platform = await testPlatform(ts.store, {
      baseUrl: base,
      clientAddress: nodeClientAddress({ trustProxy: 0 }),
    });
    const app = createApp(platform, { config: { baseUrl: base, env: 'test' } });
    await addMember(platform, f.tenantId, ADMIN, 'admin');
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
    close = () => server.close();
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    close?.();
    await ts?.close();
  });

  async function signedIn(): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('request', (r) => requested.push(r.url()));
    page.on('framenavigated', (fr) => shown.push(fr.url()));
    await page.goto(`${base}/app/login`);
    await page.getByLabel('Email').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/app`);
    return page;
  }

  it('looks a contact up from the nav with a POST form, refuses a wrong confirmation, leaves no address in a URL', async () => {
    const page = await signedIn();
    await page
      .getByRole('navigation', { name: 'Workspace' })
      .getByRole('link', { name: 'Data subjects' })
      .click();
    await page.waitForURL(`${base}/app/privacy/subjects`);
    expect(await page.locator('h1').textContent()).toBe('Data subjects');
    await accessible(page);
    await page.getByLabel('Email address').fill(CONTACT);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: 'Vendor contacts' }).waitFor();
    expect(await page.locator('#subject-results').count()).toBe(1); // swapped whole, not nested
    expect(await page.locator('main').textContent()).toContain(f.contactId);
    expect(page.url()).toBe(`${base}/app/privacy/subjects`);
    await accessible(page);
    // A wrong confirmation: a full page with the error summary, the contact not erased.
    await page.getByLabel('To erase, type the email address again').first().fill('someone@else.example');
    await page.getByRole('button', { name: 'Erase this contact' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.error-summary').textContent()).toContain(
      'Type the person’s email address exactly',
    );
    await page.locator('.error-summary a').first().click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`field-confirm-${f.contactId}`);
    await accessible(page);
    expect(requested.length).toBeGreaterThan(3);
    expect([...requested, ...shown].filter((u) => /@|%40|email=/i.test(u))).toEqual([]);
    expect(cspErrors).toEqual([]);
  }, 90_000);

  it('the audit trail, the settings and the security log pass axe (wide tables scroll by keyboard)', async () => {
    const page = await signedIn();
    for (const path of ['/app/audit', '/app/security-log', '/app/settings']) {
      await page.goto(`${base}${path}`);
      await accessible(page);
    }
    // A narrow window makes the wide tables scroll: their region must take the keyboard focus.
    await page.setViewportSize({ width: 420, height: 800 });
    for (const path of ['/app/audit', '/app/security-log']) {
      await page.goto(`${base}${path}`);
      await accessible(page);
    }
    expect(cspErrors).toEqual([]);
  }, 90_000);

  it('downloads the tenant export with the POST form on Settings, Export or delete', async () => {
    const page = await signedIn();
    await page.goto(`${base}/app/settings`);
    await page.getByRole('link', { name: 'Export or delete' }).click();
    await page.waitForURL(`${base}/app/settings/exit`);
    await accessible(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the export' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^assay-tenant-\d{4}-\d{2}-\d{2}\.zip$/);
    expect(await download.failure()).toBeNull();
    expect(cspErrors).toEqual([]);
  }, 90_000);
});
