/**
 * The deletion window is the database's clock (migrations/*\/…_tenant_exit_guards.sql), so a test cannot
 * ask "31 days ago" through the application. This moves a pending request's times back as only someone
 * with the database itself could: on SQLite and D1 the guard trigger is dropped and re-created around the
 * statement, on PostgreSQL the owner disables it inside one transaction.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { rawRows } from '../../src/db/store.js';
import type { TestStore } from '../support/stores.js';

const DAY = 86_400_000;

export async function ageDeletionRequest(ts: TestStore, tenantId: string, days: number): Promise<void> {
  if (ts.pg) {
    const secs = (days * DAY) / 1000;
    await asOwner(ts, tenantId, async (client) => {
      // On PostgreSQL the window starts with the request's system log entry (migrations/pg/0030…sql).
      const started = await client.query(
        'select 1 from tenants where id = $1 and assay_deletion_window_from(id, deletion_requested_at) is not null',
        [tenantId],
      );
      if (started.rowCount !== 1) throw new Error(`tenant ${tenantId} has no started deletion window to age`);
      await ageRequestColumns(client, tenantId, secs);
      await ageLog(client, tenantId, secs);
    });
    return;
  }
  const { store } = ts;
  const [guard] = await store
    .as({ system: 'cli' })
    .read((ctx) =>
      rawRows<{ sql: string }>(
        ctx,
        sql`select sql from sqlite_master where type = 'trigger' and name = 'tenants_deletion_guard'`,
      ),
    );
  if (!guard) throw new Error('the tenants_deletion_guard trigger is missing');
  const update = `update tenants set deletion_requested_at = deletion_requested_at - ${days * DAY}, deletion_due_at = deletion_due_at - ${days * DAY}, deletion_window_from = deletion_window_from - ${days * DAY} where id = ? and deletion_window_from is not null`;
  if (ts.d1) {
    const b = ts.d1;
    await b.batch([
      b.prepare('drop trigger tenants_deletion_guard'),
      (b.prepare(update) as unknown as { bind(...p: unknown[]): ReturnType<typeof b.prepare> }).bind(
        tenantId,
      ),
      b.prepare(guard.sql),
    ]);
    return;
  }
  await store.as({ system: 'cli' }).write((tx) => {
    tx.write(sql`drop trigger tenants_deletion_guard`);
    tx.write(sql.raw(update.replace('?', `'${tenantId.replace(/'/g, "''")}'`)));
    tx.write(sql.raw(guard.sql));
  });
}

/**
 * PostgreSQL: moves every system log entry of the tenant `days` back, the request time each names with
 * it (so an entry still belongs to the request it started), and the tenant row's request with them when
 * one is still there (a cancelled request whose row is not cleared yet), as only the owner can. For a
 * tenant with no pending request too: time passing after a cancel.
 */
export async function ageSystemLog(ts: TestStore, tenantId: string, days: number): Promise<void> {
  await asOwner(ts, tenantId, async (client) => {
    await ageRequestColumns(client, tenantId, (days * DAY) / 1000);
    await ageLog(client, tenantId, (days * DAY) / 1000);
  });
}

/** One transaction as the database owner under the tenant's claims; rolled back if `fn` throws. */
async function asOwner(ts: TestStore, tenantId: string, fn: (client: pg.Client) => Promise<void>) {
  const client = new pg.Client({ connectionString: ts.pg!.ownerUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
    await fn(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    await client.end();
  }
}

/** The tenant row's pending request and provisional deadline, `secs` earlier (past the clock trigger). */
async function ageRequestColumns(client: pg.Client, tenantId: string, secs: number): Promise<void> {
  await client.query('ALTER TABLE tenants DISABLE TRIGGER tenants_deletion_clock');
  await client.query(
    `update tenants set deletion_requested_at = deletion_requested_at - make_interval(secs => $2),
       deletion_due_at = deletion_due_at - make_interval(secs => $2)
     where id = $1 and deletion_requested_at is not null`,
    [tenantId, secs],
  );
  await client.query('ALTER TABLE tenants ENABLE TRIGGER tenants_deletion_clock');
}

async function ageLog(client: pg.Client, tenantId: string, secs: number): Promise<void> {
  await client.query('ALTER TABLE system_log NO FORCE ROW LEVEL SECURITY');
  await client.query('ALTER TABLE system_log DISABLE TRIGGER system_log_no_update');
  await client.query(
    `update system_log set at = at - make_interval(secs => $2),
       data = case when data ? 'requested_at' then jsonb_set(data, '{requested_at}', to_jsonb(
         assay_utc_text((data->>'requested_at')::timestamptz - make_interval(secs => $2)))) else data end
     where tenant_id = $1`,
    [tenantId, secs],
  );
  await client.query('ALTER TABLE system_log ENABLE TRIGGER system_log_no_update');
  await client.query('ALTER TABLE system_log FORCE ROW LEVEL SECURITY');
}

/**
 * PostgreSQL: moves only the tenant row's request `days` back, as if the request had been held
 * uncommitted that long before its window started (its entry is written afterwards, by the wall clock).
 */
export async function ageRequestRow(ts: TestStore, tenantId: string, days: number): Promise<void> {
  await asOwner(ts, tenantId, (client) => ageRequestColumns(client, tenantId, (days * DAY) / 1000));
}
