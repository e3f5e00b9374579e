/**
 * Tenant exit, part two (docs/tenant-exit.md): an admin asks for the tenant's deletion by typing its
 * name; the tenant is then pending for 30 days (members other than admins are signed out and kept out,
 * vendor links and portal sessions stop working, jobs skip it) and an admin may cancel. After the
 * deadline the purge job crypto-shreds the tenant's data keys in one unit, then deletes every row (the
 * audit trail through the database's one narrow door) and writes a `system_log` entry in a second, then
 * deletes the evidence blobs. Each step is idempotent: a crash is finished by the next run.
 */
import * as repo from '../db/repo/index.js';
import { GuardError, isLockTimeout, type TenantReadCtx, type TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { dataKeysFor } from '../evidence/data-keys.js';
import { evidenceBlobAddress } from '../evidence/evidence.js';
import { pruneDevOutbox } from '../mail/outbox-prune.js';
import type { Ports } from '../platform/ports.js';

export const DELETION_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

export const deletionDeadline = (now: Date) => new Date(now.getTime() + DELETION_WINDOW_DAYS * DAY_MS);

export class TenantDeletionError extends HttpError {}

type TenantScope = {
  write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T>;
  read<T>(fn: (ctx: TenantReadCtx) => Promise<T> | T): Promise<T>;
};

/**
 * Requests the unit's tenant's deletion. `typedName` must be the tenant's name exactly (after trimming).
 * Two units: the request (the tenant closes, its sessions end, the audit entry), then the start of its
 * 30-day window, which on PostgreSQL the database accepts only from a later transaction than the
 * request's (docs/tenant-exit.md), with the system log entry that names the deadline. Should the second
 * fail, the purge job starts the window; the deadline shown is the database's, read back.
 */
export async function requestTenantDeletion(
  scope: TenantScope,
  input: { typedName: string; actor: string; keepSessionId: string | null },
  now: Date,
): Promise<{ dueAt: Date }> {
  try {
    await scope.write(async (tx) => {
      const tenant = await repo.currentTenant(tx);
      if (!tenant || input.typedName.trim() !== tenant.name)
        throw new TenantDeletionError(422, 'Type the workspace’s name exactly as shown to confirm.');
      const { actor } = input;
      repo.markTenantForDeletion(tx, actor);
      repo.endTenantSessions(tx, input.keepSessionId);
      // SQLite and D1 start the window with the request; PostgreSQL writes this entry itself, when its
      // window starts (migrations/pg/…_tenant_exit_guards.sql).
      if (tx.dialect !== 'pg')
        repo.appendSystemLog(
          tx,
          {
            tenantId: tx.tenantId,
            action: 'tenant.deletion_requested',
            actor,
            data: { due_at: deletionDeadline(now).toISOString() },
          },
          now,
        );
      tx.audit(
        {
          actor,
          action: 'tenant.deletion_requested',
          target: `tenant:${tx.tenantId}`,
          data: { window_days: DELETION_WINDOW_DAYS },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.NOT_PENDING)
      throw new TenantDeletionError(409, 'This workspace is already scheduled for deletion.');
    throw err;
  }
  return startWindow(scope);
}

/**
 * Starts a committed request's window (PostgreSQL; a no-op elsewhere and on a window already started) and
 * returns the deadline the database set.
 */
export async function startWindow(scope: TenantScope): Promise<{ dueAt: Date }> {
  await scope.write((tx) => repo.startDeletionWindow(tx));
  const stored = await scope.read((ctx) => repo.getTenantDeletion(ctx));
  if (!stored) throw new TenantDeletionError(409, 'This workspace is not scheduled for deletion.');
  return { dueAt: stored.dueAt };
}

/** Cancels a pending deletion before its deadline. */
export async function cancelTenantDeletion(scope: TenantScope, actor: string, now: Date): Promise<void> {
  const audit = (tenantId: string) => ({
    actor,
    action: 'tenant.deletion_cancelled',
    target: `tenant:${tenantId}`,
  });
  let pg = false;
  try {
    pg = await scope.write((tx) => {
      repo.clearTenantDeletion(tx, actor);
      // PostgreSQL logs the cancel itself: its cancel entry is the cancel, committed in a unit of its own.
      if (tx.dialect === 'pg') return true;
      repo.appendSystemLog(
        tx,
        { tenantId: tx.tenantId, action: 'tenant.deletion_cancelled', actor, data: {} },
        now,
      );
      tx.audit(audit(tx.tenantId), now);
      return false;
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.PENDING)
      throw new TenantDeletionError(
        409,
        'This workspace is not scheduled for deletion (or its deadline has passed).',
      );
    throw err;
  }
  // PostgreSQL: the audit entry in the next unit. Its append waits for the tenant row's key-share lock and
  // the chain's advisory key, which any app-role session can hold; the cancel is committed already, so such
  // a holder delays only this record (it waits as long as it must), never the cancel (sixth review).
  if (pg)
    await scope.write((tx) => {
      repo.waitWithoutLimit(tx);
      tx.audit(audit(tx.tenantId), now);
    });
  await clearCancelledRow(scope, CANCEL_ROW_WAIT_MS);
}

/**
 * PostgreSQL: how long a cancel waits for the tenant row's lock to clear the row. The cancel has already
 * taken effect (its entry is committed, every door is shut); a clear that would wait longer is left to
 * the purge job or the next request, and the admin is still told the deletion is cancelled.
 */
const CANCEL_ROW_WAIT_MS = 2000;

async function clearCancelledRow(scope: TenantScope, waitMs?: number): Promise<void> {
  try {
    await scope.write((tx) => repo.clearCancelledDeletion(tx, waitMs));
  } catch (err) {
    if (!isLockTimeout(err)) throw err;
  }
}

/** `mail`: where it has a development outbox, the purged tenant's mail files go too. */
export type PurgePorts = Pick<Ports, 'store' | 'blobs' | 'master' | 'logger'> & Partial<Pick<Ports, 'mail'>>;

/** Destroys the tenant's data keys (past its deadline only) and what this process holds of them. */
export async function shredTenant(ports: PurgePorts, tenantId: string, now: Date): Promise<void> {
  await ports.store.tenant(tenantId, { system: 'scheduler' }).write((tx) => repo.shredTenantKeys(tx, now));
  dataKeysFor(ports).forget(tenantId);
}

export interface PurgeResult {
  tenantId: string;
  rows: number;
  files: number;
}

/** Purges one tenant past its deadline; null when it is not (cancelled, or not due yet). */
export async function purgeTenant(
  ports: PurgePorts,
  tenantId: string,
  now: Date,
): Promise<PurgeResult | null> {
  const scope = ports.store.tenant(tenantId, { system: 'scheduler' });
  const deletion = await scope.read((ctx) => repo.getTenantDeletion(ctx));
  // The window: nothing is touched before the deadline (the statements check it again, and the database's
  // triggers once more for the audit trail).
  // PostgreSQL: a request whose window has not started (its entry not committed) is not due, whatever the clock.
  if (!deletion?.windowFrom || deletion.dueAt.getTime() > now.getTime()) return null;
  // The shred cannot be undone: first make sure the purge's own record will be accepted (the system log
  // takes a purge only after a logged request, docs/tenant-exit.md), or an operator must look first.
  // PostgreSQL judges by the request's counting entry, paired by its request time (not the last entry).
  const logged = await ports.store
    .as({ system: 'scheduler' })
    .read(async (ctx) =>
      ctx.dialect === 'pg'
        ? (await repo.loggedWindowFrom(ctx, tenantId))?.getTime() === deletion.windowFrom?.getTime()
        : (await repo.listSystemLog(ctx, tenantId)).at(-1)?.action === 'tenant.deletion_requested',
    );
  if (!logged) {
    ports.logger.error(
      { event: 'tenant.purge_refused', tenant: tenantId, reason: 'no logged deletion request' },
      'tenant purge refused',
    );
    return null;
  }
  // Blob addresses of files with their own key derive from the row id; older ones from the content hash.
  const files = await scope.read((ctx) => repo.listAllEvidenceForPurge(ctx));
  const addresses = [
    ...new Set(await Promise.all(files.map((f) => evidenceBlobAddress(ports, tenantId, f)))),
  ];
  try {
    await shredTenant(ports, tenantId, now);
    const counts = await scope.write(async (tx) => {
      const rows = await repo.countTenantRows(tx);
      repo.purgeTenantRows(tx, now);
      const total = Object.values(rows).reduce((a, b) => a + b, 0);
      repo.appendSystemLog(
        tx,
        {
          tenantId,
          action: 'tenant.purged',
          actor: 'system:tenant-purge',
          data: { rows: total, files: addresses.length, audit_entries: rows.auditLog ?? 0 },
        },
        now,
      );
      return total;
    });
    // After the rows: a blob left by a crash here no longer decrypts (its keys are gone).
    for (const a of addresses) await ports.blobs.delete(a);
    // And the development outbox's copies of its mail, whose rows went with the rest.
    await pruneDevOutbox(ports);
    ports.logger.info(
      { event: 'tenant.purged', tenant: tenantId, rows: counts, files: addresses.length },
      'tenant purged',
    );
    return { tenantId, rows: counts, files: addresses.length };
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.PAST_DUE) return null;
    throw err;
  }
}

/** The daily job: every tenant past its deadline (and the window of any request left without one started). */
export async function tenantPurgeJob(ports: PurgePorts, now: Date): Promise<PurgeResult[]> {
  const scheduler = ports.store.as({ system: 'scheduler' });
  // One tenant that fails (a refused statement, a crash half way) never stops the others: it is logged
  // and tried again at the next run.
  const each = async (tenantId: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (err) {
      ports.logger.error({ event: 'tenant.purge_failed', tenant: tenantId, err }, 'tenant purge step failed');
    }
  };
  // Cancelled requests whose row clear had to wait (PostgreSQL).
  for (const t of await scheduler.read((g) => repo.tenantsCancelledUncleared(g)))
    await each(t.id, () => clearCancelledRow(ports.store.tenant(t.id, { system: 'scheduler' })));
  for (const t of await scheduler.read((g) => repo.tenantsAwaitingWindow(g)))
    await each(t.id, async () => {
      await startWindow(ports.store.tenant(t.id, { system: 'scheduler' }));
    });
  const due = await scheduler.read((g) => repo.tenantsDueForPurge(g, now));
  const done: PurgeResult[] = [];
  for (const t of due)
    await each(t.id, async () => {
      const r = await purgeTenant(ports, t.id, now);
      if (r) done.push(r);
    });
  return done;
}
