/**
 * Answering a section in Chromium with htmx: each change autosaves, and a conditional question
 * disappears and appears again as the answer it depends on changes, with the CSP in force.
 */

import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { testApp } from '../support/app.js';
import { axeViolations, chromiumAvailable, freePort, launch } from '../support/browser.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { storedAnswers, type VendorFixture, vendorFixture, vendorSession } from '../support/vendor.js';

describe.skipIf(!chromiumAvailable)('vendor portal autosave in a real browser', () => {
  let ts: TestStore;
  let browser: Browser;
  let base: string;
  let close: () => void;
  let f: VendorFixture;
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
    f = await vendorFixture(ts.store, { context: { 'scope.function': 'critical' } });
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    close?.();
    await ts?.close();
  });

  it('autosaves each change and shows or hides the conditional question', async () => {
    const context = await browser.newContext();
    await context.addCookies([
      {
        name: VENDOR_COOKIE,
        value: await vendorSession(ts.store, f),
        domain: '127.0.0.1',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      },
    ]);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${base}/v/a/${f.assessmentId}`);
    expect(await page.locator('h1').textContent()).toContain('Scope of the ICT service');
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);

    const euid = page.locator('[name="scope.euid"]');
    await expect.poll(() => euid.count()).toBe(1);

    // A radio choice saves on change.
    await page.getByLabel('Cloud service (IaaS, PaaS or SaaS)').check();
    await expect.poll(async () => (await storedAnswers(ts.store, f))['scope.model']?.value).toBe('cloud');

    // A bad value is refused and its message appears next to the field; nothing is saved.
    await page.locator('[name="scope.lei"]').fill('SHORT');
    await expect
      .poll(() => page.locator('#e-scope-2e-lei').textContent(), { timeout: 10_000 })
      .toContain('exactly 20');
    expect((await storedAnswers(ts.store, f))['scope.lei']).toBeUndefined();

    // Typing an LEI saves after a pause and hides the EUID question.
    await page.locator('[name="scope.lei"]').fill('5493001KJTIIGC8Y1R12');
    await expect
      .poll(async () => (await storedAnswers(ts.store, f))['scope.lei']?.value, { timeout: 10_000 })
      .toBe('5493001KJTIIGC8Y1R12');
    await expect.poll(() => euid.count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('#e-scope-2e-lei').count()).toBe(0);
    expect(await page.locator('#portal-progress').textContent()).toMatch(/2 \/ \d+/);

    // Typing more goes out over the revision the previous save swapped in: no conflict with oneself.
    await page.locator('[name="scope.lei"]').fill('');
    await expect.poll(() => euid.count(), { timeout: 10_000 }).toBe(1);
    const rows = await storedAnswers(ts.store, f);
    expect(rows['scope.lei']).toMatchObject({ value: null, revision: 2 });

    // The question that came back is live: it autosaves too.
    await euid.fill('DEB1234.HRB123456');
    await euid.blur();
    await expect
      .poll(async () => (await storedAnswers(ts.store, f))['scope.euid']?.value, { timeout: 10_000 })
      .toBe('DEB1234.HRB123456');
    expect(await page.locator('.conflict').count()).toBe(0);

    // A later section: a multi-choice answer autosaves, and evidence uploads beside the fields.
    await page.goto(`${base}/v/a/${f.assessmentId}/s/gov`);
    await page.getByLabel('ISO/IEC 27001 certificate').check();
    await expect
      .poll(async () => (await storedAnswers(ts.store, f))['gov.standards']?.value)
      .toEqual(['iso27001']);
    await expect.poll(() => page.locator('[name="gov.cert_expiry"]').count(), { timeout: 10_000 }).toBe(1);
    await page.locator('#u-gov-2e-standards').setInputFiles({
      name: 'iso-certificate.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% certificate\n%%EOF\n'),
    });
    await page
      .locator('#u-gov-2e-standards')
      .locator('xpath=..')
      .getByRole('button', { name: 'Upload' })
      .click();
    await expect
      .poll(() => page.locator('#evidence-gov_standards').textContent(), { timeout: 10_000 })
      .toContain('iso-certificate.pdf');
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);
    expect(cspErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
