/**
 * The security event log on SQLite and PostgreSQL: failed and throttled sign-ins recorded in every
 * tenant the email belongs to (unknown emails stored nowhere), permission denials written without
 * holding up the 403, the admin's page (filters, keyset pagination, bad filters 400), the CSV export
 * (formula-neutralised), the retention purge, and no email in any row.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import { SECURITY_EVENTS_MIN_DAYS, securityEventsCutoff } from '../../src/db/repo/security-events.js';
import type { Store } from '../../src/db/store.js';
import type { Ports } from '../../src/platform/ports.js';
import { PAGE_SIZE } from '../../src/workspace/security-log.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { PASSWORD, seedMember, seedTenant, signedIn } from './team-support.js';

forEachDialect(
  'security event log',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      platform = await testPlatform(store);
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    });
    afterAll(() => ts.close());

    /** One account that is a member of two tenants (a viewer in `a`, an analyst in `b`). */
    const memberOfTwoTenants = async () => {
      const a = await seedTenant(app, store);
      const b = await seedTenant(app, store);
      const m = await seedMember(platform, a.tenantId, 'viewer');
      await platform.store.tenant(b.tenantId).write(async (tx) => {
        const u = await repo.ensureUser(tx, m.email);
        repo.insertMembership(tx, u.id, 'analyst', new Date());
      });
      return { a, b, m };
    };
    const eventsOf = (tenantId: string) =>
      store.tenant(tenantId).read((c) => repo.listSecurityEvents(c, { limit: 10_000 }));

    it('records a failed sign-in with time and address in every tenant of the email, never the email', async () => {
      const { a, b, m } = await memberOfTwoTenants();
      const res = await browser(app).post(
        '/app/login',
        { email: m.email, password: 'not the password at all' },
        { 'X-Test-Client': '203.0.113.7' },
      );
      expect(res.status).toBe(401);
      for (const t of [a, b]) {
        await vi.waitFor(async () => {
          const events = await eventsOf(t.tenantId);
          expect(events.filter((e) => e.kind === 'sign_in_failed')).toHaveLength(1);
        });
        const [e] = await eventsOf(t.tenantId);
        expect(e).toMatchObject({ kind: 'sign_in_failed', userId: m.userId, address: '203.0.113.7' });
        expect(JSON.stringify(e)).not.toContain('@');
      }
      // An unknown email is only counted: the same answer, and no tenant stores anything.
      const unknown = await browser(app).post('/app/login', {
        email: 'ghost@nowhere.example',
        password: PASSWORD,
      });
      expect(unknown.status).toBe(401);
    });

    it('gives an unknown email the same status and body as a known one', async () => {
      const a = await seedTenant(app, store);
      const known = await browser(app).post('/app/login', {
        email: a.adminEmail,
        password: 'wrong password 123',
      });
      const unknown = await browser(app).post('/app/login', {
        email: 'ghost@x.example',
        password: 'wrong password 123',
      });
      expect(known.status).toBe(unknown.status);
      const strip = (s: string) =>
        s
          .replace(/nonce="[^"]+"/g, '')
          .replace(/value="[^"]*"/g, '')
          .replace(/[0-9a-f-]{36}/g, '');
      expect(strip(await known.text())).toBe(strip(await unknown.text()));
    });

    it('records throttled sign-ins as rate-limit hits', async () => {
      const t = await seedTenant(app, store);
      const address = '203.0.113.99';
      let last = 0;
      for (let i = 0; i < 8 && last !== 429; i++) {
        last = (
          await browser(app).post(
            '/app/login',
            { email: t.adminEmail, password: `wrong ${i} password` },
            {
              'X-Test-Client': address,
            },
          )
        ).status;
      }
      expect(last).toBe(429);
      await vi.waitFor(async () => {
        expect(
          (await eventsOf(t.tenantId)).some((e) => e.kind === 'rate_limited' && e.address === address),
        ).toBe(true);
      });
    });

    const failuresIn = async (tenantId: string) =>
      (await store.tenant(tenantId).read((c) => repo.listAudit(c))).filter(
        (e) => e.action === 'user.sign_in_failed',
      );
    const allEntries = async () => {
      const tenants = await store.as({ system: 'scheduler' }).read((g) => repo.listTenants(g));
      let n = 0;
      for (const t of tenants) n += (await store.tenant(t.id).read((c) => repo.listAudit(c))).length;
      return n;
    };

    it('a wrong password appends user.sign_in_failed (step password) to every tenant of the account: ids and keyed hashes only', async () => {
      const { a, b, m } = await memberOfTwoTenants();
      const res = await browser(app).post(
        '/app/login',
        { email: m.email, password: 'not the password at all' },
        { 'X-Test-Client': '203.0.113.8' },
      );
      expect(res.status).toBe(401);
      for (const t of [a, b]) {
        await vi.waitFor(async () => expect(await failuresIn(t.tenantId)).toHaveLength(1));
        const [e] = await failuresIn(t.tenantId);
        expect(e).toMatchObject({
          actor: 'anonymous',
          target: `user:${m.userId}`,
          data: { step: 'password' },
        });
        // The client as every entry keeps it: a keyed hash, never the address itself.
        expect(e!.ip).toMatch(/^[0-9a-f]{16}$/);
        expect(JSON.stringify(e)).not.toContain('203.0.113.8');
        expect(JSON.stringify(e)).not.toContain('@');
        expect(JSON.stringify(e)).not.toContain('not the password');
      }
      // The right password still signs in (and is its own entry, not a failure).
      expect((await browser(app).post('/app/login', { email: m.email, password: PASSWORD })).status).toBe(
        303,
      );
      expect(await failuresIn(a.tenantId)).toHaveLength(1);
    });

    it('an unknown email adds nothing to any chain (it has no tenant); the same answer as a known one', async () => {
      const a = await seedTenant(app, store);
      const before = await allEntries();
      const unknown = await browser(app).post('/app/login', {
        email: 'nobody-here@nowhere.example',
        password: 'wrong password 123',
      });
      // Then a known one, whose entry is waited for: the unknown one's background work ran before it.
      const known = await browser(app).post('/app/login', {
        email: a.adminEmail,
        password: 'wrong password 123',
      });
      expect(unknown.status).toBe(401);
      expect(known.status).toBe(401);
      await vi.waitFor(async () => expect(await failuresIn(a.tenantId)).toHaveLength(1));
      expect(await allEntries()).toBe(before + 1);
    });

    it('a throttled attempt stays in the security log only: the chain holds the judged failures', async () => {
      const t = await seedTenant(app, store);
      const address = '203.0.113.98';
      let last = 0;
      let judged = 0;
      for (let i = 0; i < 8 && last !== 429; i++) {
        last = (
          await browser(app).post(
            '/app/login',
            { email: t.adminEmail, password: `wrong ${i} password` },
            { 'X-Test-Client': address },
          )
        ).status;
        if (last === 401) judged++;
      }
      expect(last).toBe(429);
      expect(judged).toBeGreaterThan(0);
      await vi.waitFor(async () => {
        expect((await eventsOf(t.tenantId)).some((e) => e.kind === 'rate_limited')).toBe(true);
        expect(await failuresIn(t.tenantId)).toHaveLength(judged);
      });
    });

    it('records a permission denial in the background; the 403 stands', async () => {
      const t = await seedTenant(app, store);
      const v = await seedMember(platform, t.tenantId, 'viewer');
      const viewer = await signedIn(app, v.email);
      const res = await viewer.get('/app/security-log', { 'X-Test-Client': '198.51.100.77' });
      expect(res.status).toBe(403);
      await vi.waitFor(async () => {
        const [e] = (await eventsOf(t.tenantId)).filter((x) => x.kind === 'permission_denied');
        expect(e).toMatchObject({ userId: v.userId, address: '198.51.100.77' });
        expect(e?.data).toMatchObject({
          permission: 'security_log.read',
          method: 'GET',
          path: '/app/security-log',
        });
      });
    });

    it('shows the log to admins with filters and keyset pages; bad filters are 400', async () => {
      const t = await seedTenant(app, store);
      const base = Date.UTC(2031, 0, 10);
      await store.tenant(t.tenantId).write((tx) => {
        for (let i = 0; i < PAGE_SIZE + 7; i++) {
          repo.recordSecurityEvent(tx, {
            kind: i % 2 ? 'code_failed' : 'rate_limited',
            userId: null,
            // A formula in a cell: the export must neutralise it.
            address: i === 0 ? '=HYPERLINK("http://evil.example")' : `192.0.2.${i}`,
            at: new Date(base + i * 60_000),
            data: { n: i },
          });
        }
      });
      const first = await t.admin.get('/app/security-log?from=2031-01-10&to=2031-01-10');
      expect(first.status).toBe(200);
      const html = await first.text();
      expect(html).toContain('Security events, newest first');
      expect((html.match(/<tr>\s*<td><time/g) ?? []).length).toBe(PAGE_SIZE);
      const next = /href="(\/app\/security-log\?[^"]*after=[^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
      expect(next).toBeDefined();
      const second = await (await t.admin.get(next!)).text();
      expect((second.match(/<tr>\s*<td><time/g) ?? []).length).toBe(7);
      expect(second).not.toContain('Older events');
      expect(second).toContain('=HYPERLINK(&quot;http://evil.example&quot;)');

      const codes = await (await t.admin.get('/app/security-log?kind=code_failed&from=2031-01-10')).text();
      expect((codes.match(/Vendor code failed<\/td>/g) ?? []).length).toBe(28);

      for (const bad of [
        '?kind=drop_table',
        '?from=2031-13-01',
        '?from=yesterday',
        '?from=2031-02-30',
        '?from=2031-02-01&to=2031-01-01',
        '?after=1;DROP',
        '?sort=at',
        "?kind=' OR 1=1--",
      ]) {
        const res = await t.admin.get(`/app/security-log${bad}`);
        expect(res.status, bad).toBe(400);
      }

      const csv = await t.admin.get('/app/security-log/export?from=2031-01-10&to=2031-01-10');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('Content-Type')).toContain('text/csv');
      expect(csv.headers.get('Content-Disposition')).toContain('attachment');
      const text = await csv.text();
      expect(text.split('\r\n').filter(Boolean)).toHaveLength(PAGE_SIZE + 7 + 1);
      expect(text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
      expect(text).not.toMatch(/(^|,)"=/m);
      expect((await t.admin.get('/app/security-log/export?kind=nope')).status).toBe(400);
    });

    it('purges events older than the cut-off, never younger than 90 days', async () => {
      const t = await seedTenant(app, store);
      const other = await seedTenant(app, store);
      const now = new Date('2032-06-01T00:00:00Z');
      const day = 24 * 60 * 60_000;
      for (const tenant of [t, other]) {
        await store.tenant(tenant.tenantId).write((tx) => {
          for (const age of [200, 91, 89, 1]) {
            repo.recordSecurityEvent(tx, {
              kind: 'sign_in_failed',
              userId: null,
              address: null,
              at: new Date(now.getTime() - age * day),
            });
          }
        });
      }
      expect(securityEventsCutoff(now, 30).getTime()).toBe(now.getTime() - SECURITY_EVENTS_MIN_DAYS * day);
      await store.tenant(t.tenantId).write((tx) => repo.purgeSecurityEvents(tx, securityEventsCutoff(now)));
      const left = (await eventsOf(t.tenantId)).filter((e) => e.at.getUTCFullYear() >= 2031);
      expect(left).toHaveLength(2);
      expect(await eventsOf(other.tenantId)).toHaveLength(4);
    });
  },
  ['sqlite', 'pg'],
);
