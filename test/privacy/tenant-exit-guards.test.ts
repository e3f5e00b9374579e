/**
 * What the database itself enforces about tenant exit (docs/tenant-exit.md, "What the database enforces";
 * migrations/sqlite/0018 and migrations/pg/0028_tenant_exit_guards.sql), tried as a hostile review did:
 * with statements a tenant's own unit can send, past the application's checks. The deletion window is the
 * database's clock; it cannot be backdated, moved or cancelled late; the system log records only what
 * happened; an identity shared with another tenant is never tombstoned, while those that belonged only to
 * a purged tenant are. Plus the pending state's two gaps: invitations and the audit checkpoints.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, is, SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointAllTenants } from '../../src/audit/jobs.js';
import { hashToken, newSecret } from '../../src/auth/tokens.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import {
  isLockTimeout,
  isPermissionViolation,
  rawRows,
  type Store,
  type TenantWriteCtx,
} from '../../src/db/store.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import {
  migratePg,
  PG_MIGRATIONS,
  pgRoleProblems,
  pgRoleWarnings,
} from '../../src/platform/node/pg-migrate.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import {
  cancelTenantDeletion,
  purgeTenant,
  requestTenantDeletion,
  shredTenant,
  startWindow,
  tenantPurgeJob,
} from '../../src/privacy/tenant-deletion.js';
import { completeSetup } from '../../src/workspace/tenants.js';
import { type Fixture, fixture } from '../evidence/support.js';
import { BASE_URL, TEST_MASTER_KEY } from '../support/app.js';
import { ADMIN_URL, createTestDatabase } from '../support/pg.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { ageDeletionRequest, ageRequestRow, ageSystemLog } from './deletion-clock.js';
import { member } from './support.js';

const DAY = 86_400_000;
const MINUTE = 60_000;

forEachDialect('tenant exit: what the database enforces', (dialect) => {
  let ts: TestStore;
  let store: Store;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    await ensureSigningKeys(store, TEST_MASTER_KEY);
  }, 60_000);
  afterAll(() => ts.close());

  const deletion = (tenantId: string) => store.tenant(tenantId).read((ctx) => repo.getTenantDeletion(ctx));
  const auditCount = async (tenantId: string) =>
    (await store.tenant(tenantId).read((ctx) => repo.listAudit(ctx))).length;
  const request = async (g: Fixture) => {
    const name = (await store.tenant(g.tenantId).read((ctx) => repo.currentTenant(ctx)))!.name;
    await requestTenantDeletion(
      store.tenant(g.tenantId),
      { typedName: name, actor: 'user:someone', keepSessionId: null },
      new Date(),
    );
  };
  /** The audit trail's delete door, tried directly by the tenant's own unit. */
  const openAuditDoor = (tenantId: string) =>
    store.tenant(tenantId, { system: 'scheduler' }).write((tx) => {
      if (tx.dialect === 'pg') tx.write(sql`select assay_purge_tenant_audit(${tenantId})`);
      else tx.write(tx.db.delete(tx.t.auditLog).where(eq(tx.t.auditLog.tenantId, tenantId)));
    });

  it('sets the window by its own clock: a request written with a past deadline still waits 30 days', async () => {
    const g = await fixture(store);
    await store.tenant(g.tenantId).write((tx) => {
      tx.audit({ actor: 'user:x', action: 'test.entry', target: 'x' }, new Date());
    });
    const past = new Date(Date.now() - 60 * DAY);
    const before = Date.now();
    const t = store.t.tenants;
    const forged = store.tenant(g.tenantId).write((tx) => {
      tx.write(
        tx.db
          .update(t)
          .set({
            deletionRequestedAt: past,
            deletionDueAt: new Date(past.getTime() + MINUTE),
            // PostgreSQL never uses the column (the window starts in the system log): not even writable.
            ...(dialect === 'pg' ? {} : { deletionWindowFrom: past }),
            deletionRequestedBy: 'user:attacker',
          })
          .where(eq(t.id, g.tenantId)),
      );
    });
    if (dialect === 'pg') {
      await expect(
        store.tenant(g.tenantId).write((tx) => {
          tx.write(tx.db.update(t).set({ deletionWindowFrom: past }).where(eq(t.id, g.tenantId)));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      // PostgreSQL stamps the request with its wall clock and leaves the window unstarted.
      await forged;
      const d = (await deletion(g.tenantId))!;
      expect(d.requestedBy).toBe('user:attacker');
      expect(Math.abs(d.requestedAt.getTime() - before)).toBeLessThan(5 * MINUTE);
      expect(d.windowFrom).toBeNull();
      expect(d.dueAt.getTime() - d.requestedAt.getTime()).toBe(30 * DAY);
    } else {
      // SQLite and D1 take only their own clock's values.
      await expect(forged).rejects.toSatisfy(isPermissionViolation);
      expect(await deletion(g.tenantId)).toBeNull();
      await request(g);
      const d = (await deletion(g.tenantId))!;
      expect(Math.abs(d.requestedAt.getTime() - before)).toBeLessThan(5 * MINUTE);
      expect(d.windowFrom).toEqual(d.requestedAt);
      expect(d.dueAt.getTime() - d.requestedAt.getTime()).toBe(30 * DAY);
    }
    // So the audit trail's door stays shut, and a purge does nothing.
    const entries = await auditCount(g.tenantId);
    await expect(openAuditDoor(g.tenantId)).rejects.toSatisfy(isPermissionViolation);
    // Asked with an application clock 31 days ahead, the purge still finds the tenant inside its window.
    expect(await purgeTenant(g.platform, g.tenantId, new Date(Date.now() + 31 * DAY))).toBeNull();
    expect(await auditCount(g.tenantId)).toBe(entries);
    const keys = await store.tenant(g.tenantId).read((ctx) => repo.listDataKeys(ctx));
    expect(keys.every((k) => k.wrapped !== '')).toBe(true);
  });

  it.runIf(dialect === 'pg')(
    'PostgreSQL: a request held in an old transaction is stamped when made, and its window starts only after it commits',
    async () => {
      const g = await fixture(store);
      const client = new pg.Client({ connectionString: ts.pg!.appUrl });
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query("select set_config('app.tenant_id', $1, true)", [g.tenantId]);
        const { rows } = await client.query<{ began: Date }>('select now() as began');
        await client.query('select pg_sleep(1.2)');
        await client.query(
          `update tenants set deletion_requested_at = now(), deletion_due_at = now(),
             deletion_requested_by = 'user:a' where id = $1`,
          [g.tenantId],
        );
        // Not the transaction's start: the wall clock when the request was made.
        const stamped = await client.query<{ at: Date; from: Date | null }>(
          'select deletion_requested_at as at, deletion_window_from as "from" from tenants where id = $1',
          [g.tenantId],
        );
        expect(stamped.rows[0]!.at.getTime() - rows[0]!.began.getTime()).toBeGreaterThan(1000);
        expect(stamped.rows[0]!.from).toBeNull();
        // The same transaction cannot start the window.
        await expect(
          client.query('select assay_start_deletion_window($1)', [g.tenantId]),
        ).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('after its request') });
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end();
      }
      expect(await deletion(g.tenantId)).toBeNull();
      // Nor can a savepoint of it (its rows carry a subtransaction's id, but it shares the start).
      const sp = new pg.Client({ connectionString: ts.pg!.appUrl });
      await sp.connect();
      try {
        await sp.query('BEGIN');
        await sp.query("select set_config('app.tenant_id', $1, true)", [g.tenantId]);
        await sp.query('SAVEPOINT s');
        await sp.query(
          "update tenants set deletion_requested_at = now(), deletion_requested_by = 'user:a' where id = $1",
          [g.tenantId],
        );
        await sp.query('RELEASE SAVEPOINT s');
        await expect(sp.query('select assay_start_deletion_window($1)', [g.tenantId])).rejects.toMatchObject({
          code: '42501',
          message: expect.stringContaining('after its request'),
        });
      } finally {
        await sp.query('ROLLBACK').catch(() => undefined);
        await sp.end();
      }
      // Committed, a later unit starts it, by the wall clock at that moment.
      await request(g);
      const d = (await deletion(g.tenantId))!;
      expect(d.windowFrom!.getTime()).toBeGreaterThanOrEqual(d.requestedAt.getTime());
      expect(d.dueAt.getTime() - d.windowFrom!.getTime()).toBe(30 * DAY);
    },
  );

  describe.runIf(dialect === 'pg')('PostgreSQL: a window start held open (third review, HIGH)', () => {
    /** The app role's units, but a statement that waits 2 s for a lock fails instead of hanging. */
    let impatient: Store;
    beforeAll(() => {
      const url = new URL(ts.pg!.appUrl);
      url.searchParams.set('options', '-c lock_timeout=2000 -c statement_timeout=10000');
      impatient = openPgStore({ url: url.toString(), max: 2 });
    });
    afterAll(() => impatient.close());

    /** Runs what a repository write queues on a connection of the test's own, in its open transaction. */
    const runOn = async (client: pg.Client, tenantId: string, fn: (tx: TenantWriteCtx) => void) => {
      const db = drizzle(client);
      const queued: { q: unknown; guard?: string }[] = [];
      fn({
        db,
        t: store.t,
        tenantId,
        dialect: 'pg',
        claims: { tenantId },
        write: (q: unknown, o?: { guard?: string }) => {
          queued.push({ q, guard: o?.guard });
          return {} as never;
        },
        audit: () => undefined,
      } as unknown as TenantWriteCtx);
      for (const { q, guard } of queued) {
        const res = (is(q, SQL) ? await db.execute(q) : await (q as Promise<unknown>)) as {
          rowCount?: number | null;
        };
        if (guard && !res.rowCount) throw new Error(guard);
      }
    };
    /** A transaction as the app role under the tenant's claims, begun now and left open. */
    const openUnit = async (tenantId: string) => {
      const client = new pg.Client({ connectionString: ts.pg!.appUrl });
      await client.connect();
      await client.query('BEGIN');
      await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
      return client;
    };
    /** The request's own unit only: committed, its window not started. */
    const bareRequest = (tenantId: string) =>
      store.tenant(tenantId).write((tx) => repo.markTenantForDeletion(tx, 'user:someone'));
    const pastWindow = (tenantId: string) =>
      store.tenant(tenantId).read(async (ctx) => {
        const [r] = await rawRows<{ past: boolean }>(
          ctx,
          sql`select assay_tenant_past_window(${tenantId}) as past`,
        );
        return r!.past;
      });
    const actions = async (tenantId: string) =>
      (await store.as({ system: 'cli' }).read((ctx) => repo.listSystemLog(ctx, tenantId))).map(
        (e) => e.action,
      );
    /** Thirty-one days on, for a cancelled request: every door stays shut. */
    const doorsShutAfterAging = async (g: Fixture) => {
      await ageSystemLog(ts, g.tenantId, 31);
      expect(await deletion(g.tenantId)).toBeNull();
      expect(await pastWindow(g.tenantId)).toBe(false);
      const entries = await auditCount(g.tenantId);
      await expect(openAuditDoor(g.tenantId)).rejects.toSatisfy(isPermissionViolation);
      expect(await purgeTenant(g.platform, g.tenantId, new Date(Date.now() + 31 * DAY))).toBeNull();
      await expect(shredTenant(g.platform, g.tenantId, new Date(Date.now() + 31 * DAY))).rejects.toThrow(
        /past-deletion-deadline/,
      );
      await expect(
        store.tenant(g.tenantId, { system: 'scheduler' }).write((tx) => {
          tx.write(tx.db.delete(tx.t.tenantKeys).where(eq(tx.t.tenantKeys.tenantId, g.tenantId)));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      expect(await auditCount(g.tenantId)).toBe(entries);
      const keys = await store.tenant(g.tenantId).read((ctx) => repo.listDataKeys(ctx));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.wrapped !== '')).toBe(true);
      const awaiting = await store.as({ system: 'scheduler' }).read((ctx) => repo.tenantsAwaitingWindow(ctx));
      expect(awaiting.map((t) => t.id)).not.toContain(g.tenantId);
    };

    it('a cancel does not wait for it, and the window it started never counts', async () => {
      const g = await fixture(store);
      await store.tenant(g.tenantId).write((tx) => {
        tx.audit({ actor: 'user:x', action: 'test.entry', target: 'x' }, new Date());
      });
      await bareRequest(g.tenantId);
      const held = await openUnit(g.tenantId);
      try {
        // What the application's second unit does, then held open.
        await runOn(held, g.tenantId, (tx) => repo.startDeletionWindow(tx));
        // The admin cancels, through the application, as the app role under the tenant's claims.
        await cancelTenantDeletion(impatient.tenant(g.tenantId), 'user:admin', new Date());
        expect(await deletion(g.tenantId)).toBeNull();
        await held.query('COMMIT');
      } finally {
        await held.query('ROLLBACK').catch(() => undefined);
        await held.end();
      }
      // The held window start committed after the cancel: on record, and it counts for nothing.
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested', 'tenant.deletion_cancelled']);
      await doorsShutAfterAging(g);
      // A new request starts its own window now: the old entry (31 days old by now) is not its.
      await request(g);
      const d = (await deletion(g.tenantId))!;
      expect(Math.abs(d.windowFrom!.getTime() - Date.now())).toBeLessThan(5 * MINUTE);
      expect(d.dueAt.getTime() - d.windowFrom!.getTime()).toBe(30 * DAY);
      expect(await pastWindow(g.tenantId)).toBe(false);
      await expect(openAuditDoor(g.tenantId)).rejects.toSatisfy(isPermissionViolation);
      await cancelTenantDeletion(impatient.tenant(g.tenantId), 'user:admin', new Date());
      expect(await deletion(g.tenantId)).toBeNull();
    });

    it('a window start does not wait for a cancel held open, and counts for nothing once it commits', async () => {
      const g = await fixture(store);
      await bareRequest(g.tenantId);
      const cancelling = await openUnit(g.tenantId);
      try {
        await runOn(cancelling, g.tenantId, (tx) => repo.clearTenantDeletion(tx, 'user:admin'));
        // The window start reads the committed request (still pending) and writes its entry.
        const { dueAt } = await startWindow(impatient.tenant(g.tenantId));
        expect(dueAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
        await cancelling.query('COMMIT');
      } finally {
        await cancelling.query('ROLLBACK').catch(() => undefined);
        await cancelling.end();
      }
      expect(await deletion(g.tenantId)).toBeNull();
      await doorsShutAfterAging(g);
    });

    it('a request held 31 days before its window starts still waits 30 days, and can be cancelled', async () => {
      const g = await fixture(store);
      await bareRequest(g.tenantId);
      await ageRequestRow(ts, g.tenantId, 31);
      const { dueAt } = await startWindow(impatient.tenant(g.tenantId));
      expect(dueAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
      expect(await pastWindow(g.tenantId)).toBe(false);
      await expect(openAuditDoor(g.tenantId)).rejects.toSatisfy(isPermissionViolation);
      // The row's own deadline column (the earliest) has passed; the purge's guard goes by the window.
      await expect(shredTenant(g.platform, g.tenantId, new Date(Date.now() + 31 * DAY))).rejects.toThrow(
        /past-deletion-deadline/,
      );
      await cancelTenantDeletion(impatient.tenant(g.tenantId), 'user:admin', new Date());
      expect(await deletion(g.tenantId)).toBeNull();
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested', 'tenant.deletion_cancelled']);
    });

    it('migration 0030 carries started windows over (a passed one stays passed) and starts only the unstarted', async () => {
      // The migrations up to 0029, a request whose window started, one whose window passed (its keys
      // shredded by a purge that crashed before its second unit) and one whose did not, then 0030.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-pg-0029-'));
      fs.mkdirSync(path.join(dir, 'meta'));
      const journal = JSON.parse(fs.readFileSync(path.join(PG_MIGRATIONS, 'meta/_journal.json'), 'utf8'));
      journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 29);
      fs.writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify(journal));
      for (const e of journal.entries as { tag: string }[])
        fs.copyFileSync(path.join(PG_MIGRATIONS, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
      const db = await createTestDatabase();
      const owner = new pg.Client({ connectionString: db.ownerUrl });
      try {
        await migratePg(db.ownerUrl, db.ownerUrl, dir);
        await owner.connect();
        const as = async (tid: string, text: string) => {
          await owner.query('BEGIN');
          await owner.query(
            "select set_config('app.tenant_id', $1, true), set_config('app.system', 'cli', true)",
            [tid],
          );
          await owner.query(text, [tid]);
          await owner.query('COMMIT');
        };
        for (const tid of ['started', 'unstarted', 'idle', 'passed'])
          await as(tid, "insert into tenants (id, name, settings, created_at) values ($1, 'x', '{}', now())");
        await as(
          'passed',
          "insert into tenant_keys (id, tenant_id, purpose, wrapped, created_at) values ('k-' || $1, $1, 'data', 'W', now())",
        );
        for (const tid of ['started', 'unstarted', 'passed'])
          await as(
            tid,
            "update tenants set deletion_requested_at = now(), deletion_requested_by = 'user:a' where id = $1",
          );
        for (const tid of ['started', 'passed'])
          await as(tid, 'update tenants set deletion_window_from = now() where id = $1');
        // 'passed': 31 days on (as only the owner can move 0029's columns), then its keys shredded.
        await owner.query('BEGIN');
        await owner.query("select set_config('app.tenant_id', 'passed', true)");
        await owner.query('alter table tenants disable trigger tenants_deletion_clock');
        await owner.query(
          `update tenants set deletion_requested_at = deletion_requested_at - interval '744 hours',
             deletion_window_from = deletion_window_from - interval '744 hours',
             deletion_due_at = deletion_due_at - interval '744 hours' where id = 'passed'`,
        );
        await owner.query('alter table tenants enable trigger tenants_deletion_clock');
        await owner.query('COMMIT');
        await as('passed', "update tenant_keys set wrapped = '', destroyed_at = now() where tenant_id = $1");
        const before = new Map(
          (
            await owner.query<{ id: string; at: Date; from: Date }>(
              "select id, deletion_requested_at as at, deletion_window_from as from from tenants where id in ('started', 'passed')",
            )
          ).rows.map((r) => [r.id, r]),
        );
        await migratePg(db.ownerUrl, db.appUrl);
        await owner.query('BEGIN');
        await owner.query("select set_config('app.system', 'cli', true)");
        const { rows } = await owner.query<{
          id: string;
          at: Date | null;
          from: Date | null;
          col: Date | null;
        }>(
          `select id, deletion_requested_at as at, assay_deletion_window_from(id, deletion_requested_at) as from,
                  deletion_window_from as col from tenants order by id`,
        );
        await owner.query('COMMIT');
        expect(rows.map((r) => [r.id, r.from !== null, r.col])).toEqual([
          ['idle', false, null],
          ['passed', true, null],
          ['started', true, null],
          ['unstarted', true, null],
        ]);
        for (const r of rows.filter((x) => x.at))
          expect(r.from!.getTime()).toBeGreaterThanOrEqual(r.at!.getTime());
        // Carried over: the same request time and window start, not restarted.
        for (const r of rows.filter((x) => before.has(x.id))) {
          expect(r.at!.getTime()).toBe(before.get(r.id)!.at.getTime());
          expect(r.from!.getTime()).toBe(before.get(r.id)!.from.getTime());
        }
        // The passed window stays passed: the app role's cancel is refused, the doors stay open to the purge.
        const app = new pg.Client({ connectionString: db.appUrl });
        await app.connect();
        try {
          await app.query('BEGIN');
          await app.query("select set_config('app.tenant_id', 'passed', true)");
          const past = await app.query<{ p: boolean }>("select assay_tenant_past_window('passed') as p");
          expect(past.rows[0]!.p).toBe(true);
          await expect(
            app.query(
              "update tenants set deletion_requested_at = null, deletion_due_at = null, deletion_requested_by = 'user:a' where id = 'passed'",
            ),
          ).rejects.toSatisfy((e) => (e as { code?: string }).code === '42501');
        } finally {
          await app.query('ROLLBACK').catch(() => undefined);
          await app.end();
        }
      } finally {
        await owner.end().catch(() => undefined);
        await db.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a unit holding the tenant row cannot make an in-time cancel late (fourth review, MEDIUM-1)', async () => {
      const g = await fixture(store);
      await store.tenant(g.tenantId).write((tx) => {
        tx.audit({ actor: 'user:x', action: 'test.entry', target: 'x' }, new Date());
      });
      await request(g);
      const name = (await store.tenant(g.tenantId).read((ctx) => repo.currentTenant(ctx)))!.name;
      const rowPending = async () =>
        (
          await store
            .tenant(g.tenantId)
            .read((ctx) =>
              rawRows<{ p: boolean }>(
                ctx,
                sql`select deletion_requested_at is not null as p from tenants where id = ${g.tenantId}`,
              ),
            )
        )[0]!.p;
      const holder = await openUnit(g.tenantId);
      try {
        // A settings change holding the row, uncommitted.
        await runOn(holder, g.tenantId, (tx) => repo.updateTenantSettings(tx, { name, linkTtlHours: 48 }));
        // The admin cancels through the application: the cancel is its entry; the row clear gives up
        // waiting (lock_timeout) and the admin is still told it is cancelled.
        await cancelTenantDeletion(impatient.tenant(g.tenantId), 'user:admin', new Date());
        expect(await deletion(g.tenantId)).toBeNull();
        await holder.query('COMMIT');
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      expect(await rowPending()).toBe(true);
      // Thirty-one days on, the row still not cleared: the cancel holds and every door stays shut.
      await doorsShutAfterAging(g);
      // The purge job clears the row, late as it is, and logs nothing more.
      await tenantPurgeJob(g.platform, new Date());
      expect(await rowPending()).toBe(false);
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested', 'tenant.deletion_cancelled']);
      // A late cancel of a request nobody cancelled is still refused, through the function as well.
      await request(g);
      await ageDeletionRequest(ts, g.tenantId, 31);
      await expect(
        cancelTenantDeletion(impatient.tenant(g.tenantId), 'user:admin', new Date()),
      ).rejects.toThrow(/not scheduled for deletion/);
      expect(await pastWindow(g.tenantId)).toBe(true);
    });

    it('a cancel begun in time is never overtaken by the shred, though the window passes while it is in flight', async () => {
      const g = await fixture(store);
      await request(g);
      // Three seconds before the deadline.
      await ageDeletionRequest(ts, g.tenantId, 30 - 3 / 86_400);
      const cancelling = await openUnit(g.tenantId);
      try {
        await runOn(cancelling, g.tenantId, (tx) => repo.clearTenantDeletion(tx, 'user:admin'));
        await new Promise((r) => setTimeout(r, 3_500));
        // Past the deadline now: the shred's door waits for the cancel in flight (and gives up here).
        await expect(
          impatient
            .tenant(g.tenantId, { system: 'scheduler' })
            .write((tx) => repo.shredTenantKeys(tx, new Date())),
        ).rejects.toSatisfy(isLockTimeout);
        await cancelling.query('COMMIT');
      } finally {
        await cancelling.query('ROLLBACK').catch(() => undefined);
        await cancelling.end();
      }
      await expect(shredTenant(g.platform, g.tenantId, new Date())).rejects.toThrow(/past-deletion-deadline/);
      const keys = await store.tenant(g.tenantId).read((ctx) => repo.listDataKeys(ctx));
      expect(keys.every((k) => k.wrapped !== '')).toBe(true);
      expect(await deletion(g.tenantId)).toBeNull();
    });

    it("a request entry's deadline is its time plus 720 hours to the microsecond (L3)", async () => {
      const g = await fixture(store);
      await request(g);
      const rows = await store.as({ system: 'cli' }).read((ctx) =>
        rawRows<{ ok: boolean; due: string }>(
          ctx,
          sql`select data->>'due_at' = assay_utc_text(at + interval '720 hours') as ok, data->>'due_at' as due
                from system_log where tenant_id = ${g.tenantId} and action = 'tenant.deletion_requested'`,
        ),
      );
      expect(rows.length).toBe(1);
      expect(rows[0]!.due).toMatch(/\.\d{6}Z$/);
      expect(rows[0]!.ok).toBe(true);
    });

    it('the key shred holds the tenant row: it waits for a unit changing it (L4)', async () => {
      const g = await fixture(store);
      await request(g);
      await ageDeletionRequest(ts, g.tenantId, 31);
      const name = (await store.tenant(g.tenantId).read((ctx) => repo.currentTenant(ctx)))!.name;
      const holder = await openUnit(g.tenantId);
      try {
        await runOn(holder, g.tenantId, (tx) => repo.updateTenantSettings(tx, { name, linkTtlHours: 48 }));
        await expect(
          impatient.tenant(g.tenantId, { system: 'scheduler' }).write((tx) => {
            tx.write(
              tx.db
                .update(tx.t.tenantKeys)
                .set({ wrapped: '' })
                .where(eq(tx.t.tenantKeys.tenantId, g.tenantId)),
            );
          }),
        ).rejects.toSatisfy(isLockTimeout);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      const keys = await store.tenant(g.tenantId).read((ctx) => repo.listDataKeys(ctx));
      expect(keys.every((k) => k.wrapped !== '')).toBe(true);
    });

    it('a second window start neither waits for one held open nor writes a second entry', async () => {
      const g = await fixture(store);
      await bareRequest(g.tenantId);
      const held = await openUnit(g.tenantId);
      let heldAt: Date;
      try {
        await runOn(held, g.tenantId, (tx) => repo.startDeletionWindow(tx));
        const { rows } = await held.query<{ at: Date }>('select clock_timestamp() as at');
        heldAt = rows[0]!.at;
        // The purge job's retry, say: it leaves the window to the held one.
        await startWindow(impatient.tenant(g.tenantId));
        expect((await deletion(g.tenantId))!.windowFrom).toBeNull();
        await held.query('COMMIT');
      } finally {
        await held.query('ROLLBACK').catch(() => undefined);
        await held.end();
      }
      await startWindow(impatient.tenant(g.tenantId));
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested']);
      const d = (await deletion(g.tenantId))!;
      expect(d.windowFrom!.getTime()).toBeLessThanOrEqual(heldAt.getTime());
      // Admins can still cancel until its deadline.
      await cancelTenantDeletion(impatient.tenant(g.tenantId), 'user:admin', new Date());
      expect(await deletion(g.tenantId)).toBeNull();
    });

    /** A tenant row of its own and nothing else (no data key, no audit entry, no member). */
    const bareTenant = async () => {
      const id = newId();
      await store.tenant(id).write((tx) => {
        tx.write(
          tx.db.insert(tx.t.tenants).values({ id, name: 'Bare', settings: {}, createdAt: new Date() }),
        );
      });
      return id;
    };
    const code = (err: unknown) => (err as { code?: string }).code;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('the app role cannot lock, read or change the cancel lock rows (fifth review, MEDIUM-1)', async () => {
      const g = await fixture(store);
      for (const text of [
        'select * from assay_private.tenant_locks',
        'select 1 from assay_private.tenant_locks where tenant_id = $1 for share',
        "update assay_private.tenant_locks set purpose = 'window' where tenant_id = $1",
        'delete from assay_private.tenant_locks where tenant_id = $1',
        "insert into assay_private.tenant_locks values ($1, 'cancel')",
        "select assay_private.lock_tenant($1, 'cancel', 'update')",
      ]) {
        const unit = await openUnit(g.tenantId);
        try {
          await expect(unit.query(text, text.includes('$1') ? [g.tenantId] : [])).rejects.toSatisfy(
            (e) => code(e) === '42501',
          );
        } finally {
          await unit.query('ROLLBACK').catch(() => undefined);
          await unit.end();
        }
      }
      // A new tenant gets its rows with it (the owner sees them).
      const owner = new pg.Client({ connectionString: ts.pg!.ownerUrl });
      await owner.connect();
      try {
        const { rows } = await owner.query<{ purpose: string }>(
          'select purpose from assay_private.tenant_locks where tenant_id = $1 order by purpose',
          [await bareTenant()],
        );
        expect(rows.map((r) => r.purpose)).toEqual(['cancel', 'window']);
      } finally {
        await owner.end();
      }
    });

    it('an in-time cancel is neither delayed nor pre-empted by the old advisory keys, the held tenant row or a refused door (fifth review, MEDIUM-1)', async () => {
      const g = await fixture(store);
      await request(g);
      const holder = await openUnit(g.tenantId);
      const aborted = await openUnit(g.tenantId);
      try {
        // The advisory keys 0030 used, held exclusively.
        await holder.query(
          `select pg_advisory_xact_lock(hashtextextended('assay.deletion_cancel:' || $1, 0)),
                  pg_advisory_xact_lock(hashtextextended('assay.deletion_window:' || $1, 0))`,
          [g.tenantId],
        );
        // The tenant row, held as a settings change holds it.
        await holder.query('select 1 from tenants where id = $1 for no key update', [g.tenantId]);
        // The doors' own wait, and the shred, inside the window: refused, and the refusal (its savepoint
        // rolled back, or the whole transaction left aborted) releases what they locked.
        for (const door of [
          'select assay_await_cancels($1)',
          "update tenant_keys set wrapped = '', destroyed_at = now() where tenant_id = $1",
        ]) {
          await holder.query('SAVEPOINT door');
          await expect(holder.query(door, [g.tenantId])).rejects.toSatisfy((e) => code(e) === '42501');
          await holder.query('ROLLBACK TO SAVEPOINT door');
        }
        await expect(aborted.query('select assay_await_cancels($1)', [g.tenantId])).rejects.toSatisfy(
          (e) => code(e) === '42501',
        );
        // The admin's cancel, with a 2 s lock_timeout, goes through at once.
        await cancelTenantDeletion(impatient.tenant(g.tenantId), 'user:admin', new Date());
        expect(await deletion(g.tenantId)).toBeNull();
        await holder.query('COMMIT');
      } finally {
        for (const c of [holder, aborted]) {
          await c.query('ROLLBACK').catch(() => undefined);
          await c.end();
        }
      }
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested', 'tenant.deletion_cancelled']);
      await doorsShutAfterAging(g);
    });

    it('a purge DELETE racing an in-time cancel waits for it and is then refused, with no data key to stop it (fifth review, MEDIUM-2)', async () => {
      // A: only its tenant row; B: its row, a set-up link and a queued mail. Neither has a data key.
      const a = await bareTenant();
      const b = await bareTenant();
      await store.tenant(b).write((tx) => {
        repo.insertSetupToken(tx, {
          id: hashToken(newSecret()),
          purpose: 'member_invite',
          tenantId: b,
          email: 'new@example.com',
          role: 'viewer',
          invitedBy: null,
          expiresAt: new Date(Date.now() + DAY),
        });
        tx.write(
          tx.db.insert(tx.t.mailOutbox).values({
            id: hashToken(newSecret()).slice(0, 26),
            tenantId: b,
            dedupeKey: `test:${newSecret()}`,
            toAddress: 'new@example.com',
            subject: 's',
            textBody: 't',
            status: 'pending',
            createdAt: new Date(),
            nextAttemptAt: new Date(),
          } as never),
        );
      });
      for (const id of [a, b]) {
        await bareRequest(id);
        await startWindow(impatient.tenant(id));
        // Three seconds before the deadline.
        await ageDeletionRequest(ts, id, 30 - 3 / 86_400);
      }
      const cancelling = new pg.Client({ connectionString: ts.pg!.appUrl });
      await cancelling.connect();
      const deleters: pg.Client[] = [];
      try {
        await cancelling.query('BEGIN');
        for (const id of [a, b]) {
          await cancelling.query("select set_config('app.tenant_id', $1, true)", [id]);
          const { rows } = await cancelling.query('select assay_cancel_deletion($1, $2) as c', [
            id,
            'user:admin',
          ]);
          expect(rows[0].c).not.toBeNull();
        }
        await sleep(3_500);
        // Past the deadline now, the cancels still in flight: the purge's deletes, each in a unit begun now.
        const outcomes: Promise<string | undefined>[] = [];
        for (const [id, text] of [
          [a, 'delete from tenants where id = $1'],
          [b, 'delete from setup_tokens where tenant_id = $1'],
          [b, 'delete from mail_outbox where tenant_id = $1'],
        ] as const) {
          const unit = await openUnit(id);
          deleters.push(unit);
          outcomes.push(
            unit.query(text, [id]).then(
              (r) => `deleted ${r.rowCount}`,
              (e) => code(e),
            ),
          );
        }
        let settled = 0;
        for (const o of outcomes) void o.then(() => settled++);
        await sleep(1_000);
        expect(settled).toBe(0);
        await cancelling.query('COMMIT');
        expect(await Promise.all(outcomes)).toEqual(['42501', '42501', '42501']);
      } finally {
        // All at once: a delete that went through (the guard removed) holds what another one waits for.
        await Promise.all(
          [cancelling, ...deleters].map(async (c) => {
            await c.query('ROLLBACK').catch(() => undefined);
            await c.end();
          }),
        );
      }
      for (const id of [a, b]) expect(await deletion(id)).toBeNull();
      const [left] = await store.tenant(b).read((ctx) =>
        rawRows<{ tokens: number; mails: number }>(
          ctx,
          sql`select (select count(*) from setup_tokens where tenant_id = ${b})::int as tokens,
                     (select count(*) from mail_outbox where tenant_id = ${b})::int as mails`,
        ),
      );
      expect(left).toEqual({ tokens: 1, mails: 1 });
      expect(await store.as({ system: 'cli' }).read((ctx) => repo.findTenants(ctx, a))).toHaveLength(1);
    });

    it("a session holding the old window-start key no longer stops the window from starting (fourth review's L1)", async () => {
      const g = await fixture(store);
      await bareRequest(g.tenantId);
      const holder = await openUnit(g.tenantId);
      try {
        await holder.query(
          `select pg_advisory_xact_lock(hashtextextended('assay.deletion_window:' || id || ':' ||
             to_char(deletion_requested_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 0))
             from tenants where id = $1`,
          [g.tenantId],
        );
        const { dueAt } = await startWindow(impatient.tenant(g.tenantId));
        expect(dueAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY);
        expect((await deletion(g.tenantId))!.windowFrom).not.toBeNull();
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested']);
    });

    it('migration 0031 gives every existing tenant its lock rows', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-pg-0030-'));
      fs.mkdirSync(path.join(dir, 'meta'));
      const journal = JSON.parse(fs.readFileSync(path.join(PG_MIGRATIONS, 'meta/_journal.json'), 'utf8'));
      journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 30);
      fs.writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify(journal));
      for (const e of journal.entries as { tag: string }[])
        fs.copyFileSync(path.join(PG_MIGRATIONS, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
      const db = await createTestDatabase();
      const owner = new pg.Client({ connectionString: db.ownerUrl });
      try {
        await migratePg(db.ownerUrl, db.ownerUrl, dir);
        await owner.connect();
        for (const tid of ['t1', 't2']) {
          await owner.query('BEGIN');
          await owner.query("select set_config('app.tenant_id', $1, true)", [tid]);
          await owner.query(
            "insert into tenants (id, name, settings, created_at) values ($1, 'x', '{}', now())",
            [tid],
          );
          await owner.query('COMMIT');
        }
        await migratePg(db.ownerUrl, db.appUrl);
        const { rows } = await owner.query<{ id: string; purpose: string }>(
          'select tenant_id as id, purpose from assay_private.tenant_locks order by 1, 2',
        );
        expect(rows.map((r) => `${r.id}:${r.purpose}`)).toEqual([
          't1:cancel',
          't1:window',
          't2:cancel',
          't2:window',
        ]);
      } finally {
        await owner.end().catch(() => undefined);
        await db.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    /** As the app role, as an attacker holding its credentials may: its own defaults for this database. */
    const setRoleDefault = async (setting: string) => {
      const client = new pg.Client({ connectionString: ts.pg!.appUrl });
      await client.connect();
      try {
        const role = new URL(ts.pg!.appUrl).username;
        await client.query(`ALTER ROLE ${role} IN DATABASE ${ts.pg!.name} ${setting}`);
      } finally {
        await client.end();
      }
    };
    const resetRoleDefaults = () => setRoleDefault('RESET ALL');

    it('a role default of REPEATABLE READ does not make an in-time cancel fail (sixth review, HIGH-1)', async () => {
      const g = await fixture(store);
      await request(g);
      await setRoleDefault("SET default_transaction_isolation = 'repeatable read'");
      // A fresh pool: its connections start with the role's new defaults, as after a restart.
      const fresh = openPgStore({ url: ts.pg!.appUrl, max: 1 });
      try {
        await cancelTenantDeletion(fresh.tenant(g.tenantId), 'user:admin', new Date());
      } finally {
        await fresh.close();
        await resetRoleDefaults();
      }
      expect(await deletion(g.tenantId)).toBeNull();
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested', 'tenant.deletion_cancelled']);
    });

    it("an attacker's own cancel held open and role timeouts do not stop or delay the admin's cancel (sixth review, HIGH-1, HIGH-2)", async () => {
      const g = await fixture(store);
      await request(g);
      await setRoleDefault("SET lock_timeout = '200ms'");
      await setRoleDefault("SET statement_timeout = '400ms'");
      const attacker = await openUnit(g.tenantId);
      const chain = await openUnit(g.tenantId);
      const fresh = openPgStore({ url: ts.pg!.appUrl, max: 1 });
      let cancel: Promise<unknown> | undefined;
      try {
        // Its own in-time cancel, never committed (before 0032, the admin's insert waited on it for good).
        await attacker.query("select assay_cancel_deletion($1, 'attacker')", [g.tenantId]);
        // The audit chain's key, held for 600 ms: longer than both role defaults.
        await chain.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`audit:${g.tenantId}`]);
        cancel = cancelTenantDeletion(fresh.tenant(g.tenantId), 'user:admin', new Date()).then(
          () => 'cancelled',
          (err: unknown) => err,
        );
        await sleep(600);
        await chain.query('COMMIT');
        const outcome = await Promise.race([cancel, sleep(3_000).then(() => 'still waiting')]);
        expect(outcome).toBe('cancelled');
        expect(await deletion(g.tenantId)).toBeNull();
      } finally {
        for (const c of [attacker, chain]) {
          await c.query('ROLLBACK').catch(() => undefined);
          await c.end();
        }
        await cancel;
        await fresh.close();
        await resetRoleDefaults();
      }
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested', 'tenant.deletion_cancelled']);
    });

    it("a held tenant row and audit chain key delay only the cancel's audit entry, never the cancel (sixth review)", async () => {
      const g = await fixture(store);
      await request(g);
      const holder = await openUnit(g.tenantId);
      const fresh = openPgStore({ url: ts.pg!.appUrl, max: 1 });
      let cancel: Promise<unknown> | undefined;
      try {
        // What the audit append waits for: the row its foreign key checks, and the chain's key.
        await holder.query('select 1 from tenants where id = $1 for update', [g.tenantId]);
        await holder.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`audit:${g.tenantId}`]);
        cancel = cancelTenantDeletion(fresh.tenant(g.tenantId), 'user:admin', new Date()).then(
          () => 'cancelled',
          (err: unknown) => err,
        );
        // The cancel is committed while its audit entry still waits for the holder.
        let cancelled = false;
        for (let i = 0; i < 30 && !cancelled; i++) {
          await sleep(100);
          cancelled = (await deletion(g.tenantId)) === null;
        }
        expect(cancelled).toBe(true);
        expect(await Promise.race([cancel, sleep(200).then(() => 'waiting')])).toBe('waiting');
        await holder.query('COMMIT');
        expect(await cancel).toBe('cancelled');
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
        await cancel;
        await fresh.close();
      }
      expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested', 'tenant.deletion_cancelled']);
      const trail = await store.tenant(g.tenantId).read((ctx) => repo.listAudit(ctx));
      expect(trail.map((e) => e.action)).toContain('tenant.deletion_cancelled');
    });

    it('the boot self-check refuses a role default isolation level and warns of role timeouts and backend signals (sixth review)', async () => {
      expect(await pgRoleProblems(store)).toEqual([]);
      expect(await pgRoleWarnings(store)).toEqual([]);
      await setRoleDefault("SET default_transaction_isolation = 'repeatable read'");
      await setRoleDefault("SET lock_timeout = '200ms'");
      const superuser = new URL(ADMIN_URL);
      superuser.pathname = `/${ts.pg!.name}`;
      const admin = new pg.Client({ connectionString: superuser.toString() });
      await admin.connect();
      try {
        await admin.query('GRANT EXECUTE ON FUNCTION pg_terminate_backend(integer, bigint) TO PUBLIC');
        // A claim's default (a superuser's doing: PostgreSQL 15 refuses the app role a placeholder default).
        await admin.query(
          `ALTER ROLE ${new URL(ts.pg!.appUrl).username} IN DATABASE ${ts.pg!.name} SET app.system = 'cli'`,
        );
        const problems = (await pgRoleProblems(store)).join('\n');
        expect(problems).toMatch(/sets default_transaction_isolation = 'repeatable read'/);
        expect(problems).toMatch(/RESET default_transaction_isolation/);
        expect(problems).toMatch(/sets the claim app.system = 'cli'/);
        expect(problems).not.toMatch(/lock_timeout/);
        const warnings = (await pgRoleWarnings(store)).join('\n');
        expect(warnings).toMatch(/sets lock_timeout = '200ms'/);
        expect(warnings).toMatch(
          /REVOKE EXECUTE ON FUNCTION pg_terminate_backend\(integer,bigint\) FROM PUBLIC/,
        );
        expect(warnings).not.toMatch(/pg_cancel_backend/);
      } finally {
        await admin.query('REVOKE EXECUTE ON FUNCTION pg_terminate_backend(integer, bigint) FROM PUBLIC');
        await admin.query(
          `ALTER ROLE ${new URL(ts.pg!.appUrl).username} IN DATABASE ${ts.pg!.name} RESET ALL`,
        );
        await admin.end();
      }
      expect(await pgRoleProblems(store)).toEqual([]);
      expect(await pgRoleWarnings(store)).toEqual([]);
    });
  });

  describe.runIf(dialect === 'pg')(
    'PostgreSQL: REPEATABLE READ units and the counting entry (fourth review, MEDIUM-2)',
    () => {
      /** A REPEATABLE READ transaction as the app role, its snapshot taken now and left open. */
      const openRepeatable = async (tenantId: string) => {
        const client = new pg.Client({ connectionString: ts.pg!.appUrl });
        await client.connect();
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
        await client.query('select count(*) from tenants');
        return client;
      };
      /** As the owner: a statement under the operator's claims (what only the database itself may write). */
      const asOwner = async (tenantId: string, text: string) => {
        const client = new pg.Client({ connectionString: ts.pg!.ownerUrl });
        await client.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            "select set_config('app.tenant_id', $1, true), set_config('app.system', 'cli', true)",
            [tenantId],
          );
          await client.query(text, [tenantId]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        } finally {
          await client.end();
        }
      };
      const actions = async (tenantId: string) =>
        (await store.as({ system: 'cli' }).read((ctx) => repo.listSystemLog(ctx, tenantId))).map(
          (e) => e.action,
        );
      const code = (err: unknown) => (err as { code?: string }).code;

      it('a window start or a cancel from a REPEATABLE READ unit is refused; one request has one request entry', async () => {
        const g = await fixture(store);
        await store.tenant(g.tenantId).write((tx) => repo.markTenantForDeletion(tx, 'user:someone'));
        const starting = await openRepeatable(g.tenantId);
        const cancelling = await openRepeatable(g.tenantId);
        const cancellingByFunction = await openRepeatable(g.tenantId);
        try {
          // Another unit starts the window after both snapshots were taken.
          await startWindow(store.tenant(g.tenantId));
          await expect(
            starting.query('select assay_start_deletion_window($1)', [g.tenantId]),
          ).rejects.toSatisfy((e) => code(e) === '42501');
          await expect(
            cancelling.query(
              "update tenants set deletion_requested_at = null, deletion_due_at = null, deletion_requested_by = 'user:admin' where id = $1",
              [g.tenantId],
            ),
          ).rejects.toSatisfy((e) => code(e) === '42501');
          await expect(
            cancellingByFunction.query("select assay_cancel_deletion($1, 'user:admin')", [g.tenantId]),
          ).rejects.toSatisfy((e) => code(e) === '42501');
        } finally {
          for (const c of [starting, cancelling, cancellingByFunction]) {
            await c.query('ROLLBACK').catch(() => undefined);
            await c.end();
          }
        }
        expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested']);
        expect(await deletion(g.tenantId)).not.toBeNull();
        // Nor does another tenant's unit cancel it (even one that, as the scheduler's, may append to the log).
        const other = await fixture(store);
        await expect(
          store.tenant(other.tenantId, { system: 'scheduler' }).write((tx) => {
            tx.write(sql`select assay_cancel_deletion(${g.tenantId}, 'user:admin')`);
          }),
        ).rejects.toSatisfy(isPermissionViolation);
        expect(await deletion(g.tenantId)).not.toBeNull();
        // Even the database's own writer cannot log the same request twice.
        await expect(
          asOwner(
            g.tenantId,
            `select assay_system_log_write(id, 'tenant.deletion_requested', 'user:x',
             jsonb_build_object('requested_at', assay_utc_text(deletion_requested_at)), clock_timestamp())
           from tenants where id = $1`,
          ),
        ).rejects.toSatisfy((e) => code(e) === '23505');
      });

      it('past the window, a REPEATABLE READ unit still cannot shred: its snapshot could miss a cancel (fifth review, HIGH-1)', async () => {
        const g = await fixture(store);
        await request(g);
        await ageDeletionRequest(ts, g.tenantId, 31);
        const shred = "update tenant_keys set wrapped = '', destroyed_at = now() where tenant_id = $1";
        const repeatable = await openRepeatable(g.tenantId);
        try {
          await expect(repeatable.query(shred, [g.tenantId])).rejects.toSatisfy((e) => code(e) === '42501');
        } finally {
          await repeatable.query('ROLLBACK').catch(() => undefined);
          await repeatable.end();
        }
        // The same statement at READ COMMITTED, where it sees every committed cancel, is the door.
        const committed = new pg.Client({ connectionString: ts.pg!.appUrl });
        await committed.connect();
        try {
          await committed.query('BEGIN');
          await committed.query("select set_config('app.tenant_id', $1, true)", [g.tenantId]);
          expect((await committed.query(shred, [g.tenantId])).rowCount).toBeGreaterThan(0);
          await committed.query('ROLLBACK');
        } finally {
          await committed.end();
        }
      });

      it('a cancel is refused once a data key is destroyed, never leaving a "cancelled" tenant without its keys (fifth review)', async () => {
        const g = await fixture(store);
        await request(g);
        expect((await store.tenant(g.tenantId).read((ctx) => repo.listDataKeys(ctx))).length).toBeGreaterThan(
          0,
        );
        // The keys gone while the window is still open: what a holder of the cancel lock could leave behind
        // once the deadline passed (here the owner, past the shred trigger).
        const owner = new pg.Client({ connectionString: ts.pg!.ownerUrl });
        await owner.connect();
        try {
          await owner.query('BEGIN');
          await owner.query("select set_config('app.tenant_id', $1, true)", [g.tenantId]);
          await owner.query('ALTER TABLE tenant_keys DISABLE TRIGGER tenant_keys_shred_window');
          await owner.query(
            "update tenant_keys set wrapped = '', destroyed_at = now() where tenant_id = $1",
            [g.tenantId],
          );
          await owner.query('ALTER TABLE tenant_keys ENABLE TRIGGER tenant_keys_shred_window');
          await owner.query('COMMIT');
        } finally {
          await owner.end();
        }
        await store.tenant(g.tenantId).write((tx) => {
          tx.write(sql`select assay_cancel_deletion(${g.tenantId}, 'user:admin')`);
        });
        expect(await deletion(g.tenantId)).not.toBeNull();
        expect(await actions(g.tenantId)).toEqual(['tenant.deletion_requested']);
      });

      it('the purge is judged by the counting entry, not by a stale entry logged after it', async () => {
        for (const stale of ['tenant.deletion_requested', 'tenant.deletion_cancelled']) {
          const g = await fixture(store);
          await request(g);
          await ageDeletionRequest(ts, g.tenantId, 31);
          // An entry for an older request (the kind a REPEATABLE READ unit could write late), logged last.
          await asOwner(
            g.tenantId,
            `select assay_system_log_write(id, '${stale}', 'user:x',
             jsonb_build_object('requested_at', assay_utc_text(deletion_requested_at - interval '40 days')),
             clock_timestamp())
           from tenants where id = $1`,
          );
          expect((await actions(g.tenantId)).at(-1)).toBe(stale);
          const r = await purgeTenant(g.platform, g.tenantId, new Date());
          expect(r?.tenantId).toBe(g.tenantId);
          expect((await actions(g.tenantId)).at(-1)).toBe('tenant.purged');
        }
      });
    },
  );

  it('a new tenant row carries no deletion state', async () => {
    const past = new Date(Date.now() - 60 * DAY);
    const id = newId();
    await expect(
      store.tenant(id).write((tx) => {
        tx.write(
          tx.db.insert(tx.t.tenants).values({
            id,
            name: 'Born doomed',
            settings: {},
            createdAt: new Date(),
            deletionRequestedAt: past,
            deletionDueAt: past,
            deletionWindowFrom: past,
            deletionRequestedBy: 'user:a',
          }),
        );
      }),
    ).rejects.toSatisfy(isPermissionViolation);
    expect(await store.as({ system: 'cli' }).read((ctx) => repo.findTenants(ctx, id))).toEqual([]);
  });

  it('never rewrites a pending window: moving the deadline or the request back is refused', async () => {
    const g = await fixture(store);
    await request(g);
    const d = (await deletion(g.tenantId))!;
    const past = new Date(Date.now() - 40 * DAY);
    const t = store.t.tenants;
    const dbNow =
      dialect === 'pg' ? sql`now()` : sql`CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;
    const rewrites = [
      { deletionDueAt: past },
      { deletionRequestedAt: past, deletionDueAt: new Date(past.getTime() + 30 * DAY) },
      { deletionWindowFrom: past },
      { deletionRequestedBy: 'user:someone-else' },
      // A cancel that keeps the request time is no cancel.
      { deletionDueAt: null },
      // Nor is a restart by the database's own clock (it would let a late cancel through).
      {
        deletionRequestedAt: dbNow,
        deletionWindowFrom: dbNow,
        deletionDueAt: dialect === 'pg' ? sql`now() + interval '720 hours'` : sql`${dbNow} + ${30 * DAY}`,
      },
    ];
    for (const set of rewrites) {
      await expect(
        store.tenant(g.tenantId).write((tx) => {
          tx.write(
            tx.db
              .update(t)
              .set(set as never)
              .where(eq(t.id, g.tenantId)),
          );
        }),
      ).rejects.toSatisfy(isPermissionViolation);
    }
    expect(await deletion(g.tenantId)).toEqual(d);
    await expect(openAuditDoor(g.tenantId)).rejects.toSatisfy(isPermissionViolation);
  });

  it('refuses a cancel once the deadline has passed, whatever the statement', async () => {
    const g = await fixture(store);
    await request(g);
    await ageDeletionRequest(ts, g.tenantId, 31);
    const d = await deletion(g.tenantId);
    const t = store.t.tenants;
    await expect(
      store.tenant(g.tenantId).write((tx) => {
        tx.write(
          tx.db
            .update(t)
            .set({ deletionRequestedAt: null, deletionDueAt: null, deletionRequestedBy: null })
            .where(eq(t.id, g.tenantId)),
        );
      }),
    ).rejects.toSatisfy(isPermissionViolation);
    expect(await deletion(g.tenantId)).toEqual(d);
  });

  it('lets the system log record only what happens: no purge by a tenant, no request that was not made', async () => {
    const g = await fixture(store);
    const log = store.t.systemLog;
    const forge = (action: 'tenant.purged' | 'tenant.deletion_requested' | 'tenant.deletion_cancelled') =>
      store.tenant(g.tenantId).write((tx) => {
        repo.appendSystemLog(tx, { tenantId: g.tenantId, action, actor: 'user:x', data: {} }, new Date());
      });
    // Not pending: neither a purge nor a request is on record.
    await expect(forge('tenant.purged')).rejects.toSatisfy(isPermissionViolation);
    await expect(forge('tenant.deletion_requested')).rejects.toSatisfy(isPermissionViolation);
    // Never pending: no cancel either.
    await expect(forge('tenant.deletion_cancelled')).rejects.toSatisfy(isPermissionViolation);
    await request(g);
    // Pending: no purge, no cancel, no second request.
    await expect(forge('tenant.purged')).rejects.toSatisfy(isPermissionViolation);
    await expect(forge('tenant.deletion_cancelled')).rejects.toSatisfy(isPermissionViolation);
    await expect(forge('tenant.deletion_requested')).rejects.toSatisfy(isPermissionViolation);
    // The scheduler cannot record the purge of a tenant that never was, nor of one inside its window.
    const ghost = newId();
    for (const tenantId of [ghost, g.tenantId])
      await expect(
        store.tenant(tenantId, { system: 'scheduler' }).write((tx) => {
          repo.appendSystemLog(
            tx,
            { tenantId, action: 'tenant.purged', actor: 'system:tenant-purge', data: {} },
            new Date(),
          );
        }),
      ).rejects.toSatisfy(isPermissionViolation);
    const entries = await store
      .as({ system: 'cli' })
      .read((ctx) => ctx.db.select().from(log).where(eq(log.tenantId, g.tenantId)));
    expect(entries.map((e) => e.action)).toEqual(['tenant.deletion_requested']);
  });

  it.runIf(dialect === 'pg')(
    'PostgreSQL: the database writes the request and cancel entries itself, by its wall clock',
    async () => {
      const g = await fixture(store);
      const before = Date.now();
      await request(g);
      const due = (await deletion(g.tenantId))!.dueAt;
      await cancelTenantDeletion(store.tenant(g.tenantId), 'user:canceller', new Date(Date.now() - 90 * DAY));
      const [requested, cancelled, ...rest] = await store
        .as({ system: 'cli' })
        .read((ctx) => repo.listSystemLog(ctx, g.tenantId));
      expect(rest).toEqual([]);
      for (const e of [requested!, cancelled!])
        expect(Math.abs(e.at.getTime() - before)).toBeLessThan(5 * MINUTE);
      expect(requested).toMatchObject({ action: 'tenant.deletion_requested', actor: 'user:someone' });
      // To the microsecond (the application's Date holds milliseconds).
      const dueAt = String(requested!.data.due_at);
      expect(dueAt).toMatch(/\.\d{6}Z$/);
      expect(Math.abs(Date.parse(dueAt) - due.getTime())).toBeLessThanOrEqual(1);
      expect(cancelled).toMatchObject({
        action: 'tenant.deletion_cancelled',
        actor: 'user:canceller',
        data: {},
      });
      // The cancelled row keeps no actor.
      expect(await deletion(g.tenantId)).toBeNull();
    },
  );

  it('shreds no data key inside the window, whatever the statement', async () => {
    const g = await fixture(store);
    await request(g);
    const keys = () => store.tenant(g.tenantId).read((ctx) => repo.listDataKeys(ctx));
    const before = await keys();
    expect(before.length).toBeGreaterThan(0);
    const tk = store.t.tenantKeys;
    for (const w of [
      (tx: TenantWriteCtx) =>
        tx.db.update(tk).set({ wrapped: '', destroyedAt: new Date() }).where(eq(tk.tenantId, g.tenantId)),
      (tx: TenantWriteCtx) => tx.db.delete(tk).where(eq(tk.tenantId, g.tenantId)),
    ])
      await expect(
        store.tenant(g.tenantId, { system: 'scheduler' }).write((tx) => {
          tx.write(w(tx));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
    expect(await keys()).toEqual(before);
  });

  it.runIf(dialect !== 'pg')(
    'SQLite and D1: INSERT OR REPLACE cannot replace a tenant row (a late cancel) or an audit entry',
    async () => {
      const g = await fixture(store);
      await store.tenant(g.tenantId).write((tx) => {
        tx.audit({ actor: 'user:x', action: 'test.entry', target: 'x' }, new Date());
      });
      await request(g);
      await ageDeletionRequest(ts, g.tenantId, 31);
      const [entry] = await store.tenant(g.tenantId).read((ctx) => repo.listAudit(ctx));
      const run = async (text: string) => {
        if (ts.d1) await (ts.d1.prepare(text) as unknown as { run(): Promise<unknown> }).run();
        else
          await store.as({ system: 'cli' }).write((tx) => {
            tx.write(sql.raw(text));
          });
      };
      const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
      await expect(
        run(
          `insert or replace into tenants (id, name, settings, created_at) values (${q(g.tenantId)}, 'x', '{}', 0)`,
        ),
      ).rejects.toSatisfy(isPermissionViolation);
      expect((await deletion(g.tenantId))?.requestedAt).toBeInstanceOf(Date);
      const cols = 'id, tenant_id, seq, ts, actor, action, target, data, prev_hash, this_hash';
      await expect(
        run(
          `insert or replace into audit_log (${cols}) select id, tenant_id, seq, ts, 'FORGED', action, target, data, prev_hash, this_hash from audit_log where tenant_id = ${q(g.tenantId)} and seq = ${Number(entry!.seq)}`,
        ),
      ).rejects.toSatisfy(isPermissionViolation);
      expect((await store.tenant(g.tenantId).read((ctx) => repo.listAudit(ctx)))[0]).toEqual(entry);
    },
  );

  it.runIf(dialect === 'pg')(
    'PostgreSQL: the tenant row, its set-up links and its mail cannot be deleted inside the window',
    async () => {
      const g = await fixture(store);
      await member(store, g.tenantId, 'admin');
      await store.tenant(g.tenantId).write((tx) => {
        repo.insertSetupToken(tx, {
          id: hashToken(newSecret()),
          purpose: 'member_invite',
          tenantId: g.tenantId,
          email: 'new@example.com',
          role: 'viewer',
          invitedBy: null,
          expiresAt: new Date(Date.now() + DAY),
        });
        tx.write(
          tx.db.insert(tx.t.mailOutbox).values({
            id: hashToken(newSecret()).slice(0, 26),
            tenantId: g.tenantId,
            dedupeKey: `test:${newSecret()}`,
            toAddress: 'new@example.com',
            subject: 's',
            textBody: 't',
            status: 'pending',
            createdAt: new Date(),
            nextAttemptAt: new Date(),
          } as never),
        );
      });
      await request(g);
      const counts = () =>
        store.tenant(g.tenantId).read(async (ctx) => {
          const [r] = await rawRows<{ tokens: number; mails: number; tenants: number }>(
            ctx,
            sql`select (select count(*) from setup_tokens where tenant_id = ${g.tenantId})::int as tokens,
                       (select count(*) from mail_outbox where tenant_id = ${g.tenantId})::int as mails,
                       (select count(*) from tenants where id = ${g.tenantId})::int as tenants`,
          );
          return r;
        });
      const before = await counts();
      expect(before).toEqual({ tokens: 1, mails: 1, tenants: 1 });
      await store.tenant(g.tenantId, { system: 'scheduler' }).write((tx) => {
        tx.write(tx.db.delete(tx.t.setupTokens).where(eq(tx.t.setupTokens.tenantId, g.tenantId)));
        tx.write(tx.db.delete(tx.t.mailOutbox).where(eq(tx.t.mailOutbox.tenantId, g.tenantId)));
        // Memberships first, or the foreign key would refuse before the policy is asked.
        tx.write(tx.db.delete(tx.t.memberships).where(eq(tx.t.memberships.tenantId, g.tenantId)));
      });
      await store
        .tenant(g.tenantId, { system: 'scheduler' })
        .write((tx) => {
          tx.write(tx.db.delete(tx.t.tenants).where(eq(tx.t.tenants.id, g.tenantId)));
        })
        .catch(() => undefined); // other tenant rows may still reference it: either way it must stay
      expect(await counts()).toEqual(before);
    },
  );

  it('never tombstones an identity that belongs to another tenant', async () => {
    const g = await fixture(store);
    const shared = await member(store, g.tenantId, 'analyst');
    await store.tenant(g.other.tenantId).write((tx) => repo.addMembership(tx, shared.userId, 'viewer'));
    await expect(
      store.tenant(g.tenantId, { userId: shared.userId }).write((tx) => {
        repo.tombstoneUser(tx, shared.userId, new Date());
      }),
    ).rejects.toSatisfy(isPermissionViolation);
    // Without the user's claim the unit cannot even see the other membership: refused all the same.
    await expect(
      store.tenant(g.tenantId).write((tx) => {
        repo.tombstoneUser(tx, shared.userId, new Date());
      }),
    ).rejects.toSatisfy(isPermissionViolation);
    const still = await store.tenant(g.other.tenantId).read((ctx) => repo.getMember(ctx, shared.userId));
    expect(still!.email).toBe(shared.email);
  });

  it('purge: tombstones the identities that belonged only to the tenant, keeps the shared ones', async () => {
    const g = await fixture(store);
    const sole = await member(store, g.tenantId, 'admin');
    const shared = await member(store, g.tenantId, 'analyst');
    await store.tenant(g.other.tenantId).write((tx) => repo.addMembership(tx, shared.userId, 'viewer'));
    await request(g);
    await ageDeletionRequest(ts, g.tenantId, 31);
    expect(await purgeTenant(g.platform, g.tenantId, new Date())).not.toBeNull();
    const identity = (userId: string) =>
      store.as({ userId }).read(async (ctx) => {
        const [row] = await rawRows<{ email: string; password_hash: string | null; disabled_at: unknown }>(
          ctx,
          sql`select email, password_hash, disabled_at from users where id = ${userId}`,
        );
        return row;
      });
    const gone = (await identity(sole.userId))!;
    expect(gone.email).toBe(`erased-${sole.userId.toLowerCase()}@erased.invalid`);
    expect(gone.password_hash).toBeNull();
    expect(gone.disabled_at).not.toBeNull();
    expect((await identity(shared.userId))!.email).toBe(shared.email);
    const kept = await store.tenant(g.other.tenantId).read((ctx) => repo.getMember(ctx, shared.userId));
    expect(kept!.email).toBe(shared.email);
  });

  it('pending: an invitation can no longer be accepted (410), and nobody joins', async () => {
    const g = await fixture(store);
    const token = newSecret();
    await store.tenant(g.tenantId).write((tx) =>
      repo.insertSetupToken(tx, {
        id: hashToken(token),
        purpose: 'member_invite',
        tenantId: g.tenantId,
        email: `late-${newSecret().slice(0, 6).toLowerCase()}@example.com`,
        role: 'viewer',
        invitedBy: null,
        expiresAt: new Date(Date.now() + DAY),
      }),
    );
    await request(g);
    const members = async () => (await store.tenant(g.tenantId).read((ctx) => repo.listMembers(ctx))).length;
    const before = await members();
    const password = 'correct horse battery staple 42';
    await expect(
      completeSetup(store, g.platform.passwords, token, { password, passwordConfirm: password }, new Date()),
    ).rejects.toMatchObject({ status: 410 });
    expect(await members()).toBe(before);
  });

  it('pending: the hourly checkpoint still signs the trail, the request included', async () => {
    const g = await fixture(store);
    await request(g);
    const size = await auditCount(g.tenantId);
    await checkpointAllTenants({ ...g.platform, baseUrl: BASE_URL }, new Date());
    const latest = await store.tenant(g.tenantId).read((ctx) => repo.latestCheckpoint(ctx));
    expect(latest?.treeSize).toBe(size);
  });
});
