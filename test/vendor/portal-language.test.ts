/**
 * The portal speaks the invitation's language (issue #7): sent with locale de, every page a vendor sees,
 * from the interstitial to the receipt, is German with `lang="de"` and a switch to English; the
 * interstitial names the tenant, the member who sent it, the questionnaire (its German title) and the
 * due date; the invitation mail carries the German title. Names with markup stay inert text.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import type { Ports } from '../../src/platform/ports.js';
import { localize } from '../../src/questionnaire/index.js';
import { resendLink } from '../../src/workspace/assessment-links.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { lastLinkTo, outbox, send, shippedLibrary } from '../support/assessments.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
const TENANT = 'Acme <b>Bold</b> & Co';
const SENDER = '<img src=x onerror=alert(1)>@acme.example';
const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const lang = (html: string) => /<html lang="([^"]*)">/.exec(html)?.[1];
const h1 = (html: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.trim();

forEachDialect('the vendor portal in the invitation’s language', (dialect: Dialect) => {
  let ts: TestStore;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;
  let senderId: string;
  const now = new Date('2030-06-01T10:00:00Z');

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    await ensureSigningKeys(ts.store, TEST_MASTER_KEY, now);
    ({ tenantId } = await createTenantWithAdmin(
      ts.store,
      { name: TENANT, adminEmail: 'admin@acme.example' },
      now,
    ));
    // A member whose address carries markup (the repository takes it as it is): it must stay text.
    senderId = await ts.store.tenant(tenantId, { system: 'cli' }).write(async (tx) => {
      const user = await repo.ensureUser(tx, SENDER);
      repo.addMembership(tx, user.id, 'admin');
      return user.id;
    });
  }, 120_000);
  afterAll(async () => {
    await ts.close();
  });
  beforeEach(async () => {
    platform = await testPlatform(ts.store, { now: () => now, rateLimits: new MemoryRateLimitStore() });
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
  });

  const sendDe = (extra: Parameters<typeof send>[2] = {}) =>
    send(platform, tenantId, {
      questionnaire: 'security-baseline',
      context: ['scope.criticality=critical'],
      locale: 'de',
      dueDate: '2030-07-15',
      ...extra,
    });

  it('opens the interstitial in German with the sender, tenant, German title and due date; en on request', async () => {
    const sent = await sendDe({ actor: `user:${senderId}`, senderEmail: SENDER });
    const q = shippedLibrary().get(sent.questionnaireRef)!;
    const titleDe = localize(q.title, 'de', q);
    const titleEn = localize(q.title, 'en', q);
    expect(titleDe).not.toBe(titleEn);
    const link = await lastLinkTo(ts.store, JANE, sent.assessmentId);

    const mail = (await outbox(ts.store)).filter((m) => m.toAddress === JANE).at(-1)!;
    expect(mail.subject).toContain(titleDe);
    expect(mail.textBody).toContain(titleDe);
    expect(mail.subject).not.toContain(titleEn);

    const res = await browser(app).get(link);
    expect(res.status).toBe(200);
    const de = await res.text();
    expect(lang(de)).toBe('de');
    expect(h1(de)).toBe(`${esc(TENANT)} bittet Sie, einen Sicherheitsfragebogen auszufüllen`);
    expect(de).toContain(`<dt>Gesendet von</dt><dd id="sender">${esc(SENDER)}</dd>`);
    expect(de).toContain(`<dd>${esc(titleDe)}</dd>`);
    expect(de).toContain('<dt>Fällig</dt><dd>2030-07-15</dd>');
    expect(de).toContain('Weiter zum Fragebogen');
    expect(de).toContain('hreflang="en"');
    expect(de).toContain('Zum Inhalt springen');
    // Markup in the names is text, never elements.
    expect(de).not.toContain('<img src=x');
    expect(de).not.toContain('<b>Bold</b>');
    expect(de).not.toMatch(/asks you to|Requested by|Continue to the questionnaire/);

    const en = await (await browser(app).get(`${link}?lang=en`)).text();
    expect(lang(en)).toBe('en');
    expect(h1(en)).toBe(`${esc(TENANT)} asks you to complete a security questionnaire`);
    expect(en).toContain(`<dt>Sent by</dt><dd id="sender">${esc(SENDER)}</dd>`);
    expect(en).toContain(`<dd>${esc(titleEn)}</dd>`);
  });

  it('a resent link mail carries the German title too', async () => {
    const sent = await sendDe();
    const q = shippedLibrary().get(sent.questionnaireRef)!;
    await resendLink({ ...platform, baseUrl: BASE_URL }, tenantId, sent.assessmentId, 'system:cli');
    const mail = (await outbox(ts.store)).filter((m) => m.toAddress === JANE).at(-1)!;
    expect(mail.subject).toBe(
      `Neuer Link: ${TENANT} bittet um Ihre Antworten: ${localize(q.title, 'de', q)}`,
    );
  });

  it('names no sender when the CLI sent it', async () => {
    const sent = await sendDe();
    const html = await (await browser(app).get(await lastLinkTo(ts.store, JANE, sent.assessmentId))).text();
    expect(lang(html)).toBe('de');
    expect(html).not.toContain('Gesendet von');
    expect(html).not.toContain('id="sender"');
  });

  it('continues in German on every page without ?lang=, and switches to English', async () => {
    const sent = await sendDe({ actor: `user:${senderId}`, senderEmail: SENDER });
    const q = shippedLibrary().get(sent.questionnaireRef)!;
    const vendor = browser(app);
    expect((await vendor.post(await lastLinkTo(ts.store, JANE, sent.assessmentId), {})).status).toBe(303);
    const base = `/v/a/${sent.assessmentId}`;
    const scope = q.sections.find((s) => s.id === 'scope')!;

    const section = await (await vendor.get(`${base}/s/scope`)).text();
    expect(lang(section)).toBe('de');
    expect(h1(section)).toBe(esc(localize(scope.title, 'de', q)));
    expect(section).toContain('Prüfen und absenden');

    const review = await vendor.get(`${base}/review`);
    expect(review.status).toBe(200);
    const reviewDe = await review.text();
    expect(lang(reviewDe)).toBe('de');
    expect(h1(reviewDe)).toBe('Prüfen und absenden');
    expect(reviewDe).toContain('hreflang="en"');
    expect(reviewDe).toContain(`<strong>${esc(localize(q.title, 'de', q))}</strong> für ${esc(TENANT)}`);
    expect(reviewDe).not.toContain('<b>Bold</b>');

    const offline = await (await vendor.get(`${base}/offline`)).text();
    expect(lang(offline)).toBe('de');
    expect(h1(offline)).toBe('Offline mit einer Tabelle beantworten');
    expect(offline).toContain('Als CSV herunterladen');

    // The switch: English from here on, remembered across pages.
    const reviewEn = await (await vendor.get(`${base}/review?lang=en`)).text();
    expect(lang(reviewEn)).toBe('en');
    expect(h1(reviewEn)).toBe('Review and submit');
    const sectionEn = await (await vendor.get(`${base}/s/scope`)).text();
    expect(lang(sectionEn)).toBe('en');
    expect(h1(sectionEn)).toBe(esc(localize(scope.title, 'en', q)));
    const offlineEn = await (await vendor.get(`${base}/offline`)).text();
    expect(h1(offlineEn)).toBe('Answer offline with a spreadsheet');
  });

  it('shows a used link and fresh access in German', async () => {
    const sent = await sendDe();
    const link = await lastLinkTo(ts.store, JANE, sent.assessmentId);
    const vendor = browser(app);
    expect((await vendor.post(link, {})).status).toBe(303);
    const other = browser(app);
    const gone = await other.get(link);
    expect(gone.status).toBe(410);
    const goneDe = await gone.text();
    expect(lang(goneDe)).toBe('de');
    expect(h1(goneDe)).toBe('Dieser Link wurde bereits verwendet');
    expect(goneDe).toContain('Neuen Zugang per E-Mail anfordern');
    expect(goneDe).toContain('hreflang="en"');

    const bad = await other.post(`${link}/fresh`, { email: 'nope' });
    expect(bad.status).toBe(422);
    const badDe = await bad.text();
    expect(badDe).toContain('Es gibt ein Problem');
    expect(badDe).toContain('etwa name@example.com');

    const asked = await other.post(`${link}/fresh`, { email: JANE });
    expect(asked.status).toBe(200);
    const check = await asked.text();
    expect(lang(check)).toBe('de');
    expect(h1(check)).toBe('Prüfen Sie Ihre E-Mails');
    expect(check).toContain('6-stelliger Code');

    const en = await (await browser(app).get(`${link}?lang=en`)).text();
    expect(lang(en)).toBe('en');
    expect(h1(en)).toBe('This link has already been used');
  });

  it('shows an invalid link in English, in German on request', async () => {
    const bad = '/v/eyJhbGciOiJFZERTQSJ9.eyJ4IjoxfQ.c2ln';
    const en = await browser(app).get(bad);
    expect(en.status).toBe(404);
    const enHtml = await en.text();
    expect(lang(enHtml)).toBe('en');
    expect(h1(enHtml)).toBe('This link is not valid');
    const de = await (await browser(app).get(`${bad}?lang=de`)).text();
    expect(lang(de)).toBe('de');
    expect(h1(de)).toBe('Dieser Link ist nicht gültig');
  });
});
