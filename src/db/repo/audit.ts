import { and, asc, eq, gt } from 'drizzle-orm';
import type { AuditEntry } from '../../audit/chain.js';
import type { AuditInput, TenantReadCtx, TenantWriteCtx } from '../store.js';

export type { AuditInput };

/**
 * Queues one entry on the tenant's chain in the caller's unit of work, so the change and its audit
 * entry commit together. The store chains it at commit (see each driver) so concurrent appends can
 * never fork the chain.
 */
export function appendAudit(tx: TenantWriteCtx, input: AuditInput, at = new Date()): void {
  tx.audit(input, at);
}

/** The tenant's chain in order, in the exported shape (snake_case, as hashed). */
export async function listAudit(
  { db, t, tenantId }: TenantReadCtx,
  opts: { afterSeq?: number; limit?: number } = {},
): Promise<(AuditEntry & { this_hash: string })[]> {
  const rows = await db
    .select()
    .from(t.auditLog)
    .where(
      opts.afterSeq
        ? and(eq(t.auditLog.tenantId, tenantId), gt(t.auditLog.seq, opts.afterSeq))
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
