/**
 * How many statements the hot paths send, per driver, so the count cannot creep up unnoticed.
 * GET /app (a signed-in page) is the session check — one statement with the user, tenant and
 * membership — and the page's own read — one statement for the overview. On PostgreSQL each read
 * unit with claims also sends `BEGIN READ ONLY; SELECT set_config(…)` (one round trip) and `COMMIT`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { browser, testApp } from '../support/app.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Statements sent, including transaction control. Sign-in: the user by email, the user's memberships,
 * then one write unit (the session row, the audit head, the audit entry). PostgreSQL adds a
 * `BEGIN …; SELECT set_config(…)` round trip and a `COMMIT` around each unit with claims, and the
 * per-tenant advisory lock before an audit append; D1 sends a unit's writes as one batch.
 * (Before the unit-of-work rewrite, GET /app alone sent 15 statements on PostgreSQL.)
 */
const BUDGET: Record<Dialect, { overview: number; signIn: number }> = {
  sqlite: { overview: 2, signIn: 5 },
  d1: { overview: 2, signIn: 4 },
  pg: { overview: 6, signIn: 10 },
};

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
});
