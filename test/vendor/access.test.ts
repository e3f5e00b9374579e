/**
 * Getting a vendor in (security.md §1, §3, §7): the interstitial changes nothing (ML-01), a link is
 * spent once (ML-02), tampered or foreign tokens show one neutral page (ML-13/14), fresh access answers
 * the same whatever the address (ML-17), revokes older links (ML-18), and its code works only in the
 * asking browser (ML-20), at most 5 tries per code and 10 per assessment and day (OTP-01), 10 minutes
 * (OTP-06); sessions rotate on every redemption (SES-01) with the right cookie flags (SES-02).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { hashToken } from '../../src/auth/tokens.js';
import { getAssessment, transitionAssessment } from '../../src/db/repo/assessments.js';
import { listSecurityEvents } from '../../src/db/repo/security-events.js';
import { getSession } from '../../src/db/repo/sessions.js';
import { listVendorLinks } from '../../src/db/repo/vendor-links.js';
import { listVendors } from '../../src/db/repo/vendors.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import type { Ports } from '../../src/platform/ports.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastCodeTo, lastLinkTo, outbox, seedTenant, send } from '../support/assessments.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
const html = (r: Response) => r.text();
/** A page without what differs per request (nonce, request id), to compare two answers. */
const normalise = (s: string) =>
  s.replace(/nonce-[^']+'|nonce="[^"]+"/g, 'N').replace(/[0-9a-f-]{36}/g, 'ID');

forEachDialect(
  'vendor access',
  (dialect: Dialect) => {
    let ts: TestStore;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let tenantId: string;
    let now = new Date('2030-03-01T10:00:00Z');

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      tenantId = await seedTenant(ts.store, 'Acme', now);
    }, 120_000);
    afterAll(() => ts.close());
    beforeEach(async () => {
      now = new Date(now.getTime() + 24 * 3_600_000);
      platform = await testPlatform(ts.store, { now: () => now, rateLimits: new MemoryRateLimitStore() });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    });

    const links = (aid: string) => ts.store.tenant(tenantId).read((c) => listVendorLinks(c, aid));

    it('sends: vendor and contact created once, the version pinned, one invitation with the link', async () => {
      const a = await send(platform, tenantId, {
        dueDate: '2030-04-30',
        context: ['scope.criticality=critical'],
      });
      expect(a.vendorCreated).toBe(true);
      const b = await send(platform, tenantId, { contactEmail: 'Jane@Widgets.EXAMPLE' });
      expect(b.vendorCreated).toBe(false);
      expect(b.contactCreated).toBe(false);
      expect(await ts.store.tenant(tenantId).read((c) => listVendors(c))).toHaveLength(1);
      const row = await ts.store.tenant(tenantId).read((c) => getAssessment(c, a.assessmentId));
      expect(row).toMatchObject({
        status: 'sent',
        dueDate: '2030-04-30',
        context: { 'scope.criticality': 'critical' },
      });
      expect(a.questionnaireRef).toMatch(/^nis2-supplier@\d+\.\d+\.\d+$/);
      const mail = (await outbox(ts.store)).filter((m) => m.dedupeKey.startsWith('invite:'));
      expect(mail.length).toBeGreaterThanOrEqual(2);
      const text = mail[0]!.textBody;
      expect(text).toContain('Acme asks Widgets GmbH');
      expect(text).toContain('Please answer by 30 April 2030');
      expect(text).toContain(`a genuine link starts exactly with\n${BASE_URL}/`);
      expect(text).toContain('never asks for your password');
      expect(mail[0]!.htmlBody).toContain('Widgets GmbH');
    });

    it('sends to the same new vendor concurrently: one vendor, one contact, every send queued', async () => {
      const sends = await Promise.all(
        Array.from({ length: 3 }, () =>
          send(platform, tenantId, { vendorName: 'Racing Ltd', contactEmail: 'ops@racing.example' }),
        ),
      );
      expect(new Set(sends.map((x) => x.vendorId)).size).toBe(1);
      const vendors = await ts.store.tenant(tenantId).read((c) => listVendors(c));
      expect(vendors.filter((v) => v.name === 'Racing Ltd')).toHaveLength(1);
      expect((await outbox(ts.store)).filter((m) => m.toAddress === 'ops@racing.example')).toHaveLength(3);
    });

    it.each([
      [{ questionnaire: 'no-such-thing' }, /neither published/],
      [{ questionnaire: 'NIS2 supplier' }, /not a questionnaire id/],
      [{ questionnaire: 'nis2-supplier@9.9.9' }, /neither published/],
      [{ dueDate: '2020-01-01' }, /in the past/],
      [{ dueDate: '2030-02-30' }, /not a calendar date/],
      [{ dueDate: 'tomorrow' }, /YYYY-MM-DD/],
      [{ linkHours: 0 }, /1 to 336/],
      [{ linkHours: 10_000 }, /1 to 336/],
      [{ contactEmail: 'not-an-address' }, /contact email: /],
      [{ contactEmail: 'a@b.example\r\nBcc: x@evil.example' }, /contact email: /],
      [{ contactEmail: '"Jane" <jane@widgets.example>' }, /contact email: /],
      [{ contactEmail: 'a@b.example, c@d.example' }, /contact email: /],
      [{ vendorName: 'Bad\nName' }, /line breaks/],
      [{ vendorName: '' }, /Enter a name/],
      [{ context: ['scope.criticality=bogus'] }, /not a valid value/],
      [{ context: ['nope=1'] }, /not a context fact/],
    ])('refuses a bad send %j and writes nothing', async (input, message) => {
      const before = (await outbox(ts.store)).length;
      await expect(send(platform, tenantId, { vendorName: 'Refused Ltd', ...input })).rejects.toThrow(
        message,
      );
      expect((await outbox(ts.store)).length).toBe(before);
      const vendors = await ts.store.tenant(tenantId).read((c) => listVendors(c));
      expect(vendors.map((v) => v.name)).not.toContain('Refused Ltd');
    });

    it('GET and HEAD show the interstitial and change nothing; POST spends the link once — ML-01, ML-02', async () => {
      const { assessmentId } = await send(platform, tenantId, { dueDate: '2030-06-30' });
      const path = await lastLinkTo(ts.store, JANE);
      const b = browser(app);
      for (const method of ['GET', 'HEAD', 'GET']) {
        const res = await app.request(`${BASE_URL}${path}`, { method });
        expect(res.status).toBe(200);
        expect(res.headers.get('set-cookie')).toBeNull();
        expect(res.headers.get('cache-control')).toBe('no-store');
        if (method === 'GET') {
          const body = await html(res);
          expect(body).toContain('Acme asks you to complete a security questionnaire');
          expect(body).toContain('Widgets GmbH');
          expect(body).toContain('2030-06-30');
          expect(body).toContain('ja…@widgets.example');
          expect(body).not.toContain(JANE);
          expect(body).toMatch(/<form method="post"/);
          expect(body).not.toMatch(/<script(?![^>]*src=)/); // no inline auto-submit
        }
      }
      expect((await links(assessmentId))[0]!.consumedAt).toBeNull();

      const first = await b.post(path, {});
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe(`/v/a/${assessmentId}`);
      const cookie = first.headers.getSetCookie().find((c) => c.startsWith('__Host-assay-vendor='))!;
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).not.toMatch(/Domain=/i);
      const token = b.jar.get('__Host-assay-vendor')!;
      const session = await ts.store
        .as({ sessionId: hashToken(token) })
        .read((c) => getSession(c, hashToken(token)));
      expect(session).toMatchObject({ kind: 'vendor', tenantId, assessmentId });

      const again = await browser(app).post(path, {});
      expect(again.status).toBe(410);
      expect(await html(again)).toContain('This link has already been used');
      expect((await links(assessmentId)).filter((l) => l.consumedAt)).toHaveLength(1);
    });

    it('spends a link exactly once under concurrent redemptions — ML-02', async () => {
      const { assessmentId } = await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const results = await Promise.all(Array.from({ length: 6 }, () => browser(app).post(path, {})));
      expect(results.map((r) => r.status).sort()).toEqual([303, 410, 410, 410, 410, 410]);
      const sessions = results.flatMap((r) =>
        r.headers.getSetCookie().filter((c) => c.startsWith('__Host-assay-vendor=')),
      );
      expect(sessions).toHaveLength(1);
      expect((await links(assessmentId)).filter((l) => l.consumedAt)).toHaveLength(1);
    });

    it('ends the vendor session the browser brought when a link is redeemed — SES-01', async () => {
      await send(platform, tenantId);
      const b = browser(app);
      await b.post(await lastLinkTo(ts.store, JANE), {});
      const planted = b.jar.get('__Host-assay-vendor')!;
      await send(platform, tenantId);
      await b.post(await lastLinkTo(ts.store, JANE), {});
      const fresh = b.jar.get('__Host-assay-vendor')!;
      expect(fresh).not.toBe(planted);
      const old = await ts.store
        .as({ sessionId: hashToken(planted) })
        .read((c) => getSession(c, hashToken(planted)));
      expect(old).toBeNull();
    });

    it('shows one neutral page for any token that is not ours or names nothing — ML-13, ML-14', async () => {
      await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const [h, p, s] = path.slice(3).split('.') as [string, string, string];
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      const edited = Buffer.from(
        JSON.stringify({ ...payload, aid: '00000000-0000-4000-8000-000000000000' }),
      ).toString('base64url');
      const bad = [
        `/v/${h}.${edited}.${s}`,
        `/v/${h}.${p}.${s.slice(0, -4)}AAAA`,
        '/v/a.b.c',
        `/v/${'x'.repeat(3000)}.y.z`,
      ];
      const bodies = new Set<string>();
      for (const url of bad) {
        for (const method of ['GET', 'POST']) {
          const res = await browser(app)[method === 'GET' ? 'get' : 'post'](url, {});
          expect(res.status, `${method} ${url.slice(0, 40)}`).toBe(404);
          bodies.add(normalise(await html(res)).replace(/<form[\s\S]*?<\/form>/g, ''));
        }
      }
      expect(bodies.size).toBe(1);
      expect([...bodies][0]).toContain('This link is not valid');
      expect((await browser(app).get('/v/not-a-token')).status).toBe(404);
    });

    it('refuses a cross-site POST and a state change by GET', async () => {
      const { assessmentId } = await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const res = await app.request(`${BASE_URL}${path}`, {
        method: 'POST',
        headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      });
      expect(res.status).toBe(403);
      expect((await links(assessmentId))[0]!.consumedAt).toBeNull();
    });

    it('fresh access: same answer whatever the address, new link and code, older links revoked — ML-17, ML-18', async () => {
      const { assessmentId } = await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      await browser(app).post(path, {}); // a scanner spends it
      const mailsBefore = (await outbox(ts.store)).length;
      const gone = await browser(app).get(path);
      expect(gone.status).toBe(410);
      expect(await html(gone)).toContain('Get new access');

      const miss = await browser(app).post(`${path}/fresh`, { email: 'someone@else.example' });
      const hit = await browser(app).post(`${path}/fresh`, { email: ' Jane@Widgets.example ' });
      expect(miss.status).toBe(hit.status);
      expect(normalise(await html(miss))).toBe(normalise(await html(hit)));
      expect(miss.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(
        hit.headers.getSetCookie().map((c) => c.split('=')[0]),
      );
      const mails = await outbox(ts.store);
      expect(mails.length).toBe(mailsBefore + 1);
      expect(mails.at(-1)!.toAddress).toBe(JANE);
      expect(mails.at(-1)!.textBody).toMatch(/Your code: \d{6}/);

      // The new link works; asking again revokes it before it is used.
      const newer = await lastLinkTo(ts.store, JANE);
      expect(newer).not.toBe(path);
      const b = browser(app);
      await b.post(`${path}/fresh`, { email: JANE });
      const newest = await lastLinkTo(ts.store, JANE);
      expect((await browser(app).post(newer, {})).status).toBe(410);
      expect((await b.post(newest, {})).status).toBe(303);
      const rows = await links(assessmentId);
      expect(rows.filter((l) => l.revokedAt)).toHaveLength(1);
    });

    it('the code opens a session only in the browser that asked, once — ML-20, OTP-07', async () => {
      const { assessmentId } = await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      await browser(app).post(path, {});
      const asker = browser(app);
      await asker.post(`${path}/fresh`, { email: JANE });
      const code = await lastCodeTo(ts.store, JANE);

      // Another browser (no pending cookie, or its own) cannot use it.
      expect((await browser(app).post(`${path}/code`, { code })).status).toBe(400);
      const other = browser(app);
      await other.post(`${path}/fresh`, { email: 'wrong@else.example' });
      expect((await other.post(`${path}/code`, { code })).status).toBe(400);

      const ok = await asker.post(`${path}/code`, { code: `${code.slice(0, 3)} ${code.slice(3)}` });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe(`/v/a/${assessmentId}`);
      expect(asker.jar.get('__Host-assay-vendor')).toBeTruthy();
      expect(asker.jar.has('__Host-assay-pending')).toBe(false);
      expect((await asker.post(`${path}/code`, { code })).status).toBe(400);
    });

    it('locks a code after 5 wrong tries, and a new code does not reset the daily count — OTP-01', async () => {
      await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const b = browser(app);
      await b.post(`${path}/fresh`, { email: JANE });
      const code = await lastCodeTo(ts.store, JANE);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const r = await b.post(`${path}/code`, { code: wrong });
        expect(r.status).toBe(422);
      }
      expect((await b.post(`${path}/code`, { code })).status).toBe(429);

      // Typing at the dead code is no guess and spends nothing of the day.
      expect((await b.post(`${path}/code`, { code: wrong })).status).toBe(429);

      // A new code: its 5 tries fit in the day's 10 (5 + 5; the refused ones did not count), then the day
      // is used up, whatever code comes next. A second later, so each code's mail sorts after the last.
      now = new Date(now.getTime() + 1000);
      await b.post(`${path}/fresh`, { email: JANE });
      const second = await lastCodeTo(ts.store, JANE);
      const wrong2 = second === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) expect((await b.post(`${path}/code`, { code: wrong2 })).status).toBe(422);
      now = new Date(now.getTime() + 1000);
      await b.post(`${path}/fresh`, { email: JANE });
      const third = await lastCodeTo(ts.store, JANE);
      const day = await b.post(`${path}/code`, { code: third });
      expect(day.status).toBe(429);
      expect(await day.text()).toContain('Too many codes were tried for this assessment today');
      expect(b.jar.get('__Host-assay-vendor')).toBeFalsy();
    });

    it('counts malformed codes toward the 5 tries per code: the right one after them is refused — OTP-01', async () => {
      await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const b = browser(app);
      await b.post(`${path}/fresh`, { email: JANE });
      const code = await lastCodeTo(ts.store, JANE);
      const wrong = ['000000', '111111', '222222'].filter((c) => c !== code).slice(0, 2);
      for (const bad of ['abc', '12345', '%00', ...wrong])
        expect((await b.post(`${path}/code`, { code: bad })).status, bad).toBe(422);
      expect((await b.post(`${path}/code`, { code })).status).toBe(429);
      expect(b.jar.get('__Host-assay-vendor')).toBeFalsy();
    });

    it('records wrong, malformed and throttled codes in the security log: ids and a client hash only', async () => {
      const { assessmentId } = await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const b = browser(app);
      const client = { 'X-Test-Client': '203.0.113.45' };
      await b.post(`${path}/fresh`, { email: JANE }, client);
      const code = await lastCodeTo(ts.store, JANE);
      const wrong = code === '000000' ? '111111' : '000000';
      expect((await b.post(`${path}/code`, { code: 'abc' }, client)).status).toBe(422);
      // The malformed one was the first of the code's 5 tries.
      for (let i = 0; i < 4; i++) await b.post(`${path}/code`, { code: wrong }, client);
      expect((await b.post(`${path}/code`, { code }, client)).status).toBe(429);
      const mine = async () =>
        (await ts.store.tenant(tenantId).read((c) => listSecurityEvents(c, { limit: 10_000 }))).filter(
          (e) => e.data.assessment === assessmentId,
        );
      await vi.waitFor(async () => {
        const events = await mine();
        expect(
          events
            .filter((e) => e.kind === 'code_failed')
            .map((e) => e.data.reason)
            .sort(),
        ).toEqual(['malformed', 'wrong', 'wrong', 'wrong', 'wrong']);
        expect(events.filter((e) => e.kind === 'rate_limited').map((e) => e.data.reason)).toEqual([
          'tries_per_code',
        ]);
      });
      const events = await mine();
      // One client, one keyed hash; never the address itself, the code or the email.
      expect(new Set(events.map((e) => e.address)).size).toBe(1);
      expect(events[0]!.address).toMatch(/^hmac:[A-Za-z0-9_-]{22}$/);
      const all = JSON.stringify(events);
      for (const secret of [code, wrong, '203.0.113.45', JANE, '@']) expect(all).not.toContain(secret);
      expect(events.every((e) => e.userId === null && e.data.via === 'access_code')).toBe(true);
    });

    it('records a per-address limit hit on a link in the tenant the token names', async () => {
      const { assessmentId } = await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const client = { 'X-Test-Client': '203.0.113.46' };
      let last = 0;
      for (let i = 0; i < 31 && last !== 429; i++)
        last = (await browser(app).post(`${path}/code`, { code: '123456' }, client)).status;
      expect(last).toBe(429);
      await vi.waitFor(async () => {
        const events = await ts.store.tenant(tenantId).read((c) => listSecurityEvents(c, { limit: 10_000 }));
        expect(
          events.some(
            (e) =>
              e.kind === 'rate_limited' &&
              e.data.via === 'access_code' &&
              e.data.assessment === assessmentId &&
              !e.data.reason,
          ),
        ).toBe(true);
      });
    });

    it('refuses a code after 10 minutes and bad code input — OTP-06', async () => {
      await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const b = browser(app);
      await b.post(`${path}/fresh`, { email: JANE });
      const code = await lastCodeTo(ts.store, JANE);
      for (const bad of ['', '12345', '1234567', 'abcdef', '１２３４５６']) {
        expect((await b.post(`${path}/code`, { code: bad })).status).toBe(422);
      }
      // NUL bytes are refused by the form reader itself.
      expect((await b.post(`${path}/code`, { code: `${code}\u0000` })).status).toBe(400);
      now = new Date(now.getTime() + 10 * 60_000 + 1000);
      expect((await b.post(`${path}/code`, { code })).status).toBe(400);
    });

    it('limits fresh-access requests per assessment — ML-18', async () => {
      await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        statuses.push(
          (
            await browser(app).post(
              `${path}/fresh`,
              { email: 'x@y.example' },
              { 'X-Test-Client': `198.51.100.${i}` },
            )
          ).status,
        );
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429]);
    });

    it('refuses a bad fresh-access form without mailing anything', async () => {
      await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      const before = (await outbox(ts.store)).length;
      for (const email of ['', 'no-at-sign', 'a'.repeat(400)]) {
        expect((await browser(app).post(`${path}/fresh`, { email })).status).toBe(422);
      }
      expect((await outbox(ts.store)).length).toBe(before);
    });

    it.each([
      ['revoked', 'This request was withdrawn'],
      ['cancelled', 'This request was withdrawn'],
      ['submitted', 'This questionnaire has been submitted'],
    ] as const)('a %s assessment shows why it is closed and gives no session', async (status, heading) => {
      const { assessmentId } = await send(platform, tenantId);
      const path = await lastLinkTo(ts.store, JANE);
      await ts.store.tenant(tenantId).write((tx) => transitionAssessment(tx, assessmentId, ['sent'], status));
      const res = await browser(app).get(path);
      expect(res.status).toBe(410);
      const page = await html(res);
      expect(page).toContain(heading);
      expect(page).not.toContain(heading.includes('withdrawn') ? 'has been submitted' : 'withdrawn');
      expect((await browser(app).post(path, {})).status).toBe(410);
      expect((await browser(app).post(`${path}/fresh`, { email: JANE })).status).toBe(409);
    });

    it('an expired link can still ask for fresh access — ML-09', async () => {
      const { assessmentId } = await send(platform, tenantId, { linkHours: 1 });
      const path = await lastLinkTo(ts.store, JANE);
      now = new Date(now.getTime() + 2 * 3_600_000);
      const res = await browser(app).get(path);
      expect(res.status).toBe(410);
      expect(await html(res)).toContain('This link has expired');
      expect((await browser(app).post(path, {})).status).toBe(410);
      const b = browser(app);
      await b.post(`${path}/fresh`, { email: JANE });
      expect((await b.post(`${path}/code`, { code: await lastCodeTo(ts.store, JANE) })).status).toBe(303);
      expect((await links(assessmentId)).find((l) => l.purpose === 'invite')!.revokedAt).not.toBeNull();
    });
  },
  ['sqlite', 'pg', 'd1'],
);

/*
 * On SQLite one process runs a redemption's read and its write without another redemption in between
 * (nothing but the database is awaited between them), so concurrent POSTs in one process no longer
 * reach the guard there. A second server on the same file can still spend the link in that gap: here a
 * second connection does, right after the redemption's read, and the guarded UPDATE must refuse it.
 */
describe('vendor access [sqlite, two connections]', () => {
  it('a link spent by another server between the read and the write is not spent again — ML-02', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ml02-'));
    const file = path.join(dir, 'assay.db');
    let spendAfterRead = false;
    let other: Database.Database | null = null;
    const store = openSqliteStore({
      file,
      onStatement: (sql) => {
        // The observer runs just before the statement; the microtask runs right after it (same tick).
        if (spendAfterRead && sql.startsWith('select "vendor_links"."jti"')) {
          spendAfterRead = false;
          queueMicrotask(() => {
            other!
              .prepare('UPDATE vendor_links SET consumed_at = ? WHERE consumed_at IS NULL')
              .run(Date.now());
          });
        }
      },
    });
    try {
      const now = new Date('2030-03-01T10:00:00Z');
      const tenantId = await seedTenant(store, 'Acme', now);
      const platform = await testPlatform(store, { now: () => now, rateLimits: new MemoryRateLimitStore() });
      const app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
      const { assessmentId } = await send(platform, tenantId);
      const link = await lastLinkTo(store, JANE);
      other = new Database(file);
      other.pragma('busy_timeout = 5000');
      spendAfterRead = true;
      const res = await browser(app).post(link, {});
      expect(spendAfterRead).toBe(false);
      expect(res.status).toBe(410);
      expect(res.headers.getSetCookie().filter((c) => c.startsWith('__Host-assay-vendor='))).toHaveLength(0);
      const rows = await store.tenant(tenantId).read((c) => listVendorLinks(c, assessmentId));
      expect(rows.filter((l) => l.consumedAt)).toHaveLength(1);
      const opened = await store.tenant(tenantId).read((c) => getAssessment(c, assessmentId));
      expect(opened?.status).toBe('sent');
    } finally {
      other?.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
