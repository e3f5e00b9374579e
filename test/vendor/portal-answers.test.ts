/**
 * The answering part of the vendor portal through app.request(), on SQLite and PostgreSQL: sections and
 * progress, autosave with out-of-band swaps, visibility toggling, the per-answer revision check (stale and
 * concurrent writes), bad values, cross-site posts, session scope (SES-05), escaping, the no-JS flow.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import { listAssessmentEvents } from '../../src/db/repo/assessment-events.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { BASE_URL, browser, testApp } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import {
  addContact,
  assessmentStatus,
  storedAnswers,
  vendorFixture,
  vendorSession,
} from '../support/vendor.js';

const LEI = '5493001KJTIIGC8Y1R12';
const HX = { 'HX-Request': 'true' };

forEachDialect(
  'vendor portal answering',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let now = new Date('2030-03-01T10:00:00Z');
    let app: Awaited<ReturnType<typeof testApp>>;

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      app = await testApp(store, { now: () => now });
    }, 60_000);
    afterAll(() => ts.close());

    async function vendor(opts: Parameters<typeof vendorFixture>[1] = {}) {
      const f = await vendorFixture(store, { now, context: { 'scope.function': 'critical' }, ...opts });
      const b = browser(app);
      b.jar.set(VENDOR_COOKIE, await vendorSession(store, f, now));
      return { f, b, base: `/v/a/${f.assessmentId}` };
    }
    const save = (
      b: ReturnType<typeof browser>,
      base: string,
      key: string,
      value: string | string[],
      rev: number,
      extra: Record<string, string> = {},
    ) => {
      const form = new URLSearchParams({ [`_rev.${key}`]: String(rev), ...extra });
      for (const v of Array.isArray(value) ? value : [value]) form.append(key, v);
      return b.send(`${base}/answer/${encodeURIComponent(key)}`, {
        method: 'POST',
        body: form.toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...HX },
      });
    };

    it('shows one section per page with the section list, progress, context facts and a review link', async () => {
      const { b, base } = await vendor({ tenantName: 'Acme Bank' });
      const start = await b.get(base);
      expect(start.status).toBe(303);
      expect(start.headers.get('Location')).toBe(`${base}/s/scope`);
      const res = await b.get(`${base}/s/scope`);
      expect(res.status).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('no-store');
      const html = await res.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('Acme Bank');
      expect(html).toContain('DORA ICT third-party provider assessment');
      expect(html).toContain('Scope of the ICT service');
      expect(html).toContain('id="portal-progress"');
      expect(html).toMatch(/0 \/ \d+ answered \(0%\)/);
      expect(html).toContain(`href="${base}/review"`);
      // The context fact is shown read-only: no input of that name.
      expect(html).toContain('Yes, it supports a critical or important function');
      expect(html).not.toContain('name="scope.function"');
      // Help text, and the conditional EUID question shown while no LEI is given.
      expect(html).toContain('register of information on ICT contractual arrangements');
      expect(html).toContain('name="scope.euid"');
      // A plain form for no-JS, autosave attributes for htmx.
      expect(html).toContain(`<form method="post" action="${base}/s/scope"`);
      expect(html).toContain(`hx-post="${base}/answer/scope.lei"`);
      expect(html).toContain('Save and continue');
    });

    it('autosaves one answer: revision 1, sent → in_progress once, the conditional question disappears out of band', async () => {
      const { f, b, base } = await vendor();
      expect(await assessmentStatus(store, f)).toBe('sent');
      const res = await save(b, base, 'scope.lei', LEI, 0);
      expect(res.status).toBe(200);
      const html = await res.text();
      // Only what changed: the revision, the marks, the EUID question now hidden, progress and the section list.
      expect(html).toMatch(
        /<input form="portal-form" type="hidden" name="_rev.scope.lei" id="r-scope-2e-lei" value="1" hx-swap-oob="true">/,
      );
      expect(html).toMatch(/<div class="question" id="q-scope-2e-euid" hidden hx-swap-oob="true"><\/div>/);
      expect(html).toContain('id="portal-progress" hx-swap-oob="true"');
      expect(html).toContain('id="portal-sections"');
      expect(html).not.toContain('<html');
      expect(html).not.toContain('name="scope.service"'); // untouched questions are not re-sent
      const rows = await storedAnswers(store, f);
      expect(rows['scope.lei']).toMatchObject({ value: LEI, revision: 1, updatedBy: f.contactId });
      expect(await assessmentStatus(store, f)).toBe('in_progress');

      // Clearing the LEI brings the EUID question back, whole.
      const cleared = await save(b, base, 'scope.lei', '', 1);
      expect(cleared.status).toBe(200);
      const back = await cleared.text();
      expect(back).toMatch(/<div class="question" id="q-scope-2e-euid" hx-swap-oob="true">/);
      expect(back).toContain('name="scope.euid"');
      expect((await storedAnswers(store, f))['scope.lei']).toMatchObject({ value: null, revision: 2 });
      expect(await assessmentStatus(store, f)).toBe('in_progress');

      // Saving the same value again changes nothing (no new revision).
      const again = await save(b, base, 'scope.lei', '', 2);
      expect(again.status).toBe(200);
      expect((await storedAnswers(store, f))['scope.lei']!.revision).toBe(2);
      // The first answer recorded the `in_progress` event, the later ones none; each bumped the revision.
      const events = await store.tenant(f.tenantId).read((ctx) => listAssessmentEvents(ctx, f.assessmentId));
      expect(events.filter((e) => e.kind === 'in_progress')).toHaveLength(1);
      const a = await store.tenant(f.tenantId).read((ctx) => repo.getAssessment(ctx, f.assessmentId));
      expect(a!.answersRevision).toBe(2);
    });

    it('comment fields: a "no" makes the comment required (its marks swapped), the comment saves under <qid>#comment', async () => {
      const { f, b, base } = await vendor();
      const page = await (await b.get(`${base}/s/gov`)).text();
      expect(page).toContain('name="gov.risk_framework#comment"');
      expect(page).toContain('Explain how you manage the ICT risks of the service.');
      const res = await save(b, base, 'gov.risk_framework', 'no', 0);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toMatch(
        /<div class="field__marks" id="m-gov-2e-risk_framework-23-comment" hx-swap-oob="true"[^>]*>\s*<span class="tag tag--required">required<\/span>/,
      );
      const tooLong = await save(b, base, 'gov.risk_framework#comment', 'x'.repeat(4001), 0);
      expect(tooLong.status).toBe(422);
      expect(await tooLong.text()).toMatch(/4000|4,000/);
      const ok = await save(b, base, 'gov.risk_framework#comment', 'We follow ISO 27005.', 0);
      expect(ok.status).toBe(200);
      const rows = await storedAnswers(store, f);
      expect(rows['gov.risk_framework#comment']).toMatchObject({
        value: 'We follow ISO 27005.',
        revision: 1,
      });
      // A question without a comment rule has no comment key.
      expect((await save(b, base, 'scope.model#comment', 'x', 0)).status).toBe(404);
    });

    it('an N/A that needs a reason has a field for it where the questionnaire declares no comment (na: justify)', async () => {
      const { f, b, base } = await vendor();
      // gov.financials offers N/A "only with a reason" and declares no comment of its own.
      const page = await (await b.get(`${base}/s/gov`)).text();
      expect(page).toContain('name="gov.financials#comment"');
      expect(page).toContain('Reason, if this does not apply');
      const na = await save(b, base, 'gov.financials', 'na', 0);
      expect(na.status).toBe(200);
      expect(await na.text()).toMatch(
        /<div class="field__marks" id="m-gov-2e-financials-23-comment" hx-swap-oob="true"[^>]*>\s*<span class="tag tag--required">required<\/span>/,
      );
      const review = async () => (await (await b.get(`${base}/review`)).text()).replace(/\s+/g, ' ');
      expect(await review()).toMatch(
        /financial statements[^<]*<\/a>: Explain in the comment why this does not apply/,
      );
      expect(await review()).toMatch(/· 2 answers saved\./); // the answer and the context fact
      // A placeholder is saved as a draft but is no justification (2 different words, 15 letters): still refused.
      const placeholder = await save(b, base, 'gov.financials#comment', 'x', 0);
      expect(placeholder.status).toBe(200);
      expect(await review()).toMatch(
        /financial statements[^<]*<\/a>: Give the reason why this does not apply in at least 2 different words \(15 letters or more\)/,
      );
      const ok = await save(
        b,
        base,
        'gov.financials#comment',
        'Founded in 2029: no audited statements yet.',
        1,
      );
      expect(ok.status).toBe(200);
      expect((await storedAnswers(store, f))['gov.financials#comment']).toMatchObject({ revision: 2 });
      expect(await review()).not.toMatch(
        /financial statements[^<]*<\/a>: (Explain in the comment why|Give the reason why) this does not apply/,
      );
    });

    it('signs out: the session record and both cookies go, the answers stay, the old cookie opens nothing', async () => {
      const { f, b, base } = await vendor();
      expect((await save(b, base, 'scope.lei', LEI, 0)).status).toBe(200);
      const page = await (await b.get(`${base}/s/scope`)).text();
      expect(page).toContain(`<form method="post" action="${base}/sign-out"`);
      const cookie = b.jar.get(VENDOR_COOKIE)!;
      const out = await b.post(`${base}/sign-out`, {});
      expect(out.status).toBe(200);
      const outPage = await out.text();
      expect(outPage).toContain('You are signed out');
      expect(outPage).toContain('<html lang="en">');
      const cleared = out.headers.getSetCookie().join('\n');
      expect(cleared).toMatch(/__Host-assay-vendor=;/);
      expect(cleared).toMatch(/__Host-assay-vendor-lang=;/);
      expect(b.jar.has(VENDOR_COOKIE)).toBe(false);
      // The record is gone: the same cookie, kept by someone else, is refused.
      const other = browser(app);
      other.jar.set(VENDOR_COOKIE, cookie);
      expect((await other.get(`${base}/s/scope`)).status).toBe(401);
      expect((await storedAnswers(store, f))['scope.lei']).toMatchObject({ value: LEI });
      // Cross-site, it is refused like every other post.
      const again = await vendor();
      const cross = await again.b.send(`${again.base}/sign-out`, {
        method: 'POST',
        headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      });
      expect(cross.status).toBe(403);
      expect((await again.b.get(`${again.base}/s/scope`)).status).toBe(200);
    });

    it('a whole section disappears from the list and its page when an answer makes it not apply', async () => {
      const { b, base } = await vendor();
      const before = await (await b.get(`${base}/s/scope`)).text();
      expect(before).toMatch(/<nav class="portal__sections"[\s\S]*>Subcontracting<\/a>/);
      const res = await save(b, base, 'scope.subcontracting', 'no', 0);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toMatch(/<nav class="portal__sections" id="portal-sections"[^>]*hx-swap-oob="true"/);
      expect(html).not.toContain('>Subcontracting</a>');
      expect((await b.get(`${base}/s/sub`)).status).toBe(404);
      expect((await save(b, base, 'scope.subcontracting', 'yes', 1)).status).toBe(200);
      expect((await b.get(`${base}/s/sub`)).status).toBe(200);
    });

    it('refuses a stale write with the newer value and who saved it, never overwriting', async () => {
      const { f, b, base } = await vendor();
      const bobId = await addContact(store, f, 'bob@vendor.example', 'Bob Colleague');
      const bob = browser(app);
      bob.jar.set(VENDOR_COOKIE, await vendorSession(store, { ...f, contactId: bobId }, now));
      // Both tabs rendered the field at revision 0; Bob saves first.
      expect((await save(bob, base, 'scope.establishment', 'Bob: Germany, Parent AG', 0)).status).toBe(200);
      const stale = await save(b, base, 'scope.establishment', 'Alice: France, Parent SA', 0);
      expect(stale.status).toBe(409);
      const html = await stale.text();
      expect(html).toContain('Someone saved a newer answer');
      expect(html).toContain('Bob: Germany, Parent AG');
      expect(html).toContain('Bob Colleague');
      expect(html).toContain('2030-03-01 10:00 UTC');
      const rows = await storedAnswers(store, f);
      expect(rows['scope.establishment']).toMatchObject({
        value: 'Bob: Germany, Parent AG',
        revision: 1,
        updatedBy: bobId,
      });
      // Over a seen revision too.
      expect((await save(bob, base, 'scope.establishment', 'Bob v2', 1)).status).toBe(200);
      expect((await save(b, base, 'scope.establishment', 'Alice v2', 1)).status).toBe(409);
      expect((await storedAnswers(store, f))['scope.establishment']).toMatchObject({
        value: 'Bob v2',
        revision: 2,
      });
    });

    it('two concurrent saves of the same question: exactly one wins', async () => {
      const { f, b, base } = await vendor();
      const other = browser(app);
      other.jar.set(VENDOR_COOKIE, await vendorSession(store, f, now));
      for (const rev of [0, 1]) {
        const results = await Promise.all([
          save(b, base, 'scope.establishment', `A${rev}`, rev),
          save(other, base, 'scope.establishment', `B${rev}`, rev),
        ]);
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([200, 409]);
        const winner = results[0]!.status === 200 ? `A${rev}` : `B${rev}`;
        expect((await storedAnswers(store, f))['scope.establishment']).toMatchObject({
          value: winner,
          revision: rev + 1,
        });
      }
    });

    it('refuses bad values with a message next to the field and saves nothing', async () => {
      const { f, b, base } = await vendor();
      const cases: Array<[string, string | string[], number, RegExp]> = [
        ['scope.establishment', 'x'.repeat(301), 422, /at most 300/i],
        ['scope.model', 'teleportation', 422, /one of the listed options/],
        ['scope.model', ['cloud', 'managed'], 422, /one value/],
        ['scope.subcontracting', 'na', 422, /not applicable|N\/A/i],
        ['scope.lei', 'SHORT', 422, /exactly 20/],
        ['ctr.provider_notice_days', 'ninety', 422, /Enter a number/],
        ['ctr.provider_notice_days', '5000', 422, /at most 1095|1095/],
        ['scope.service', 'bad\u0000byte', 400, /cannot be stored/],
      ];
      for (const [key, value, status, message] of cases) {
        const res = await save(b, base, key, value, 0);
        expect(res.status, `${key}=${String(value).slice(0, 20)}`).toBe(status);
        const text = await res.text();
        expect(text).toMatch(message);
        if (status === 422) expect(text).toContain(`id="m-${key.replace(/\./g, '-2e-')}" hx-swap-oob="true"`);
      }
      // 10,000 fields.
      const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, 'x']));
      const res = await b.post(
        `${base}/answer/scope.service`,
        { ...many, '_rev.scope.service': '0', 'scope.service': 'ok' },
        HX,
      );
      expect(res.status).toBe(400);
      // Unknown question, context fact, missing revision.
      expect((await save(b, base, 'nope.nope', 'x', 0)).status).toBe(404);
      expect((await save(b, base, 'scope.function', 'other', 0)).status).toBe(404);
      expect((await b.post(`${base}/answer/scope.service`, { 'scope.service': 'x' }, HX)).status).toBe(400);
      expect(
        (
          await b.post(
            `${base}/answer/scope.service`,
            { 'scope.service': 'x', '_rev.scope.service': '-1' },
            HX,
          )
        ).status,
      ).toBe(400);
      // JSON is not a form encoding (CSRF-02).
      const json = await b.post(`${base}/answer/scope.service`, {}, { 'Content-Type': 'application/json' });
      expect(json.status).toBe(415);
      expect(Object.keys(await storedAnswers(store, f))).toEqual([]);
      expect(await assessmentStatus(store, f)).toBe('sent');
    });

    it('refuses a cross-site POST with 403 and saves nothing (CSRF-01)', async () => {
      const { f, b, base } = await vendor();
      for (const headers of [
        { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
        { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'same-site' },
      ]) {
        const res = await b.post(
          `${base}/answer/scope.service`,
          { 'scope.service': 'x', '_rev.scope.service': '0' },
          headers,
        );
        expect(res.status).toBe(403);
        const page = await b.post(
          `${base}/s/scope`,
          { 'scope.service': 'x', '_rev.scope.service': '0' },
          headers,
        );
        expect(page.status).toBe(403);
      }
      expect(Object.keys(await storedAnswers(store, f))).toEqual([]);
    });

    it('404 for another assessment of the tenant and for another tenant’s assessment (SES-05); 401 without a session', async () => {
      const { f, b, base } = await vendor();
      // Another assessment of the same tenant and vendor.
      const otherAid = await store.tenant(f.tenantId).write((tx) => {
        const a = repo.insertAssessment(
          tx,
          { vendorId: f.vendorId, contactId: f.contactId, questionnaireVersionId: f.questionnaireVersionId },
          now,
        );
        repo.transitionAssessment(tx, a.id, ['draft'], 'sent', { sentAt: now }, now);
        return a.id;
      });
      const other = await vendor({ tenantName: 'Other Bank' });
      for (const aid of [otherAid, other.f.assessmentId, newId(), 'not-an-id']) {
        expect((await b.get(`/v/a/${aid}/s/scope`)).status).toBe(404);
        expect((await b.get(`/v/a/${aid}`)).status).toBe(404);
        expect((await b.get(`/v/a/${aid}/export.csv`)).status).toBe(404);
        expect((await save(b, `/v/a/${aid}`, 'scope.service', 'intruder', 0)).status).toBe(404);
        expect(
          (await b.post(`/v/a/${aid}/s/scope`, { 'scope.service': 'intruder', '_rev.scope.service': '0' }))
            .status,
        ).toBe(404);
      }
      expect(Object.keys(await storedAnswers(store, other.f))).toEqual([]);
      expect(
        Object.keys(await storedAnswers(store, { tenantId: f.tenantId, assessmentId: otherAid })),
      ).toEqual([]);
      // The session still works on its own assessment.
      expect((await b.get(`${base}/s/scope`)).status).toBe(200);
      // No session, a made-up cookie, and a member route with a vendor session.
      const anon = browser(app);
      expect((await anon.get(`${base}/s/scope`)).status).toBe(401);
      anon.jar.set(VENDOR_COOKIE, 'x'.repeat(43));
      expect((await anon.get(`${base}/s/scope`)).status).toBe(401);
      expect((await save(anon, base, 'scope.service', 'x', 0)).status).toBe(401);
      expect((await b.get('/app')).status).not.toBe(200);
    });

    it('an expired session gets 401 and the row is gone (SES-03)', async () => {
      const { b, base } = await vendor();
      expect((await b.get(`${base}/s/scope`)).status).toBe(200);
      const saved = now;
      now = new Date(now.getTime() + 13 * 3600_000);
      try {
        const res = await b.get(`${base}/s/scope`);
        expect(res.status).toBe(401);
        expect(await res.text()).toContain('Your session has ended');
        expect((await save(b, base, 'scope.service', 'late', 0)).status).toBe(401);
      } finally {
        now = saved;
      }
    });

    it('renders markup in answers and comments escaped and inert (XSS-01)', async () => {
      const { b, base } = await vendor();
      const payload = '<img src=x onerror=alert(1)> <div hx-get="/app" hx-trigger="load">"\'';
      expect((await save(b, base, 'scope.service', payload, 0)).status).toBe(200);
      expect((await save(b, base, 'scope.establishment', '"><script>alert(1)</script>', 0)).status).toBe(200);
      const html = await (await b.get(`${base}/s/scope`)).text();
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<div hx-get="/app"');
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('works without JavaScript: plain posts save a section and continue; a bad value saves nothing', async () => {
      const { f, b, base } = await vendor();
      const page = await (await b.get(`${base}/s/scope`)).text();
      const revs = [...page.matchAll(/name="(_rev\.[^"]+)" id="[^"]+" value="(\d+)"/g)].map((m) => [
        m[1]!,
        m[2]!,
      ]);
      expect(revs.length).toBeGreaterThan(5);
      const form = {
        ...Object.fromEntries(revs),
        'scope.service': 'Core banking SaaS',
        'scope.model': 'cloud',
        'scope.subcontracting': 'yes',
        'scope.establishment': 'Germany; Parent AG',
        'scope.lei': '',
        'scope.euid': 'DEB1234.HRB123456',
        'scope.ctpp': 'not_designated',
        go: 'next',
      };
      const bad = await b.post(`${base}/s/scope`, { ...form, 'scope.model': 'teleportation' });
      expect(bad.status).toBe(422);
      const badHtml = await bad.text();
      expect(badHtml).toContain('Choose one of the listed options.');
      expect(badHtml).toContain('Core banking SaaS'); // what was typed is shown back
      expect(Object.keys(await storedAnswers(store, f))).toEqual([]);

      const ok = await b.post(`${base}/s/scope`, form);
      expect(ok.status).toBe(303);
      expect(ok.headers.get('Location')).toBe(`${base}/s/gov`);
      const rows = await storedAnswers(store, f);
      expect(rows['scope.service']).toMatchObject({ value: 'Core banking SaaS', revision: 1 });
      expect(rows['scope.model']!.value).toBe('cloud');
      expect(rows['scope.euid']!.value).toBe('DEB1234.HRB123456');
      expect(rows['scope.lei']).toBeUndefined();
      expect(await assessmentStatus(store, f)).toBe('in_progress');
      const next = await (await b.get(`${base}/s/gov`)).text();
      expect(next).toContain('Information security and due diligence');
      expect(next).toMatch(/aria-current="page">Information security/);

      // Posting the same page again (its revisions are now stale) changes nothing and shows the newer value.
      const stale = await b.post(`${base}/s/scope`, { ...form, 'scope.service': 'Changed in an old tab' });
      expect(stale.status).toBe(409);
      expect(await stale.text()).toContain('Core banking SaaS');
      expect((await storedAnswers(store, f))['scope.service']!.value).toBe('Core banking SaaS');

      // Multi-select through checkboxes, and the conditional date that appears with it.
      const gov = await (await b.get(`${base}/s/gov`)).text();
      expect(gov).not.toContain('name="gov.cert_expiry"');
      const govRevs = Object.fromEntries(
        [...gov.matchAll(/name="(_rev\.[^"]+)" id="[^"]+" value="(\d+)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      const body = new URLSearchParams({ ...govRevs, go: 'stay' });
      body.append('gov.standards', 'iso27001');
      body.append('gov.standards', 'soc2t2');
      const res = await app.request(`${BASE_URL}${base}/s/gov`, {
        method: 'POST',
        body: body.toString(),
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: BASE_URL,
          Cookie: `${VENDOR_COOKIE}=${b.jar.get(VENDOR_COOKIE)}`,
        },
      });
      expect(res.status).toBe(303);
      expect((await storedAnswers(store, f))['gov.standards']!.value).toEqual(['iso27001', 'soc2t2']);
      expect(await (await b.get(`${base}/s/gov`)).text()).toContain('name="gov.cert_expiry"');

      // "Save and continue" on the last section leads to the review page.
      const last = await (await b.get(`${base}/s/fin`)).text();
      const lastRevs = Object.fromEntries(
        [...last.matchAll(/name="(_rev\.[^"]+)" id="[^"]+" value="(\d+)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      const end = await b.post(`${base}/s/fin`, { ...lastRevs, 'fin.notes': 'Nothing to add.', go: 'next' });
      expect(end.status).toBe(303);
      expect(end.headers.get('Location')).toBe(`${base}/review`);
      expect((await storedAnswers(store, f))['fin.notes']!.value).toBe('Nothing to add.');
    });

    it('switches language with ?lang= (validated) and remembers it', async () => {
      const { b, base } = await vendor();
      const de = await b.get(`${base}/s/scope?lang=de`);
      expect(de.status).toBe(200);
      const html = await de.text();
      expect(html).toContain('<html lang="de">');
      expect(html).toContain('Umfang der IKT-Dienstleistung');
      expect(html).toContain('Speichern und weiter');
      expect(html).toContain('href="?lang=en"');
      const again = await (await b.get(`${base}/s/scope`)).text();
      expect(again).toContain('<html lang="de">');
      const bad = await save(b, base, 'scope.lei', 'SHORT', 0);
      expect(await bad.text()).toContain('genau 20');
      expect((await b.get(`${base}/s/scope?lang=xx`)).status).toBe(400);
      expect((await b.get(`${base}/s/scope?lang=en`)).status).toBe(200);
    });

    it('refuses answers once the assessment is submitted (409), showing the answers read-only', async () => {
      const { f, b, base } = await vendor();
      expect((await save(b, base, 'scope.service', 'Before', 0)).status).toBe(200);
      await store
        .tenant(f.tenantId)
        .write((tx) =>
          repo.transitionAssessment(
            tx,
            f.assessmentId,
            ['in_progress'],
            'submitted',
            { submittedAt: now },
            now,
          ),
        );
      const res = await save(b, base, 'scope.service', 'After', 1);
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('submitted');
      expect(
        (await b.post(`${base}/s/scope`, { 'scope.service': 'After', '_rev.scope.service': '1' })).status,
      ).toBe(409);
      expect((await storedAnswers(store, f))['scope.service']).toMatchObject({
        value: 'Before',
        revision: 1,
      });
      const page = await (await b.get(`${base}/s/scope`)).text();
      expect(page).toContain('has been submitted');
      expect(page).not.toContain('hx-post=');
      expect(await assessmentStatus(store, f)).toBe('submitted');
    });
  },
  ['sqlite', 'pg', 'd1'],
);
