/**
 * Where vendors may comment (issue 7: "where the tenant allows it, a comment field"), on SQLite and
 * PostgreSQL: the tenant's setting, fixed on each assessment when it is sent; with "every question" the
 * portal offers, saves and the review shows a comment on a question that declares none, while an
 * assessment sent before the change keeps the questionnaire's own comment fields only.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { getAssessment } from '../../src/db/repo/assessments.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import type { Ports } from '../../src/platform/ports.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { storedAnswers, vendorSession } from '../support/vendor.js';
import { seedTenant } from '../workspace/team-support.js';

const HX = { 'HX-Request': 'true' };

forEachDialect(
  'vendor comments: the tenant setting',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let platform: Ports;
    const now = new Date();
    let app: ReturnType<typeof createApp>;

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      platform = await testPlatform(store, { now: () => now });
      await ensureSigningKeys(store, TEST_MASTER_KEY, now);
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    }, 60_000);
    afterAll(() => ts.close());

    const send = async (admin: Awaited<ReturnType<typeof seedTenant>>['admin'], vendorName: string) => {
      const res = await admin.post('/app/assessments/new', {
        questionnaire: 'dora-ict-provider@3.0.0',
        vendorName,
        contactEmail: `ops@${vendorName.toLowerCase()}.example`,
        dueDate: '2030-03-20',
        linkHours: '48',
        'ctx.scope.function': 'critical',
      });
      expect(res.status).toBe(303);
      return /\/app\/assessments\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
    };
    const vendorOf = async (tenantId: string, assessmentId: string) => {
      const a = (await store.tenant(tenantId).read((c) => getAssessment(c, assessmentId)))!;
      const b = browser(app);
      b.jar.set(
        VENDOR_COOKIE,
        await vendorSession(store, { tenantId, assessmentId, contactId: a.contactId }, now),
      );
      return { a, b, base: `/v/a/${assessmentId}` };
    };
    const save = (b: ReturnType<typeof browser>, base: string, key: string, value: string) =>
      b.send(`${base}/answer/${encodeURIComponent(key)}`, {
        method: 'POST',
        body: new URLSearchParams({ [`_rev.${key}`]: '0', [key]: value }).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...HX },
      });

    it('"every question": fixed at sending; the portal offers and saves the comment, the review shows it', async () => {
      const t = await seedTenant(app, store, 'Acme');
      const page = await (await t.admin.get('/app/settings')).text();
      expect(page).toContain('name="vendorComments"');
      expect(page).toMatch(/<option value="questionnaire" selected>/);
      const before = await send(t.admin, 'Before');

      const saved = await t.admin.post('/app/settings', {
        tenantName: 'Acme',
        linkTtlHours: '72',
        vendorComments: 'every',
      });
      expect(saved.status).toBe(303);
      const tenant = await store.tenant(t.tenantId).read(repo.getTenantWithSettings);
      expect(tenant?.settings).toMatchObject({ vendorComments: 'every', linkTtlHours: 72 });
      expect(await (await t.admin.get('/app/settings')).text()).toMatch(/<option value="every" selected>/);
      const log = await store.tenant(t.tenantId).read((c) => repo.listAudit(c));
      expect(log.find((e) => e.action === 'tenant.settings_changed')?.data).toMatchObject({
        vendor_comments: 'every',
      });
      const after = await send(t.admin, 'After');

      // Sent after the change: scope.model declares no comment, yet takes one.
      const v = await vendorOf(t.tenantId, after);
      expect(v.a.commentsEverywhere).toBe(true);
      const scope = await (await v.b.get(`${v.base}/s/scope`)).text();
      expect(scope).toContain('name="scope.model#comment"');
      const ok = await save(v.b, v.base, 'scope.model#comment', 'Hosted <b>in</b> our own data centre.');
      expect(ok.status).toBe(200);
      expect(
        (await storedAnswers(store, { tenantId: t.tenantId, assessmentId: after }))['scope.model#comment'],
      ).toMatchObject({
        value: 'Hosted <b>in</b> our own data centre.',
        revision: 1,
      });
      const tooLong = await save(v.b, v.base, 'scope.lei#comment', 'x'.repeat(4001));
      expect(tooLong.status).toBe(422);
      // The buyer's review shows it, escaped.
      const review = await (await t.admin.get(`/app/assessments/${after}/review`)).text();
      expect(review).toContain('Hosted &lt;b&gt;in&lt;/b&gt; our own data centre.');
      const sentEntry = log.length; // entries so far; the second send's entry names the policy
      const entries = await store.tenant(t.tenantId).read((c) => repo.listAudit(c));
      expect(entries.slice(sentEntry - 1).find((e) => e.action === 'assessment.sent')?.data).toMatchObject({
        comments: 'every',
      });

      // Sent before the change: the questionnaire's own comment fields only, the setting moves nothing.
      const w = await vendorOf(t.tenantId, before);
      expect(w.a.commentsEverywhere).toBe(false);
      expect(await (await w.b.get(`${w.base}/s/scope`)).text()).not.toContain('name="scope.model#comment"');
      expect((await save(w.b, w.base, 'scope.model#comment', 'x')).status).toBe(404);
      expect(await storedAnswers(store, { tenantId: t.tenantId, assessmentId: before })).not.toHaveProperty(
        'scope.model#comment',
      );
    });

    it('refuses a bad choice with 422 and changes nothing; an old form without the field keeps it', async () => {
      const t = await seedTenant(app, store, 'Stable');
      const bad = await t.admin.post('/app/settings', {
        tenantName: 'Stable',
        linkTtlHours: '72',
        vendorComments: 'everywhere',
      });
      expect(bad.status).toBe(422);
      expect(await bad.text()).toContain('href="#field-vendorComments"');
      expect((await store.tenant(t.tenantId).read(repo.getTenantWithSettings))?.settings).toEqual({});
      await t.admin.post('/app/settings', {
        tenantName: 'Stable',
        linkTtlHours: '72',
        vendorComments: 'every',
      });
      const old = await t.admin.post('/app/settings', { tenantName: 'Stable', linkTtlHours: '24' });
      expect(old.status).toBe(303);
      expect((await store.tenant(t.tenantId).read(repo.getTenantWithSettings))?.settings).toEqual({
        linkTtlHours: 24,
        vendorComments: 'every',
      });
    });
  },
  ['sqlite', 'pg'],
);
