/**
 * The dashboard at /app (issue 8) on every driver, through app.request() with a member session: its one
 * statement of grouped counts (vendors by tier, assessments by status with the overdue ones, risks by status
 * and cell), the overdue list, an ended acceptance re-opened before the page shows it, and the tenant scope.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import type { ASSESSMENT_STATUSES } from '../../src/db/tables.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { type VendorFixture, vendorFixture } from '../support/vendor.js';
import { finding, member, raise } from './support.js';

forEachDialect('dashboard', (dialect) => {
  let ts: TestStore;
  let f: VendorFixture;
  let app: ReturnType<typeof createApp>;
  const now = new Date('2030-03-01T10:00:00Z');

  /** Another vendor (tier `tier`) and assessments of the given status and due day for it. */
  async function seedTenant(tenantId: string, fixture: VendorFixture, tier: 'critical' | 'low') {
    await ts.store.tenant(tenantId).write((tx) => {
      const v = repo.insertVendor(tx, { name: `Vendor ${tier}`, tier }, now);
      const rows: [(typeof ASSESSMENT_STATUSES)[number], string | null][] = [
        ['sent', '2030-01-15'],
        ['in_progress', '2030-02-01'],
        ['submitted', '2030-01-01'], // past its day, but no longer with the vendor
        ['sent', '2030-06-01'],
        ['sent', null],
      ];
      for (const [status, dueDate] of rows)
        repo.insertAssessment(
          tx,
          {
            vendorId: v.id,
            contactId: fixture.contactId,
            questionnaireVersionId: fixture.questionnaireVersionId,
            status,
            dueDate,
          },
          now,
        );
    });
  }

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    f = await vendorFixture(ts.store, { tenantName: 'Dash', now });
    const other = await vendorFixture(ts.store, { tenantName: 'Other', now });
    app = createApp(await testPlatform(ts.store, { now: () => now }), {
      config: { baseUrl: BASE_URL, env: 'test' },
    });
    await seedTenant(f.tenantId, f, 'critical');
    // The other tenant has as much again, and more risks: none of it may show in the first one's counts.
    await seedTenant(other.tenantId, other, 'low');
    await raise(
      ts.store,
      other.tenantId,
      other.vendorId,
      other.assessmentId,
      ['X', 'Y', 'Z'].map((id) => finding(id, { likelihood: 5, impact: 5 })),
      now,
    );
  }, 120_000);
  afterAll(() => ts.close());

  it('counts vendors, assessments, overdue ones and risks of the tenant only, and re-opens an ended acceptance', async () => {
    const raised = await raise(
      ts.store,
      f.tenantId,
      f.vendorId,
      f.assessmentId,
      [
        finding('A', { likelihood: 5, impact: 5 }),
        finding('B', { likelihood: 5, impact: 5 }),
        finding('C', { likelihood: 1, impact: 2 }),
        finding('D', { likelihood: 3, impact: 4 }),
      ],
      now,
    );
    const byKey = new Map(
      (await ts.store.tenant(f.tenantId).read((c) => repo.listRisks(c))).map((r) => [r.findingKey, r]),
    );
    expect(raised.created).toHaveLength(4);
    const b = byKey.get('nis2-supplier/B')!;
    await ts.store.tenant(f.tenantId).write((tx) => {
      const c = byKey.get('nis2-supplier/C')!;
      repo.updateRisk(tx, c.id, { status: 'closed', closedAt: now }, now, c.version);
      // Accepted until yesterday: the dashboard's read finds it ended and re-opens it first.
      repo.updateRisk(tx, b.id, { status: 'accepted', acceptedUntil: '2030-02-28' }, now, b.version);
    });

    const m = await member(ts.store, app, f.tenantId, 'exec@dash.example', 'executive', now);
    const res = await m.get('/app');
    expect(res.status).toBe(200);
    const html = await res.text();
    // Vendors: the fixture's (medium) and one critical.
    expect(html).toMatch(/<th scope="row">critical<\/th><td class="numeric">1</);
    expect(html).toMatch(/<th scope="row">medium<\/th><td class="numeric">1</);
    expect(html).toMatch(/<th scope="row">low<\/th><td class="numeric">0</);
    expect(html).toMatch(/<th scope="row">All vendors<\/th><td class="numeric">2</);
    // Assessments: the fixture's (sent, due in December) and the five above.
    expect(html).toMatch(/<th scope="row">sent<\/th><td class="numeric">4</);
    expect(html).toMatch(/<th scope="row">in progress<\/th><td class="numeric">1</);
    expect(html).toMatch(/<th scope="row">submitted<\/th><td class="numeric">1</);
    expect(html).toContain('2 assessments are past the due date with the vendor.');
    const overdue = [...html.matchAll(/<tr><td>Vendor critical<\/td><td>([\d-]+)<\/td><\/tr>/g)].map(
      (x) => x[1],
    );
    expect(overdue).toEqual(['2030-01-15', '2030-02-01']);
    // Risks: C closed (not on the heat map), B re-opened; the other tenant's three criticals nowhere.
    expect(html).toMatch(/data-rating="critical">2</);
    expect(html).toMatch(/data-rating="high">1</);
    expect(html).toMatch(/data-rating="low">0</);
    expect(html).toMatch(/data-status="open">3</);
    expect(html).toMatch(/data-status="accepted">0</);
    expect(html).toMatch(/data-status="closed">1</);
    expect(html).toMatch(/data-cell="5x5">2 /);
    expect(html).toContain('3 open risks: 2 critical, 1 high, 0 medium, 0 low.');
    const after = await ts.store.tenant(f.tenantId).read((c) => repo.getRisk(c, b.id));
    expect(after).toMatchObject({ status: 'open', acceptedUntil: null });
    const history = await ts.store.tenant(f.tenantId).read((c) => repo.listHistory(c, b.id));
    expect(history.map((h) => [h.field, h.toValue, h.note])).toContainEqual([
      'status',
      'open',
      'acceptance ended on 2030-02-28',
    ]);
  });

  it('shows vendor reviews: overdue, due within 30 days, not planned; the earliest first, tenant only', async () => {
    const t = await vendorFixture(ts.store, { tenantName: 'Reviews', now });
    const theirs = await vendorFixture(ts.store, { tenantName: 'Reviews other', now });
    const add = (tenantId: string, name: string, nextReviewDate: string | null, status?: 'offboarded') =>
      ts.store.tenant(tenantId).write((tx) => {
        repo.insertVendor(tx, { name, nextReviewDate, ...(status ? { status } : {}) }, now);
      });
    await add(t.tenantId, 'Late <b>Ltd</b>', '2030-02-10');
    await add(t.tenantId, 'Soon Ltd', '2030-03-20');
    await add(t.tenantId, 'Today Ltd', '2030-03-01');
    await add(t.tenantId, 'Later Ltd', '2030-06-01');
    await add(t.tenantId, 'Gone Ltd', '2030-01-01', 'offboarded');
    await add(theirs.tenantId, 'Their Ltd', '2030-02-01');
    const m = await member(ts.store, app, t.tenantId, 'exec@reviews.example', 'executive', now);
    const html = await (await m.get('/app')).text();
    expect(html).toContain('1 vendor is past the next review date.');
    expect(html).toContain('2 due in the next 30 days.');
    // The fixture's vendor has no date.
    expect(html).toContain('1 vendor has no review date yet');
    const rows = [
      ...html.matchAll(
        /<tr><td><a href="\/app\/vendors\/[0-9a-f-]{36}">([^<]*(?:&lt;[^<]*)*)<\/a><\/td><td>([^<]+)<\/td><\/tr>/g,
      ),
    ].map((x) => [x[1], x[2]]);
    expect(rows).toEqual([
      ['Late &lt;b&gt;Ltd&lt;/b&gt;', '2030-02-10 (overdue)'],
      ['Today Ltd', '2030-03-01'],
      ['Soon Ltd', '2030-03-20'],
    ]);
    expect(html).not.toContain('Their Ltd');
    expect(html).not.toContain('Gone Ltd');
  });

  it('is kept between changes, never past one: the same member sees a new vendor and a new risk at once', async () => {
    const t = await vendorFixture(ts.store, { tenantName: 'Kept', now });
    const m = await member(ts.store, app, t.tenantId, 'exec@kept.example', 'executive', now);
    const first = await (await m.get('/app')).text();
    expect(first).toMatch(/<th scope="row">All vendors<\/th><td class="numeric">1</);
    expect(first).toContain('No open risks.');
    // The same page again (kept): the same bytes but the nonce.
    const again = await m.get('/app');
    const nonce = /nonce-([A-Za-z0-9+/=]+)/.exec(again.headers.get('Content-Security-Policy')!)![1]!;
    const firstNonce = /<script nonce="([^"]+)"/.exec(first)![1]!;
    expect((await again.text()).replaceAll(nonce, 'N')).toBe(first.replaceAll(firstNonce, 'N'));
    await ts.store.tenant(t.tenantId).write((tx) => {
      repo.insertVendor(tx, { name: 'Second Ltd', tier: 'critical' }, now);
    });
    const second = await (await m.get('/app')).text();
    expect(second).toMatch(/<th scope="row">All vendors<\/th><td class="numeric">2</);
    expect(second).toMatch(/<th scope="row">critical<\/th><td class="numeric">1</);
    await raise(
      ts.store,
      t.tenantId,
      t.vendorId,
      t.assessmentId,
      [finding('K', { likelihood: 4, impact: 2 })],
      now,
    );
    const third = await (await m.get('/app')).text();
    expect(third).toMatch(/data-cell="4x2">1 /);
    expect(third).toContain('1 open risk: 0 critical');
  });

  it('says so when nothing is overdue and there are no risks', async () => {
    const empty = await vendorFixture(ts.store, { tenantName: 'Empty', now });
    const m = await member(ts.store, app, empty.tenantId, 'exec@empty.example', 'executive', now);
    const html = await (await m.get('/app')).text();
    expect(html).toContain('No assessment is past its due date.');
    expect(html).toContain('No open risks.');
    expect(html).toMatch(/<th scope="row">All vendors<\/th><td class="numeric">1</);
    expect(html).toContain('No review is overdue.');
    expect(html).toContain('0 due in the next 30 days.');
  });
});
