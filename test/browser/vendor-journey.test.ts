/**
 * The whole vendor journey in Chromium, over real mail: the tenant sends an assessment (as the CLI does),
 * the sender loop delivers the invitation to a real SMTP server, the vendor opens the mailed link,
 * answers a conditional question and uploads evidence, asks for the submission code, types the one
 * the SMTP server received, submits, and downloads a receipt that verifies against the published
 * JWKS and signs the answers digest shown on the page. Every page passes axe-core (no serious or
 * critical violation) with the CSP in force and no CSP report in the console. Then, on a second device,
 * the used link leads to fresh access whose mailed code opens a session there. The sender runs at a
 * one-minute interval, so mail queued by a request arrives in time only because the route wakes it.
 */

import fs from 'node:fs';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAnswers } from '../../bench/sample-answers.js';
import { createApp } from '../../src/app.js';
import { loadAnswers, saveAnswer } from '../../src/db/repo/answers.js';
import { getAssessment, touchAnswers } from '../../src/db/repo/assessments.js';
import { listEvidence } from '../../src/db/repo/evidence.js';
import { storeEvidence } from '../../src/evidence/evidence.js';
import { createMailSender, type MailSender } from '../../src/mail/sender.js';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import type { MailPort, Ports } from '../../src/platform/ports.js';
import { evaluate } from '../../src/questionnaire/index.js';
import type { Answers } from '../../src/questionnaire/types.js';
import { withEvidence } from '../../src/vendor/evidence-answers.js';
import { verifyReceipt } from '../../src/vendor/receipts.js';
import { answersDigest } from '../../src/vendor/submission.js';
import { pdf, uploadRequest } from '../evidence/support.js';
import { testPlatform } from '../support/app.js';
import { seedTenant, send, shippedLibrary } from '../support/assessments.js';
import { axeViolations, chromiumAvailable, freePort, launch } from '../support/browser.js';
import { TestSmtp } from '../support/smtp.js';
import { openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
/** Left for the browser: the conditional (cert_expiry appears on ISO 27001) and its evidence upload. */
const IN_BROWSER = new Set(['gov.standards', 'gov.standards#evidence', 'gov.cert_expiry', 'gov.report_end']);

describe.skipIf(!chromiumAvailable)('the vendor journey in a real browser, over real mail', () => {
  let ts: TestStore;
  let browser: Browser;
  let base: string;
  let close: () => void;
  let smtp: TestSmtp;
  let mail: MailPort;
  let platform: Ports;
  let sender: MailSender;
  let tenantId: string;
  const consoleErrors: string[] = [];

  /** The text of the next message to `to` whose text matches `re`, as the SMTP server received it. */
  async function mailed(to: string, re: RegExp, after: number): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await expect
      .poll(
        () => {
          const got = smtp.received
            .slice(after)
            .find((r) => r.envelope.to.includes(to) && re.test(r.mail.text ?? ''));
          match = got ? (got.mail.text ?? '').match(re) : null;
          return match !== null;
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBe(true);
    return match!;
  }

  beforeAll(async () => {
    ts = await openTestStore('sqlite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    smtp = await new TestSmtp().start();
    mail = smtpMail({ url: smtp.url, from: 'Assay <assay@assay.test>' });
    platform = await testPlatform(ts.store, { mail, clientAddress: nodeClientAddress({ trustProxy: 0 }) });
    const app = createApp(platform, { config: { baseUrl: base, env: 'test' } });
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
    close = () => server.close();
    tenantId = await seedTenant(ts.store, 'Acme', new Date());
    // The server's loop, as src/platform/node/server.ts runs it (woken by mail.queued(), else every minute).
    sender = createMailSender({
      store: ts.store,
      mail,
      clock: platform.clock,
      logger: createLogger({ level: 'silent' }),
    });
    sender.start(60_000);
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await sender?.stop();
    await browser?.close();
    close?.();
    await mail?.close();
    await smtp?.stop();
    await ts?.close();
  });

  it('sends, opens the mailed link, answers, uploads, submits with the mailed code and verifies the receipt', async () => {
    const sent = await send(
      platform,
      tenantId,
      { questionnaire: 'dora-ict-provider', otp: true, context: ['scope.function=critical'] },
      base,
    );
    // The CLI is another process: the server's loop finds its mail at its next run, which wake() brings forward.
    sender.wake();
    const q = shippedLibrary().get(sent.questionnaireRef)!;
    const aid = sent.assessmentId;
    const [link] = await mailed(JANE, new RegExp(`${base.replace(/[.]/g, '\\.')}/v/[A-Za-z0-9_.-]+`), 0);

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    // No page in this journey answers 4xx, so any console error (a CSP refusal, a failed load) counts.
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text()))
        consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const pageChecks = async (heading: string | RegExp) => {
      await expect.poll(() => page.locator('h1').textContent()).toMatch(heading);
      expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);
    };

    // The interstitial: GET changes nothing, Continue opens the session.
    await page.goto(link!);
    await pageChecks('Acme asks you to complete a security questionnaire');
    await Promise.all([
      page.waitForURL(`${base}/v/a/${aid}**`),
      page.getByRole('button', { name: 'Continue to the questionnaire' }).click(),
    ]);
    await pageChecks('Scope of the ICT service');

    // Most answers through the repository, as autosave stores them; the rest is done in the page.
    const today = new Date().toISOString().slice(0, 10);
    const stored = Object.fromEntries(
      Object.entries(sampleAnswers(q, today)).filter(
        ([k]) => !k.endsWith('#evidence') && q.questions.get(k)?.type !== 'file' && !IN_BROWSER.has(k),
      ),
    );
    // A valid LEI (the sample text is not one), which hides the EUID; scope.function is the tenant's context.
    stored['scope.lei'] = '5493001KJTIIGC8Y1R12';
    delete stored['scope.euid'];
    delete stored['scope.function'];
    await ts.store.tenant(tenantId).write((tx) => {
      for (const [k, v] of Object.entries(stored)) saveAnswer(tx, aid, k, v, new Date());
      touchAnswers(tx, aid, new Date());
    });
    const ctx = { 'scope.function': 'critical' };
    for (const issue of evaluate(q, stored, today, { context: ctx }).issues) {
      if (IN_BROWSER.has(issue.questionId)) continue;
      if (issue.kind !== 'evidence-required' && q.questions.get(issue.questionId)?.type !== 'file')
        throw new Error(`not answered before the browser part: ${issue.questionId} (${issue.kind})`);
      await storeEvidence(
        platform,
        { tenantId, assessmentId: aid, uploadedBy: 'vendor:test', questionId: issue.questionId },
        uploadRequest('policy.pdf', pdf()),
      );
    }

    // The conditional: ISO/IEC 27001 makes the certificate's expiry appear; evidence uploads beside it.
    await page.goto(`${base}/v/a/${aid}/s/gov`);
    await pageChecks('Information security and due diligence');
    const expiry = page.locator('[name="gov.cert_expiry"]');
    expect(await expiry.count()).toBe(0);
    await page.getByLabel('ISO/IEC 27001 certificate').check();
    await expiry.waitFor();
    await expiry.fill(new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10));
    await expiry.blur();
    const upload = page.locator('#u-gov-2e-standards');
    await upload.setInputFiles({
      name: 'iso-certificate.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(pdf()),
    });
    await upload.locator('xpath=..').getByRole('button', { name: 'Upload' }).click();
    await expect
      .poll(() => page.locator('#evidence-gov_standards').textContent(), { timeout: 10_000 })
      .toContain('iso-certificate.pdf');
    await expect
      .poll(async () => {
        const a = await ts.store.tenant(tenantId).read((c) => loadAnswers(c, aid));
        return [a['gov.standards'], a['gov.cert_expiry']];
      })
      .toEqual([['iso27001'], expect.any(String)]);
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);

    // Review: nothing left; ask for the code and type the one the SMTP server received.
    await page.goto(`${base}/v/a/${aid}/review`);
    await pageChecks('Review and submit');
    await expect.poll(() => page.locator('main').textContent()).toContain('Everything required is answered');
    const before = smtp.received.length;
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/submit-code') && r.status() === 200),
      page.getByRole('button', { name: 'Email me a code' }).click(),
    ]);
    await page.getByRole('status').waitFor();
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);
    const [, code] = await mailed(JANE, /Your code: (\d{6})/, before);
    await page.getByLabel('6-digit code').fill(code!);
    await Promise.all([
      page.waitForURL(`${base}/v/a/${aid}/receipt`),
      page.getByRole('button', { name: 'Submit answers' }).click(),
    ]);
    await pageChecks('Submitted');

    // The receipt: download, verify with the published keys, and it signs the digest the page shows.
    const shown = (await page
      .locator('.summary-list__row', { hasText: 'Answers SHA-256' })
      .locator('code')
      .textContent())!.trim();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the receipt (.jws)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`receipt-${aid}.jws`);
    const jws = fs.readFileSync((await download.path())!, 'utf8').trim();
    const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
    const checked = await verifyReceipt(jwks, jws);
    expect(checked).toMatchObject({ ok: true, payload: { assessment: aid, answers: { digest: shown } } });

    const row = (await ts.store.tenant(tenantId).read((c) => getAssessment(c, aid)))!;
    const files = await ts.store.tenant(tenantId).read((c) => listEvidence(c, aid));
    expect(files.some((f) => f.questionId === 'gov.standards' && f.fileName === 'iso-certificate.pdf')).toBe(
      true,
    );
    expect(row).toMatchObject({ status: 'submitted', receipt: jws, answersHash: shown });
    const answers = await ts.store.tenant(tenantId).read((c) => loadAnswers(c, aid));
    expect(shown).toBe(answersDigest(withEvidence(q, answers as Answers, files)));
    // The receipt mail went out at once too (the route woke the sender), and carries the receipt.
    await mailed(JANE, new RegExp(jws.slice(0, 60).replace(/[.]/g, '\\.')), before);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);

  it('on another device, the used link leads to fresh access: the mailed code opens a session there', async () => {
    const email = 'max@gadgets.example';
    const sent = await send(platform, tenantId, { vendorName: 'Gadgets Ltd', contactEmail: email }, base);
    const before = smtp.received.length;
    sender.wake(); // as above: the loop's next run finds what the CLI queued
    const [link] = await mailed(
      email,
      new RegExp(`${base.replace(/[.]/g, '\\.')}/v/[A-Za-z0-9_.-]+`),
      before,
    );

    // The first device spends the link.
    const first = await browser.newContext();
    const p1 = await first.newPage();
    await p1.goto(link!);
    await Promise.all([
      p1.waitForURL(`${base}/v/a/${sent.assessmentId}**`),
      p1.getByRole('button', { name: 'Continue to the questionnaire' }).click(),
    ]);
    await first.close();

    // The second device: the link is used (410), so it asks for fresh access by the address.
    const second = await browser.newContext();
    const page = await second.newPage();
    const cspErrors: string[] = [];
    // These pages answer 410 by design, which Chromium logs as an error: only CSP reports count here.
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('pageerror', (e) => cspErrors.push(e.message));
    const res = await page.goto(link!);
    expect(res?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This link has already been used');
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);
    const asked = smtp.received.length;
    await page.getByLabel('Email address').fill(email);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/fresh') && r.status() === 200),
      page.getByRole('button', { name: 'Email me new access' }).click(),
    ]);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your email');
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);

    // The route woke the sender: the code arrives long before the loop's one-minute interval.
    const [, code] = await mailed(email, /Your code: (\d{6})/, asked);
    await page.getByLabel('6-digit code').fill(code!);
    await Promise.all([
      page.waitForURL(`${base}/v/a/${sent.assessmentId}/**`),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]);
    await expect.poll(() => page.locator('h1').textContent()).toContain('Scope of the service');
    expect(await axeViolations(page, { seriousOnly: true })).toEqual([]);
    expect(cspErrors).toEqual([]);
    await second.close();
  }, 60_000);
});
