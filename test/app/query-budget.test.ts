/**
 * How many statements the hot paths send, per driver, so the count cannot creep up unnoticed.
 * GET /app (a signed-in page) is the session check — one statement with the user, tenant and
 * membership — and the page's own read — one statement of grouped counts for the overview. On PostgreSQL each read
 * unit with claims also sends `BEGIN READ ONLY; SELECT set_config(…)` (one round trip) and `COMMIT`.
 * A vendor's autosave (POST /v/a/:id/answer/:key) is the session check and one write unit that reads
 * the portal state (one statement: the assessment with its version's hash and the tenant's name, the
 * answers, the files; the compiled questionnaire comes from its cache without a statement) and queues the
 * open-status guard `touchAnswers` and the revision-checked answer write.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { browser, testApp } from '../support/app.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { vendorFixture, vendorSession } from '../support/vendor.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Statements sent, including transaction control. Sign-in: the user by email, the user's memberships,
 * then one write unit (the session row, the audit head, the audit entry). PostgreSQL adds a
 * `BEGIN …; SELECT set_config(…)` round trip and a `COMMIT` around each unit with claims, and the
 * per-tenant advisory lock before an audit append; D1 sends a unit's writes as one batch.
 * (Before the unit-of-work rewrite, GET /app alone sent 15 statements on PostgreSQL.) Since issue 8 GET /app
 * is the dashboard: the session, then one read unit with one statement of grouped counts (vendors by tier,
 * assessments by status with the overdue ones, risks by status and cell, ended acceptances); the overdue
 * list only when something is overdue (nothing here), the acceptance expiry only when one has ended.
 * PostgreSQL wraps each unit in its claims round trip and COMMIT. (It was 8 / 8 / 14 with six grouped reads
 * and the acceptance-expiry read in a unit of its own.)
 */
const BUDGET: Record<Dialect, { overview: number; signIn: number }> = {
  sqlite: { overview: 2, signIn: 5 },
  d1: { overview: 2, signIn: 4 },
  pg: { overview: 6, signIn: 10 },
};

/**
 * One autosave, the first of a key (an insert) and a later one (an update over the revision it saw):
 * session 1, portal state 1 (was 3), writes 3 (the first-answer event, the guard, the answer); D1 sends the writes as one batch, PostgreSQL adds the
 * `BEGIN; set_config` and `COMMIT` of each of its two units. (Before issue #7 it was 8 on SQLite,
 * one of them reading the questionnaire's whole YAML source on every save.) Issue 9 adds the save's
 * audit entry at commit: the chain head and the insert (SQLite), plus the per-tenant advisory lock
 * (PostgreSQL); on D1 the head read, the insert riding in the batch.
 */
// Plus the answer.saved audit entry (issue 9). Writes 3 since the assessment events (issue 8): the conditional `in_progress` event (INSERT … SELECT,
// recording only the first answer) goes with the open-status guard and the answer write.
// Since the request-path work the portal state is read in the save's write unit (one unit fewer:
// PostgreSQL 16 → 14, one `BEGIN; set_config` and one `COMMIT` less; SQLite and D1 unchanged).
// Since 2026-12-06 the answers and the live files ride in the portal head's statement as JSON arrays
// (readPortalHead): portal state 3 → 1, so 9 → 7 (SQLite), 6 → 4 (D1), 14 → 12 (PostgreSQL).
const AUTOSAVE: Record<Dialect, number> = { sqlite: 7, d1: 4, pg: 12 };
// The first save of a tenant in a process also reads its data key, in a read unit before the write
// (the keyed digest's secret, docs/audit.md "Keyed digests"); cached after that.
const FIRST_OF_TENANT: Record<Dialect, number> = { sqlite: 1, d1: 1, pg: 3 };
// A save of an assessment already answered (here: the second) queues no first-answer event, which could
// insert nothing (touchAnswers): one statement fewer on SQLite and PostgreSQL (9 → 8, 14 → 13); on D1 it
// rode in the writes' one batch, so the count stays.
const ANSWERED_SKIPS: Record<Dialect, number> = { sqlite: 1, d1: 0, pg: 1 };

forEachDialect('query budget', (dialect) => {
  let ts: TestStore;
  const seen: string[] = [];
  let counting = false;

  beforeAll(async () => {
    ts = await openTestStore(dialect, { onStatement: (sql) => counting && seen.push(sql) });
  });
  afterAll(() => ts.close());

  it('pins the statements of sign-in and of the signed-in overview', async () => {
    const now = new Date('2030-01-01T08:00:00Z');
    const app = await testApp(ts.store, { now: () => now });
    const { token } = await createTenantWithAdmin(
      ts.store,
      { name: 'Budget', adminEmail: 'b@budget.example' },
      now,
    );
    const b = browser(app);
    expect((await b.post(`/setup/${token}`, { password: PASSWORD, passwordConfirm: PASSWORD })).status).toBe(
      303,
    );
    await b.post('/app/logout', {});

    counting = true;
    seen.length = 0;
    expect((await b.post('/app/login', { email: 'b@budget.example', password: PASSWORD })).status).toBe(303);
    const signIn = [...seen];
    seen.length = 0;
    expect((await b.get('/app')).status).toBe(200);
    const overview = [...seen];
    counting = false;

    expect(
      { signIn: signIn.length, overview: overview.length },
      [...signIn, '--', ...overview].join('\n'),
    ).toEqual(BUDGET[dialect]);
  });

  it('pins the statements of one autosave', async () => {
    const now = new Date('2030-01-01T08:00:00Z');
    const app = await testApp(ts.store, { now: () => now });
    const f = await vendorFixture(ts.store, { now, context: { 'scope.function': 'critical' } });
    const b = browser(app);
    b.jar.set(VENDOR_COOKIE, await vendorSession(ts.store, f, now));
    const base = `/v/a/${f.assessmentId}`;
    expect((await b.get(`${base}/s/scope`)).status).toBe(200); // compiles the questionnaire once
    const save = async (value: string, rev: number) => {
      seen.length = 0;
      counting = true;
      const res = await b.send(`${base}/answer/scope.service`, {
        method: 'POST',
        body: new URLSearchParams({ 'scope.service': value, '_rev.scope.service': String(rev) }).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'HX-Request': 'true' },
      });
      counting = false;
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`value="${rev + 1}"`);
      return [...seen];
    };
    const first = await save('Cloud hosting', 0);
    const later = await save('Cloud hosting and backups', 1);
    expect({ first: first.length, later: later.length }, [...first, '--', ...later].join('\n')).toEqual({
      first: AUTOSAVE[dialect] + FIRST_OF_TENANT[dialect],
      later: AUTOSAVE[dialect] - ANSWERED_SKIPS[dialect],
    });
    // The second save queued no first-answer event: its INSERT … SELECT is not among the statements.
    expect(later.some((q) => /insert into "assessment_events"/i.test(q))).toBe(false);
    expect(first.some((q) => /insert into "assessment_events"/i.test(q))).toBe(dialect !== 'd1');
  });
});
