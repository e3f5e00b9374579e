/**
 * The send form (single and bulk) and the risk pages (register with a filter, a risk's page, the
 * two-person acceptance) in Chromium against the real server, with the CSP in force and axe-core on
 * every page visited: no serious or critical WCAG 2.1 AA violation.
 */

import { serve } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { addMember, PASSWORD } from '../auth/support-mfa.js';
import { finding, raise } from '../risk/support.js';
import { TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { shippedLibrary } from '../support/assessments.js';
import { axeViolations, chromiumAvailable, freePort, launch } from '../support/browser.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { type VendorFixture, vendorFixture } from '../support/vendor.js';

const MANAGER = 'max@acme.example';
const ANALYST = 'ana@acme.example';

describe.skipIf(!chromiumAvailable)('sending and the risk pages in a real browser', () => {
  let ts: TestStore;
  let browser: Browser;
  let base: string;
  let close: () => void;
  let f: VendorFixture;
  const cspErrors: string[] = [];
  const contexts: BrowserContext[] = [];
  const visited: string[] = [];

  const accessible = async (page: Page) => {
    visited.push(new URL(page.url()).pathname);
    expect(await axeViolations(page, { seriousOnly: true }), page.url()).toEqual([]);
  };
  async function signedIn(email: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${base}/app/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/app`);
    return page;
  }

  beforeAll(async () => {
    ts = await openTestStore('sqlite');
    const now = new Date();
    f = await vendorFixture(ts.store, { tenantName: 'Acme', now });
    await ensureSigningKeys(ts.store, TEST_MASTER_KEY, now);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const platform = await testPlatform(ts.store, {
      baseUrl: base,
      clientAddress: nodeClientAddress({ trustProxy: 0 }),
    });
    const app = createApp(platform, { config: { baseUrl: base, env: 'test' } });
    await addMember(platform, f.tenantId, MANAGER, 'compliance_manager');
    await addMember(platform, f.tenantId, ANALYST, 'analyst');
    await raise(
      ts.store,
      f.tenantId,
      f.vendorId,
      f.assessmentId,
      [finding('SUP-1', { title: 'No approved policy' }), finding('SUP-2', { title: 'No named owner' })],
      now,
    );
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

  it('sends one assessment from the form, refusing a bad due date first', async () => {
    const page = await signedIn(MANAGER);
    await accessible(page);
    await page.goto(`${base}/app/assessments/new`);
    await accessible(page);
    const ref = [...shippedLibrary().keys()]
      .filter((k) => k.startsWith('nis2-supplier@'))
      .sort()
      .at(-1)!;
    await page.getByLabel('Questionnaire and version').selectOption(ref);
    await page.getByRole('button', { name: 'Choose this questionnaire' }).click();
    await page.waitForLoadState('load');
    await accessible(page);
    // A multi-choice context fact is a group of checkboxes, each found by its option's label.
    await page.getByLabel('You store or process our data', { exact: true }).check();
    await page.getByLabel('Your staff work on our premises or at our equipment', { exact: true }).check();
    await page.getByLabel('New vendor name').fill('Browser Widgets <b>Ltd</b>');
    await page.getByLabel('Contact email').fill('jane@browser-widgets.example');
    await page.getByLabel('Contact name').fill('Jane');
    await page.getByLabel('Due date').fill('2001-01-01');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.error-summary').textContent()).toMatch(/in the past/);
    await accessible(page);
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Due date').fill(due);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/app\/assessments\/[0-9a-f-]{36}/);
    expect(await page.locator('main').textContent()).toContain('Browser Widgets <b>Ltd</b>');
    await accessible(page);
    const id = /\/app\/assessments\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const stored = await ts.store.tenant(f.tenantId).read((c) => repo.getAssessment(c, id));
    expect(stored!.context).toEqual({ 'scope.access': ['data', 'onsite'] });
    // The review page ticks them; unticking one keeps the rest.
    await page.goto(`${base}/app/assessments/${id}/review`);
    await accessible(page);
    const onsite = page.getByLabel('Your staff work on our premises or at our equipment', { exact: true });
    expect(await page.getByLabel('You store or process our data', { exact: true }).isChecked()).toBe(true);
    expect(await onsite.isChecked()).toBe(true);
    await onsite.uncheck();
    await page.getByLabel('Reason for the change (kept as an internal note)').fill('No work on site.');
    await page.getByRole('button', { name: 'Change context facts' }).click();
    await page.waitForURL(/done=context/);
    await accessible(page);
    const changed = await ts.store.tenant(f.tenantId).read((c) => repo.getAssessment(c, id));
    expect(changed!.context).toEqual({ 'scope.access': ['data'] });
  }, 90_000);

  it('sends in bulk to a chosen vendor and a CSV line, after the check step', async () => {
    const page = await signedIn(MANAGER);
    await page.goto(`${base}/app/assessments/bulk`);
    await accessible(page);
    const ref = [...shippedLibrary().keys()]
      .filter((k) => k.startsWith('nis2-supplier@'))
      .sort()
      .at(-1)!;
    await page.getByLabel('Questionnaire and version').selectOption(ref);
    await page.getByRole('button', { name: 'Choose this questionnaire' }).click();
    await page.waitForLoadState('load');
    await accessible(page);
    await page
      .getByLabel('You have remote or interface access to our networks or systems', { exact: true })
      .check();
    const vendor = await ts.store.tenant(f.tenantId).read((c) => repo.getVendor(c, f.vendorId));
    await page.getByLabel(vendor!.name).check();
    await page.getByLabel('Or CSV lines').fill('Bulk One Ltd, one@bulk.example, One');
    await page.getByRole('button', { name: 'Check the rows' }).click();
    await page.waitForLoadState('load');
    await accessible(page);
    await page.getByRole('button', { name: /^Send / }).click();
    await page.waitForLoadState('load');
    await accessible(page);
    const sent = await ts.store.tenant(f.tenantId).read((c) => repo.listVendors(c));
    expect(sent.map((v) => v.name)).toContain('Bulk One Ltd');
    const bulkOne = sent.find((v) => v.name === 'Bulk One Ltd')!;
    const [a] = await ts.store.tenant(f.tenantId).read((c) => repo.listAssessments(c, bulkOne.id));
    expect(a!.context).toEqual({ 'scope.access': ['remote'] });
  }, 90_000);

  it('filters the register, opens a risk, and accepts it with a second member', async () => {
    const analyst = await signedIn(ANALYST);
    await analyst.goto(`${base}/app/risks`);
    await accessible(analyst);
    await analyst.getByLabel('Status').selectOption('open');
    await analyst.getByRole('button', { name: 'Filter' }).click();
    await analyst.waitForURL(/\/app\/risks\?.*status=open/);
    await accessible(analyst);
    await analyst.getByRole('link', { name: 'No named owner' }).click();
    await analyst.waitForURL(/\/app\/risks\/[0-9a-f-]{36}$/);
    const riskUrl = analyst.url();
    await accessible(analyst);

    const until = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
    await analyst.getByLabel('Why the risk can be accepted').fill('Compensating control in the contract.');
    await analyst.getByLabel('Last day of the acceptance').fill(until);
    await analyst.getByRole('button', { name: 'Propose acceptance' }).click();
    await analyst.waitForLoadState('load');
    await accessible(analyst);
    expect(await analyst.locator('main').textContent()).toContain(
      'another member with approval rights must approve it',
    );
    // The proposer is offered no approval (the server refuses it too: test/journey, test/risk).
    expect(await analyst.getByRole('button', { name: /Approve the acceptance/ }).count()).toBe(0);

    const manager = await signedIn(MANAGER);
    await manager.goto(riskUrl);
    await accessible(manager);
    await manager.getByRole('button', { name: /Approve the acceptance until/ }).click();
    await manager.waitForLoadState('load');
    await accessible(manager);
    const id = riskUrl.split('/').at(-1)!;
    const risk = (await ts.store.tenant(f.tenantId).read((c) => repo.listRisks(c))).find((r) => r.id === id);
    expect(risk).toMatchObject({ status: 'accepted', acceptedUntil: until });
    await manager.goto(`${base}/app/risks?status=accepted`);
    await accessible(manager);
    expect(await manager.getByRole('link', { name: 'No named owner' }).count()).toBe(1);
    expect(cspErrors).toEqual([]);
  }, 120_000);
});
