/**
 * Two admins erasing each other at the same moment (GDPR Art. 17, member erasure): one erasure goes
 * through, the other is refused with 409, and the tenant keeps one active admin. On PostgreSQL the two
 * units genuinely overlap: a third connection holds the audit chain's advisory lock, which every unit
 * takes last, just before it commits, so both units run until they have to wait (the first on that
 * lock, the second on the admin rows the first locked, or on the same lock), and only then are they let
 * go. Without a lock on the admin memberships both would have done their writes on a snapshot with two
 * admins and both commit. SQLite and D1 commit one write unit at a time, so there the two requests race
 * without a barrier.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { startMemberSession } from '../../src/auth/member-sessions.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import type { Ports } from '../../src/platform/ports.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { ADMIN_URL, urlFor } from '../support/pg.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { client, newTenant } from './support.js';

async function admin(store: Store, tenantId: string) {
  const email = `admin-${newId().slice(0, 8)}@acme.example`;
  const user = await store.tenant(tenantId).write((tx) => repo.ensureUser(tx, email));
  await store.tenant(tenantId).write((tx) => repo.addMembership(tx, user.id, 'admin'));
  const { token } = await store
    .tenant(tenantId, { userId: user.id })
    .write((tx) => startMemberSession(tx, user.id, tenantId, new Date()));
  return { userId: user.id, email, cookie: `${MEMBER_COOKIE}=${token}` };
}

/**
 * Holds the tenant's audit advisory lock on its own connection until `release()`; watches the others as
 * the superuser (only it sees what another role's backend waits on).
 */
async function auditBarrier(url: string, database: string, tenantId: string) {
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: urlFor(new URL(ADMIN_URL).username, database) });
  await holder.connect();
  await watcher.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`audit:${tenantId}`]);
  return {
    /** Resolves once `n` other backends of this database wait on a lock (advisory or row). */
    async waiting(n: number, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await watcher.query(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        if (r.rows[0].n >= n) return r.rows[0].n as number;
        if (Date.now() > until) throw new Error(`only ${r.rows[0].n} of ${n} units reached the barrier`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    async release() {
      await holder.query('COMMIT');
      await holder.end();
      await watcher.end();
    },
  };
}

forEachDialect('data subjects: two admins erasing each other', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    platform = await testPlatform(store);
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
  }, 60_000);
  afterAll(() => ts.close());

  it('lets one erasure through and refuses the other (409): the tenant keeps an active admin', async () => {
    for (let round = 0; round < 3; round++) {
      const tenantId = await newTenant(store);
      const a = await admin(store, tenantId);
      const b = await admin(store, tenantId);
      const erase = (by: typeof a, subject: typeof a) =>
        client(app, by.cookie).post(`/app/privacy/subjects/members/${subject.userId}/erase`, {
          confirm: subject.email,
        });
      let statuses: number[];
      if (ts.pg) {
        const barrier = await auditBarrier(ts.pg.ownerUrl, ts.pg.name, tenantId);
        const both = Promise.all([erase(a, b), erase(b, a)]);
        try {
          // Both units are inside their transactions, each waiting on a lock, before either may commit.
          await barrier.waiting(2);
        } finally {
          await barrier.release();
        }
        statuses = (await both).map((r) => r.status);
      } else {
        statuses = (await Promise.all([erase(a, b), erase(b, a)])).map((r) => r.status);
      }
      expect(statuses.sort()).toEqual([200, 409]);
      const team = await store.tenant(tenantId).read((ctx) => repo.listTeam(ctx));
      expect(team.filter((m) => m.role === 'admin' && !m.disabledAt)).toHaveLength(1);
      const erased = (await store.tenant(tenantId).read((ctx) => repo.listAudit(ctx))).filter(
        (e) => e.action === 'privacy.erased',
      );
      expect(erased).toHaveLength(1);
    }
  }, 60_000);
});
