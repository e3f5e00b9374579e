/**
 * What the portal refuses with is said in the vendor's language: a German invitation gets German error
 * pages, fragments and field messages (wrong and locked codes, fresh access asked too often, a stale
 * code, a refused evidence upload, a rejected offline row, an invalid field, the submitted 409, the
 * ended session's 401, the 404 of a section that is not there, rate limits), with the page's own words
 * and `<html lang>` in German too; an English invitation gets the same in English, word for word as
 * before. The words table has every key in German.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { Ports } from '../../src/platform/ports.js';
import { VENDOR_LANG_COOKIE } from '../../src/vendor/error-language.js';
import { MESSAGES_DE, MESSAGES_EN, MESSAGES_FR } from '../../src/vendor/error-words.js';
import { say, words } from '../../src/vendor/words.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastCodeTo, lastLinkTo, seedTenant, send } from '../support/assessments.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
const HX = { 'HX-Request': 'true' };
const lang = (html: string) => /<html lang="([^"]*)">/.exec(html)?.[1];
const title = (html: string) => /<title>([\s\S]*?)<\/title>/.exec(html)?.[1]?.trim();
const h1 = (html: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.trim();

/** What each language must say (as escaped in the HTML), and the other language must not. */
const T = {
  de: {
    wrong4: 'Dieser Code ist nicht richtig. Sie haben noch 4 Versuche.',
    wrongNone: 'Dieser Code ist nicht richtig. Fordern Sie hier einen neuen an.',
    tooManyWrong: 'Zu viele falsche Codes. Fordern Sie hier einen neuen an.',
    otherBrowser: 'Dieser Code funktioniert nur in dem Browser, in dem Sie ihn angefordert haben.',
    stale: 'Dieser Code ist abgelaufen oder wurde durch einen neueren ersetzt.',
    freshTooOften: 'Es wurde zu oft ein neuer Link angefordert.',
    tooManyAttempts: 'Zu viele Versuche. Warten Sie einen Moment und versuchen Sie es erneut.',
    refusedTitle: 'Das war leider nicht möglich',
    notFoundTitle: 'Seite nicht gefunden',
    reference: 'Wenn Sie sich an den Support wenden, nennen Sie diese Referenz:',
    referenceShort: 'Referenz:',
    mismatch: 'Der Inhalt der Datei ist keine pdf-Datei.',
    doubleExt: 'Der Dateiname verbirgt vor seiner Endung einen anderen Dateityp.',
    back: 'Zurück zum Fragebogen',
    notAllowed: '„vielleicht“ ist keiner der zulässigen Werte.',
    empty: 'Die Datei ist leer.',
    required: '<span class="tag tag--required">erforderlich</span>',
    notAnOption: 'Wählen Sie eine der aufgeführten Optionen.',
    submitted: 'Diese Prüfung wurde abgesendet; die Antworten können nicht mehr geändert werden.',
    submittedTitle: 'Bereits abgesendet',
    postOnly: 'Diese Adresse nimmt nur das Formular an, das eine Schaltfläche auf der Seite sendet',
    postOnlyTitle: 'Verwenden Sie die Schaltfläche auf der Seite',
    ended: 'Ihre Sitzung ist beendet.',
    noSection: 'Dieser Fragebogen hat keinen solchen Abschnitt.',
    noPage: 'Wir konnten diese Seite nicht finden.',
    badLang: 'Dieser Fragebogen ist verfügbar in: en, de. Wählen Sie eine dieser Sprachen.',
    downloadGone: 'Dieser Download-Link ist ungültig oder abgelaufen.',
  },
  en: {
    wrong4: 'That code is not right. 4 tries left.',
    wrongNone: 'That code is not right. Ask for a new one here.',
    tooManyWrong: 'Too many wrong codes. Ask for a new one here.',
    otherBrowser: 'This code works only in the browser where you asked for it.',
    stale: 'This code has expired or was replaced by a newer one.',
    freshTooOften: 'A new link was asked for too often.',
    tooManyAttempts: 'Too many attempts. Wait a little and try again.',
    refusedTitle: 'We could not do that',
    notFoundTitle: 'Page not found',
    reference: 'If you contact support, quote this reference:',
    referenceShort: 'Reference:',
    mismatch: 'The file&#39;s content is not a pdf file (',
    doubleExt: 'The file name hides another file type before its extension.',
    back: 'Back to the questionnaire',
    notAllowed: '&quot;vielleicht&quot; is not one of the allowed values.',
    empty: 'The file is empty.',
    required: '<span class="tag tag--required">required</span>',
    notAnOption: 'Choose one of the listed options.',
    submitted: 'This assessment has been submitted, so its answers can no longer be changed.',
    submittedTitle: 'Already submitted',
    postOnly: 'This address only takes the form sent by a button on the page',
    postOnlyTitle: 'Use the button on the page',
    ended: 'Your session has ended.',
    noSection: 'This questionnaire has no such section.',
    noPage: 'We could not find that page.',
    badLang: 'This questionnaire is available in: en, de. Choose one of these.',
    downloadGone: 'This download link is not valid or has expired.',
  },
} as const;
type Lang = keyof typeof T;
type Said = keyof (typeof T)['de'];

forEachDialect(
  'portal errors in the vendor’s language',
  (dialect) => {
    let ts: TestStore;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let tenantId: string;
    const start = new Date('2030-06-01T10:00:00Z');
    let now = start;

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      tenantId = await seedTenant(ts.store, 'Acme', start);
    }, 120_000);
    afterAll(() => ts.close());
    beforeEach(async () => {
      now = start;
      platform = await testPlatform(ts.store, { now: () => now, rateLimits: new MemoryRateLimitStore() });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    });

    /** An invitation in `locale`, its link redeemed in a browser of its own. */
    async function opened(locale: Lang) {
      const sent = await send(platform, tenantId, { locale });
      const link = await lastLinkTo(ts.store, JANE, sent.assessmentId);
      const b = browser(app);
      expect((await b.post(link, {})).status).toBe(303);
      return { ...sent, link, b, base: `/v/a/${sent.assessmentId}` };
    }
    /** `html` says `key` in `l`, and not in the other language. */
    const says = (html: string, l: Lang, ...keys: Said[]) => {
      const other: Lang = l === 'de' ? 'en' : 'de';
      for (const key of keys) {
        expect(html, `${l}: ${key}`).toContain(T[l][key]);
        expect(html, `${l} but ${other}: ${key}`).not.toContain(T[other][key]);
      }
    };
    const upload = (
      b: ReturnType<typeof browser>,
      path: string,
      name: string,
      bytes: string,
      htmx = true,
    ) => {
      const form = new FormData();
      form.append('file', new File([bytes], name));
      return b.send(path, { method: 'POST', body: form, headers: htmx ? HX : {} });
    };

    for (const l of ['de', 'en'] as const) {
      it(`signing out says so in the invitation's language, <html lang> included (${l})`, async () => {
        const { b, base } = await opened(l);
        const res = await b.post(`${base}/sign-out`, {});
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(lang(html)).toBe(l);
        expect(html).toContain(l === 'de' ? 'Sie sind abgemeldet' : 'You are signed out');
      });

      it(`a wrong code, the last try, the locked code, another browser (${l})`, async () => {
        const { link } = await opened(l);
        const asker = browser(app);
        expect((await asker.post(`${link}/fresh`, { email: JANE })).status).toBe(200);
        const code = await lastCodeTo(ts.store, JANE);
        const wrong = code === '000000' ? '111111' : '000000';

        const first = await asker.post(`${link}/code`, { code: wrong });
        expect(first.status).toBe(422);
        const firstHtml = await first.text();
        expect(lang(firstHtml)).toBe(l);
        says(firstHtml, l, 'wrong4');
        for (let i = 0; i < 3; i++)
          expect((await asker.post(`${link}/code`, { code: wrong })).status).toBe(422);
        const last = await asker.post(`${link}/code`, { code: wrong });
        says(await last.text(), l, 'wrongNone');
        const locked = await asker.post(`${link}/code`, { code });
        expect(locked.status).toBe(429);
        const lockedHtml = await locked.text();
        expect(lang(lockedHtml)).toBe(l);
        says(lockedHtml, l, 'tooManyWrong');

        const elsewhere = await browser(app).post(`${link}/code`, { code });
        expect(elsewhere.status).toBe(400);
        says(await elsewhere.text(), l, 'otherBrowser');
      });

      it(`a code that expired on a used link; fresh access asked too often, then the address limit (${l})`, async () => {
        const { link } = await opened(l);
        const asker = browser(app);
        expect((await asker.post(`${link}/fresh`, { email: JANE })).status).toBe(200);
        const code = await lastCodeTo(ts.store, JANE);
        now = new Date(start.getTime() + 11 * 60_000);
        const stale = await asker.post(`${link}/code`, { code });
        expect(stale.status).toBe(400);
        const staleHtml = await stale.text();
        expect(lang(staleHtml)).toBe(l);
        says(staleHtml, l, 'stale');

        // 5 fresh requests an hour per assessment (one made above), then 10 per address.
        const statuses: number[] = [];
        let perAssessment = '';
        let perAddress = '';
        for (let i = 0; i < 10; i++) {
          const res = await asker.post(`${link}/fresh`, { email: JANE });
          statuses.push(res.status);
          if (i === 5) perAssessment = await res.text();
          if (i === 9) perAddress = await res.text();
        }
        expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
        expect(lang(perAssessment)).toBe(l);
        expect(h1(perAssessment)).toBe(T[l].refusedTitle);
        says(perAssessment, l, 'freshTooOften', 'reference');
        expect(lang(perAddress)).toBe(l);
        says(perAddress, l, 'tooManyAttempts');
      });

      it(`a refused evidence upload: wrong type by its bytes, a hidden extension (${l})`, async () => {
        const { b, base } = await opened(l);
        const mismatch = await upload(b, `${base}/evidence/gov.policy`, 'policy.pdf', 'not a pdf at all');
        expect(mismatch.status).toBe(415);
        const fragment = await mismatch.text();
        says(fragment, l, 'mismatch', 'back', 'referenceShort');
        // German says what is wrong without the check's English detail.
        if (l === 'de') expect(fragment).not.toMatch(/\(the |content is not/);

        const hidden = await upload(b, `${base}/evidence/gov.policy`, 'invoice.exe.pdf', '%PDF-1.4', false);
        expect(hidden.status).toBe(422);
        const page = await hidden.text();
        expect(lang(page)).toBe(l);
        expect(h1(page)).toBe(T[l].refusedTitle);
        says(page, l, 'doubleExt', 'back', 'reference');
      });

      it(`an offline import: a rejected row, an empty file; the cell stays inert text (${l})`, async () => {
        const { b, base } = await opened(l);
        const records: string[][] = parse(await (await b.get(`${base}/export.csv`)).text(), {
          bom: true,
          relax_column_count: true,
        });
        const header = records.findIndex((r) => r.includes('question_id') && r.includes('answer'));
        const qid = records[header]!.indexOf('question_id');
        const answer = records[header]!.indexOf('answer');
        records.find((r) => r[qid] === 'scope.software')![answer] = 'vielleicht';
        records.find((r) => r[qid] === 'scope.subcontractors')![answer] = '<b>x</b>';
        const report = await upload(b, `${base}/offline`, 'answers.csv', stringify(records), false);
        expect(report.status).toBe(200);
        const html = await report.text();
        expect(lang(html)).toBe(l);
        says(html, l, 'notAllowed');
        expect(html).toMatch(/id="import-rejected"[\s\S]*scope\.software/);
        expect(html).not.toContain('<b>x</b>');
        expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');

        const empty = await upload(b, `${base}/offline`, 'empty.csv', '', false);
        expect(empty.status).toBe(422);
        says(await empty.text(), l, 'empty');
      });

      it(`field marks: required, and an invalid value next to its field (${l})`, async () => {
        const { b, base } = await opened(l);
        const section = await (await b.get(`${base}/s/scope`)).text();
        says(section, l, 'required');
        const refused = await b.post(`${base}/s/scope`, {
          'scope.service_type': 'bogus',
          '_rev.scope.service_type': '0',
        });
        expect(refused.status).toBe(422);
        const html = await refused.text();
        expect(lang(html)).toBe(l);
        says(html, l, 'notAnOption');
      });

      it(`the submitted 409, as a fragment and as a page (${l})`, async () => {
        const { b, base, assessmentId } = await opened(l);
        // One answer moves it to in progress, from where it can be submitted.
        const first = await b.post(
          `${base}/answer/scope.security_contact`,
          { 'scope.security_contact': 'x', '_rev.scope.security_contact': '0' },
          HX,
        );
        expect(first.status).toBe(200);
        await ts.store
          .tenant(tenantId)
          .write((tx) =>
            repo.transitionAssessment(
              tx,
              assessmentId,
              ['in_progress'],
              'submitted',
              { submittedAt: now },
              now,
            ),
          );
        const fragment = await b.post(
          `${base}/answer/scope.security_contact`,
          { 'scope.security_contact': 'y', '_rev.scope.security_contact': '1' },
          HX,
        );
        expect(fragment.status).toBe(409);
        says(await fragment.text(), l, 'submitted', 'referenceShort');
        // Refused before the route picks a language, and without the last session's cookie: the
        // session's own assessment decides.
        b.jar.delete(VENDOR_LANG_COOKIE);
        const page = await b.post(`${base}/offline`, {});
        expect(page.status).toBe(409);
        const html = await page.text();
        expect(lang(html)).toBe(l);
        // Titled by what happened, not "Something went wrong" (the page's <title> and its heading).
        expect(h1(html)).toBe(T[l].submittedTitle);
        expect(title(html)).toContain(T[l].submittedTitle);
        says(html, l, 'submitted', 'reference');
        // The plain form post of a section (no JavaScript) says the same.
        const section = await b.post(`${base}/s/scope`, {
          'scope.security_contact': 'z',
          '_rev.scope.security_contact': '1',
        });
        expect(section.status).toBe(409);
        const sectionHtml = await section.text();
        expect(h1(sectionHtml)).toBe(T[l].submittedTitle);
        expect(title(sectionHtml)).toContain(T[l].submittedTitle);
      });

      it(`a POST-only address opened by GET (CSRF-03): 405 with Allow: POST, nothing changed (${l})`, async () => {
        const { b, base, assessmentId, link } = await opened(l);
        const before = await ts.store.tenant(tenantId).read((c) => repo.getAssessment(c, assessmentId));
        const res = await b.get(`${base}/submit?confirm=1`);
        expect(res.status).toBe(405);
        expect(res.headers.get('Allow')).toBe('POST');
        const html = await res.text();
        expect(lang(html)).toBe(l);
        expect(h1(html)).toBe(T[l].postOnlyTitle);
        expect(title(html)).toContain(T[l].postOnlyTitle);
        says(html, l, 'postOnly');
        // Every POST-only address of the vendor side, by GET, HEAD, PUT and DELETE.
        const postOnly = [
          `${base}/sign-out`,
          `${base}/submit-code`,
          `${base}/submit`,
          `${base}/answer/scope.security_contact`,
          `${base}/offline/apply`,
          `${base}/evidence/scope.security_contact`,
          `${base}/evidence/scope.security_contact/${crypto.randomUUID()}/remove`,
          `${link}/fresh`,
          `${link}/code`,
        ];
        for (const path of postOnly)
          for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
            const r = await b.send(path, { method });
            expect(r.status, `${method} ${path}`).toBe(405);
            expect(r.headers.get('Allow'), `${method} ${path}`).toBe('POST');
          }
        // An htmx GET gets the fragment, in the same language.
        const fragment = await b.get(`${base}/answer/scope.security_contact`, HX);
        expect(fragment.status).toBe(405);
        says(await fragment.text(), l, 'postOnly');
        // Still signed in, still open: none of these changed anything.
        expect((await b.get(`${base}/review`)).status).toBe(200);
        const after = await ts.store.tenant(tenantId).read((c) => repo.getAssessment(c, assessmentId));
        expect(after?.status).toBe(before?.status);
        expect(after?.updatedAt).toEqual(before?.updatedAt);
      });

      it(`the ended session's 401, again on reload and as a fragment (${l})`, async () => {
        const { b, base } = await opened(l);
        now = new Date(start.getTime() + 61 * 60_000);
        const ended = await b.get(`${base}/s/scope`);
        expect(ended.status).toBe(401);
        const html = await ended.text();
        expect(lang(html)).toBe(l);
        expect(h1(html)).toBe(T[l].refusedTitle);
        says(html, l, 'ended', 'reference');
        // The session cookie is gone; the page is still in the session's language.
        const again = await b.get(`${base}/s/scope`);
        expect(again.status).toBe(401);
        expect(lang(await again.text())).toBe(l);
        const fragment = await b.post(`${base}/answer/scope.access`, { 'scope.access': 'x' }, HX);
        expect(fragment.status).toBe(401);
        says(await fragment.text(), l, 'ended', 'referenceShort');
      });

      it(`404s: no such section, no such page, an unknown ?lang= (400) (${l})`, async () => {
        const { b, base } = await opened(l);
        const section = await b.get(`${base}/s/nope`);
        expect(section.status).toBe(404);
        const html = await section.text();
        expect(lang(html)).toBe(l);
        expect(h1(html)).toBe(T[l].notFoundTitle);
        expect(html).toContain(`<title>${T[l].notFoundTitle} · Assay</title>`);
        says(html, l, 'noSection', 'reference');
        const page = await b.get(`${base}/nothing/here`);
        expect(page.status).toBe(404);
        const pageHtml = await page.text();
        expect(lang(pageHtml)).toBe(l);
        says(pageHtml, l, 'noPage');
        const badLang = await b.get(`${base}/s/scope?lang=xx`);
        expect(badLang.status).toBe(400);
        const badHtml = await badLang.text();
        expect(lang(badHtml)).toBe(l);
        says(badHtml, l, 'badLang');
        // A download link that is not valid: the portal's language too.
        const file = await b.get('/files/not-a-token');
        expect(file.status).toBe(404);
        const fileHtml = await file.text();
        expect(lang(fileHtml)).toBe(l);
        says(fileHtml, l, 'downloadGone');
      });
    }

    it('an API client still gets the English message', async () => {
      const { b, base } = await opened('de');
      const res = await b.get(`${base}/s/nope`, { Accept: 'application/json' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(T.en.noSection);
    });
  },
  ['sqlite'],
);

it('the words table has every key in German, with no variable part English lacks', () => {
  const parts = (s: string) => new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
  // German names the matching options plainly instead of "A and B".
  const extra: Record<string, string[]> = { 'import.ambiguousChoice': ['options'] };
  for (const [key, en] of Object.entries(MESSAGES_EN)) {
    const de = (MESSAGES_DE as Record<string, string>)[key];
    expect(de, key).toBeTypeOf('string');
    expect(de!.trim(), key).not.toBe('');
    expect(de, key).not.toBe(en);
    for (const part of parts(de!)) expect([...parts(en), ...(extra[key] ?? [])], key).toContain(part);
  }
  expect(Object.keys(MESSAGES_DE).sort()).toEqual(Object.keys(MESSAGES_EN).sort());
  for (const key of Object.keys(MESSAGES_FR)) expect(MESSAGES_EN, key).toHaveProperty([key]);
  const en = words('en');
  const de = words('de');
  for (const key of Object.keys(en) as Array<keyof typeof en>) {
    expect(de[key], key).toBeTypeOf('string');
    // Only the words German writes the same way (or leaves empty on purpose) may equal English.
    if (!['optional', 'applyPre', 'bytes'].includes(key)) expect(de[key], key).not.toBe(en[key]);
  }
});

it('says a keyed message with its parts, never re-reading a part, and keeps English as thrown', () => {
  const said = { key: 'import.notAllowed', params: { token: '{allowed}', allowed: 'yes, no' } };
  expect(say('de', said, 'own')).toBe('„{allowed}“ ist keiner der zulässigen Werte. Zulässig: yes, no.');
  expect(say('en', said, 'own')).toBe('own');
  expect(say('de-AT', said, 'own')).toContain('ist keiner der zulässigen Werte');
  expect(say('de', { key: 'no.such.key' }, 'own')).toBe('own');
  expect(say('de', undefined, 'own')).toBe('own');
  expect(say('fr', { key: 'vendor.noSection' }, 'own')).toBe('Ce questionnaire n’a pas de telle section.');
  expect(say('fr', { key: 'vendor.noQuestion' }, 'own')).toBe('own');
});
