/**
 * Tenant exit (docs/tenant-exit.md): the deletion state on the tenant row, the system log, the crypto-
 * shredding of the tenant's keys and the purge of every row the tenant owns. Guards are in the statements:
 * a request only applies to a tenant not already pending, a cancel only to a pending one, and the shred
 * and purge only to a tenant whose deadline has passed (and the database's triggers check that again for
 * the audit rows, by its own clock).
 */
import { and, asc, count, eq, isNotNull, isNull, lte, ne, sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { newId } from '../ids.js';
import { isTenantTable } from '../kit.sqlite.js';
import { sqliteTables } from '../schema.sqlite.js';
import { type ReadCtx, rawRows, type TenantReadCtx, type TenantWriteCtx, type WriteCtx } from '../store.js';
import type { Tables } from '../tables.js';
import { USER_SECRETS_CLEARED } from './privacy-subjects.js';

export type TenantDeletion = {
  requestedAt: Date;
  dueAt: Date;
  requestedBy: string | null;
  /**
   * When the database started the 30-day window (PostgreSQL: the time of the request's system log entry,
   * null until a later unit writes it; until then `dueAt` is the earliest the deadline can be).
   */
  windowFrom: Date | null;
};

export const NOT_PENDING = 'tenant-not-pending-deletion';
export const PENDING = 'tenant-pending-deletion';
export const PAST_DUE = 'tenant-past-deletion-deadline';

/**
 * PostgreSQL: when the window of the tenant's pending request started, from its system log entry (null
 * until one is committed; migrations/pg/0030_window_start_log.sql). Columns, not a lookup by id, so a
 * statement that waited for the row's lock judges the row as it is now.
 */
const pgWindowFrom = (t: Tables) =>
  sql<Date | null>`assay_deletion_window_from(${t.tenants.id}, ${t.tenants.deletionRequestedAt})`;

/** PostgreSQL: the pending request has a cancel entry (cancelled; the row not cleared yet). */
const pgCancelled = (t: Tables) =>
  sql<boolean>`assay_deletion_cancelled(${t.tenants.id}, ${t.tenants.deletionRequestedAt})`;

/** The unit's tenant's pending deletion, or null. */
export async function getTenantDeletion({
  db,
  t,
  tenantId,
  dialect,
}: TenantReadCtx): Promise<TenantDeletion | null> {
  const [row] = await db
    .select({
      requestedAt: t.tenants.deletionRequestedAt,
      dueAt: t.tenants.deletionDueAt,
      requestedBy: t.tenants.deletionRequestedBy,
      windowFrom:
        dialect === 'pg'
          ? pgWindowFrom(t).mapWith(t.tenants.deletionWindowFrom)
          : t.tenants.deletionWindowFrom,
      cancelled: dialect === 'pg' ? pgCancelled(t) : sql<boolean>`0`,
    })
    .from(t.tenants)
    .where(eq(t.tenants.id, tenantId));
  // PostgreSQL: a request with a cancel entry is cancelled, whether or not its row is cleared yet.
  if (!row?.requestedAt || !row.dueAt || (dialect === 'pg' && row.cancelled)) return null;
  const windowFrom = row.windowFrom;
  return {
    requestedAt: row.requestedAt,
    // PostgreSQL's column holds the earliest the deadline can be; once the window started, it is that plus 30 days.
    dueAt: dialect === 'pg' && windowFrom ? new Date(windowFrom.getTime() + WINDOW_MS) : row.dueAt,
    requestedBy: row.requestedBy,
    windowFrom,
  };
}

/**
 * Marks the tenant pending deletion; the unit fails with NOT_PENDING when it already is. The times are the
 * database's: SQLite and D1 take exactly its clock here (their guard trigger refuses anything else), and
 * start the window with the request; PostgreSQL's trigger stamps the request with its wall clock and
 * leaves the window to `startDeletionWindow`, in a later transaction.
 */
export function markTenantForDeletion(tx: TenantWriteCtx, by: string): void {
  const { db, t, tenantId } = tx;
  const now = dbNow(tx);
  // A cancelled request whose row clear had to wait: cleared first, so the new request applies.
  if (tx.dialect === 'pg') clearCancelledDeletion(tx);
  tx.write(
    db
      .update(t.tenants)
      .set(
        tx.dialect === 'pg'
          ? { deletionRequestedAt: sql`clock_timestamp()`, deletionRequestedBy: by }
          : {
              deletionRequestedAt: now,
              deletionWindowFrom: now,
              deletionDueAt: sql`${now} + ${WINDOW_MS}`,
              deletionRequestedBy: by,
            },
      )
      .where(and(eq(t.tenants.id, tenantId), isNull(t.tenants.deletionRequestedAt))),
    { guard: NOT_PENDING },
  );
}

/**
 * PostgreSQL: starts the window of a committed request: the database writes the request's system log
 * entry by its wall clock, reading the request without locking the tenant row (a request still
 * uncommitted, or made in this same transaction, is refused; one whose entry another transaction is
 * writing is left to it). SQLite and D1 started it with the request: nothing to do. Idempotent.
 */
export function startDeletionWindow(tx: TenantWriteCtx): void {
  if (tx.dialect !== 'pg') return;
  tx.write(sql`select assay_start_deletion_window(${tx.tenantId})`);
}

/** Requests whose window has not started (PostgreSQL: a crash between the two units); the purge job starts them. */
export async function tenantsAwaitingWindow({ db, t, dialect }: ReadCtx): Promise<{ id: string }[]> {
  return db
    .select({ id: t.tenants.id })
    .from(t.tenants)
    .where(
      and(
        isNotNull(t.tenants.deletionRequestedAt),
        dialect === 'pg'
          ? sql`${pgWindowFrom(t)} is null and not ${pgCancelled(t)}`
          : isNull(t.tenants.deletionWindowFrom),
      ),
    )
    .orderBy(asc(t.tenants.id));
}

/** PostgreSQL: cancelled requests whose tenant row is not cleared yet (its clear waited); the purge job clears them. */
export async function tenantsCancelledUncleared({ db, t, dialect }: ReadCtx): Promise<{ id: string }[]> {
  if (dialect !== 'pg') return [];
  return db
    .select({ id: t.tenants.id })
    .from(t.tenants)
    .where(and(isNotNull(t.tenants.deletionRequestedAt), pgCancelled(t)))
    .orderBy(asc(t.tenants.id));
}

/** Set locally to 0 (no limit) in a cancel's unit: a role default must not make an in-time cancel give up. */
const CANCEL_TIMEOUTS = ['lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout'];

/** PostgreSQL: this unit's statements wait without a time limit, whatever the role's defaults say. */
export function waitWithoutLimit(tx: TenantWriteCtx): void {
  if (tx.dialect !== 'pg') return;
  tx.write(
    sql`select ${sql.join(
      CANCEL_TIMEOUTS.map((name) => sql`set_config(${name}, '0', true)`),
      sql`, `,
    )}`,
  );
}

/**
 * Cancels a pending deletion before its deadline (the database's clock); the unit fails with PENDING when
 * there is none (or it is past due). PostgreSQL: the cancel is the database's cancel entry alone, written
 * without locking the tenant row (assay_cancel_deletion, migrations/pg/0030…sql; its lock is a row the app
 * role cannot reach, 0031); `clearCancelledDeletion` clears the row afterwards. SQLite and D1 clear the row
 * in this statement.
 */
export function clearTenantDeletion(tx: TenantWriteCtx, by: string): void {
  const { db, t, tenantId } = tx;
  if (tx.dialect === 'pg') {
    // The cancel waits as long as it must (nothing an app-role session holds can make it wait for good):
    // our own timeouts, whatever defaults the role was given (docs/tenant-exit.md, sixth review, HIGH-1).
    waitWithoutLimit(tx);
    tx.write(sql`select c from assay_cancel_deletion(${tenantId}, ${by}) c where c is not null`, {
      guard: PENDING,
    });
    return;
  }
  tx.write(
    db
      .update(t.tenants)
      .set({
        deletionRequestedAt: null,
        deletionDueAt: null,
        deletionRequestedBy: null,
        deletionWindowFrom: null,
      })
      .where(
        and(
          eq(t.tenants.id, tenantId),
          isNotNull(t.tenants.deletionRequestedAt),
          sql`${t.tenants.deletionDueAt} > ${dbNow(tx)}`,
        ),
      ),
    { guard: PENDING },
  );
}

/**
 * PostgreSQL: clears the tenant row of a request that has a cancel entry (the trigger lets that through
 * even past the window, and logs nothing more). `lockTimeoutMs`: give up waiting for the row's lock after
 * that long (the cancel has taken effect; the purge job or the next request clears the row).
 */
export function clearCancelledDeletion(tx: TenantWriteCtx, lockTimeoutMs?: number): void {
  const { db, t, tenantId } = tx;
  if (tx.dialect !== 'pg') return;
  if (lockTimeoutMs !== undefined)
    tx.write(sql`select set_config('lock_timeout', ${`${Math.trunc(lockTimeoutMs)}ms`}, true)`);
  tx.write(
    db
      .update(t.tenants)
      .set({ deletionRequestedAt: null, deletionDueAt: null, deletionRequestedBy: null })
      .where(and(eq(t.tenants.id, tenantId), isNotNull(t.tenants.deletionRequestedAt), pgCancelled(t))),
  );
}

/** Ends every session in the tenant (members and vendors) but `keep` (the admin who asked). */
export function endTenantSessions(tx: TenantWriteCtx, keep: string | null): void {
  const { db, t, tenantId } = tx;
  tx.write(
    db
      .delete(t.sessions)
      .where(and(eq(t.sessions.tenantId, tenantId), keep ? ne(t.sessions.id, keep) : undefined)),
  );
}

// ---- system log ------------------------------------------------------------------------------------

export type SystemLogEntry = {
  tenantId: string;
  action: 'tenant.deletion_requested' | 'tenant.deletion_cancelled' | 'tenant.purged';
  actor: string;
  data: Record<string, number | string | null>;
};

export function appendSystemLog(tx: WriteCtx, e: SystemLogEntry, now: Date): void {
  tx.write(tx.db.insert(tx.t.systemLog).values({ id: newId(), at: now, ...e }));
}

/** The system log, oldest first (read as the operator or the scheduler). */
export async function listSystemLog({ db, t }: ReadCtx, tenantId?: string) {
  return db
    .select()
    .from(t.systemLog)
    .where(tenantId ? eq(t.systemLog.tenantId, tenantId) : undefined)
    .orderBy(asc(t.systemLog.at), asc(t.systemLog.id));
}

/**
 * PostgreSQL: when the window of the tenant's latest logged request started, by its counting entry (the
 * earliest request entry naming that request), null when there is none or it was cancelled: what the
 * system log's trigger judges a purge entry by, whatever entry came last.
 */
export async function loggedWindowFrom(ctx: ReadCtx, tenantId: string): Promise<Date | null> {
  const [row] = await rawRows<{ w: Date | string | null }>(
    ctx,
    sql`select window_from as w from assay_system_log_state(${tenantId})`,
  );
  return row?.w ? new Date(row.w) : null;
}

// ---- the purge -------------------------------------------------------------------------------------

/** Tenants whose deletion deadline has passed (read with the scheduler's or the operator's claim). */
export async function tenantsDueForPurge({ db, t }: ReadCtx, now: Date): Promise<{ id: string }[]> {
  return db
    .select({ id: t.tenants.id })
    .from(t.tenants)
    .where(and(isNotNull(t.tenants.deletionDueAt), lte(t.tenants.deletionDueAt, now)))
    .orderBy(asc(t.tenants.id));
}

const WINDOW_MS = 30 * 86_400_000;

/** The database's own clock (the window is its: migrations/*\/…_tenant_exit_guards.sql). */
const dbNow = (tx: WriteCtx) =>
  tx.dialect === 'pg' ? sql`now()` : sql`CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;

/** When a window must have started to have passed, by the same clock. */
const windowStart = (tx: WriteCtx) =>
  tx.dialect === 'pg' ? sql`now() - interval '720 hours'` : sql`${dbNow(tx)} - ${WINDOW_MS}`;

/**
 * The guard every purge unit carries: the tenant is (still) past its deadline, so a cancel that won the
 * race stops it. By the database's clock, as its triggers judge it: an application clock running ahead
 * must not shred keys the database would then refuse to let go of.
 */
function assertPastDue(tx: TenantWriteCtx, now: Date): void {
  const { db, t, tenantId } = tx;
  const pg = tx.dialect === 'pg';
  const from = pg ? pgWindowFrom(t) : sql`${t.tenants.deletionWindowFrom}`;
  tx.write(
    db
      .update(t.tenants)
      .set({ deletionDueAt: sql`${t.tenants.deletionDueAt}` })
      .where(
        and(
          eq(t.tenants.id, tenantId),
          isNotNull(t.tenants.deletionDueAt),
          lte(t.tenants.deletionDueAt, now),
          sql`${t.tenants.deletionDueAt} <= ${dbNow(tx)}`,
          sql`${from} <= ${windowStart(tx)}`,
          // PostgreSQL's deadline column is only the earliest: the application's clock against the real one.
          pg ? sql`${from} + interval '720 hours' <= ${now.toISOString()}::timestamptz` : undefined,
        ),
      ),
    { guard: PAST_DUE },
  );
}

/**
 * Crypto-shredding: the tenant's wrapped data keys are overwritten and marked destroyed. Sealed contacts
 * and the per-file keys of evidence are wrapped by them, so neither (nor any copy of a blob or of a
 * backup) decrypts any more, whether or not the rows and files are deleted afterwards.
 */
export function shredTenantKeys(tx: TenantWriteCtx, now: Date): void {
  const { db, t, tenantId } = tx;
  assertPastDue(tx, now);
  tx.write(
    db.update(t.tenantKeys).set({ wrapped: '', destroyedAt: now }).where(eq(t.tenantKeys.tenantId, tenantId)),
  );
}

/** Every evidence row, live or not (the purge deletes each one's blob). */
export async function listAllEvidenceForPurge({ db, t, tenantId }: TenantReadCtx) {
  return db
    .select({ id: t.evidence.id, sha256: t.evidence.sha256, fileKey: t.evidence.fileKey })
    .from(t.evidence)
    .where(eq(t.evidence.tenantId, tenantId));
}

type TableKey = keyof Tables;
const AUDIT_TABLES: readonly TableKey[] = ['auditLog', 'auditCheckpoints', 'auditMerkleBlocks'];

/**
 * The tenant tables, each after every table that references it (so deletes never break a foreign key),
 * derived from the definitions: a new tenant table is purged without anyone remembering to list it.
 */
export const PURGE_ORDER: readonly TableKey[] = (() => {
  const keys = (Object.keys(sqliteTables) as TableKey[]).filter((k) => isTenantTable(sqliteTables[k]));
  const nameOf = new Map(keys.map((k) => [getTableConfig(sqliteTables[k] as never).name, k]));
  const refs = new Map<TableKey, Set<TableKey>>(
    keys.map((k) => {
      const cfg = getTableConfig(sqliteTables[k] as never);
      const targets = cfg.foreignKeys
        .map((fk) => nameOf.get(getTableConfig(fk.reference().foreignTable as never).name))
        .filter((x): x is TableKey => x !== undefined && x !== k);
      return [k, new Set(targets)];
    }),
  );
  const order: TableKey[] = [];
  const left = new Set(keys);
  while (left.size > 0) {
    const next = [...left].find((k) => ![...left].some((o) => refs.get(o)!.has(k)));
    if (!next) throw new Error('tenant tables reference each other in a cycle');
    order.push(next);
    left.delete(next);
  }
  return order;
})();

/** Rows per tenant table (the system log's counts); read before the purge in the same unit. */
export async function countTenantRows(ctx: TenantReadCtx): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of PURGE_ORDER) {
    const table = ctx.t[key] as typeof ctx.t.vendors;
    const [row] = await ctx.db.select({ n: count() }).from(table).where(eq(table.tenantId, ctx.tenantId));
    out[key] = Number(row?.n ?? 0);
  }
  return out;
}

/**
 * The people who belonged only to this tenant: their identities are tombstoned (no address, no password
 * or second factor, disabled) and their recovery codes erased, while the memberships that prove it still
 * exist; identities with another tenant are untouched (the database refuses to tombstone those). On
 * PostgreSQL a unit cannot see other tenants' memberships, so a SECURITY DEFINER function past the
 * deadline does it.
 */
function tombstoneSoleIdentities(tx: TenantWriteCtx, now: Date): void {
  const { tenantId } = tx;
  if (tx.dialect === 'pg') {
    tx.write(sql`select assay_purge_sole_identities(${tenantId})`);
    return;
  }
  const { db, t } = tx;
  // Query builders, not raw statements: D1's batch takes only those.
  const sole = sql`(select m.user_id from memberships m where m.tenant_id = ${tenantId} and not exists (select 1 from memberships o where o.user_id = m.user_id and o.tenant_id <> ${tenantId}))`;
  tx.write(db.delete(t.mfaRecoveryCodes).where(sql`${t.mfaRecoveryCodes.userId} in ${sole}`));
  tx.write(
    db
      .update(t.users)
      .set({
        email: sql`'erased-' || lower(${t.users.id}) || '@erased.invalid'`,
        ...USER_SECRETS_CLEARED,
        disabledAt: sql`coalesce(${t.users.disabledAt}, ${now.getTime()})`,
      })
      .where(
        sql`${t.users.email} <> 'erased-' || lower(${t.users.id}) || '@erased.invalid' and ${t.users.id} in ${sole}`,
      ),
  );
}

/**
 * Queues the deletion of every row the tenant owns, its sessions, links and queued mail, and the tenant
 * row itself. The audit trail goes through the one narrow door the database leaves: on SQLite the
 * triggers let a DELETE through for a tenant past its deadline; on PostgreSQL the app role has no DELETE
 * on those tables and calls assay_purge_tenant_audit, which checks the same.
 */
export function purgeTenantRows(tx: TenantWriteCtx, now: Date): void {
  const { db, t, tenantId } = tx;
  assertPastDue(tx, now);
  tombstoneSoleIdentities(tx, now);
  // The one self-reference: a re-assessment's pointer to its predecessor.
  tx.write(
    db.update(t.assessments).set({ previousAssessmentId: null }).where(eq(t.assessments.tenantId, tenantId)),
  );
  for (const key of PURGE_ORDER) {
    if (AUDIT_TABLES.includes(key)) continue;
    const table = t[key] as typeof t.vendors;
    tx.write(db.delete(table).where(eq(table.tenantId, tenantId)));
  }
  if (tx.dialect === 'pg') tx.write(sql`select assay_purge_tenant_audit(${tenantId})`);
  else
    for (const key of AUDIT_TABLES) {
      const table = t[key] as typeof t.vendors;
      tx.write(db.delete(table).where(eq(table.tenantId, tenantId)));
    }
  tx.write(db.delete(t.sessions).where(eq(t.sessions.tenantId, tenantId)));
  tx.write(db.delete(t.setupTokens).where(eq(t.setupTokens.tenantId, tenantId)));
  tx.write(db.delete(t.mailOutbox).where(eq(t.mailOutbox.tenantId, tenantId)));
  tx.write(db.delete(t.tenants).where(eq(t.tenants.id, tenantId)), { guard: PAST_DUE });
}
