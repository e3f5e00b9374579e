import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { type AuditEntry, GENESIS, hashEntry } from '../../audit/chain.js';
import type { TenantCtx } from '../store.js';

export type AuditInput = { actor: string; action: string; target: string; data?: Record<string, unknown> };

/**
 * Appends one entry to the tenant's chain inside the caller's unit of work, so the change and its
 * audit entry commit together. On PostgreSQL a transaction-scoped advisory lock per tenant
 * serialises appends (SQLite units of work are already serial); UNIQUE(tenant_id, seq) and
 * UNIQUE(tenant_id, prev_hash) make a fork impossible even so.
 */
export async function appendAudit(ctx: TenantCtx, input: AuditInput, now = new Date()): Promise<AuditEntry> {
  const { db, t, tenantId } = ctx;
  if (ctx.dialect === 'pg') {
    await (ctx.db as unknown as { execute(q: unknown): Promise<unknown> }).execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${tenantId}`}, 0))`,
    );
  }
  const [last] = await db
    .select({ seq: t.auditLog.seq, thisHash: t.auditLog.thisHash })
    .from(t.auditLog)
    .where(eq(t.auditLog.tenantId, tenantId))
    .orderBy(desc(t.auditLog.seq))
    .limit(1);
  const entry: AuditEntry = {
    tenant_id: tenantId,
    seq: (last?.seq ?? 0) + 1,
    ts: now.toISOString(),
    actor: input.actor,
    action: input.action,
    target: input.target,
    data: input.data ?? {},
    prev_hash: last?.thisHash ?? GENESIS,
  };
  await db.insert(t.auditLog).values({
    tenantId,
    seq: entry.seq,
    ts: entry.ts,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    data: entry.data,
    prevHash: entry.prev_hash,
    thisHash: hashEntry(entry),
  });
  return entry;
}

/** The tenant's chain in order, in the exported shape (snake_case, as hashed). */
export async function listAudit(
  { db, t, tenantId }: TenantCtx,
  opts: { afterSeq?: number; limit?: number } = {},
): Promise<(AuditEntry & { this_hash: string })[]> {
  const rows = await db
    .select()
    .from(t.auditLog)
    .where(
      opts.afterSeq
        ? and(eq(t.auditLog.tenantId, tenantId), sql`${t.auditLog.seq} > ${opts.afterSeq}`)
        : eq(t.auditLog.tenantId, tenantId),
    )
    .orderBy(asc(t.auditLog.seq))
    .limit(opts.limit ?? 1_000_000);
  return rows.map((r) => ({
    tenant_id: r.tenantId,
    seq: r.seq,
    ts: r.ts,
    actor: r.actor,
    action: r.action,
    target: r.target,
    data: r.data,
    prev_hash: r.prevHash,
    this_hash: r.thisHash,
  }));
}
