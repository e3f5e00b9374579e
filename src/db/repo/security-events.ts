/**
 * The security event log (issue 9): failed sign-ins, permission denials, rate-limit hits and failed
 * vendor codes, per tenant. Rows hold the time, the kind, the member's id (or none), the client address
 * and a small `data` object of ids and kinds — never an email, a name, a code or a password.
 */
import { and, desc, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm';
import { newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';
import type { SecurityEventKind } from '../tables.js';

export type SecurityEventData = Record<string, string | number | boolean | null>;

export type SecurityEvent = {
  id: string;
  at: Date;
  kind: SecurityEventKind;
  userId: string | null;
  address: string | null;
  data: SecurityEventData;
};

export function recordSecurityEvent(
  tx: TenantWriteCtx,
  e: Omit<SecurityEvent, 'id' | 'data'> & { data?: SecurityEventData },
): void {
  tx.write(
    tx.db.insert(tx.t.securityEvents).values({
      id: newId(),
      tenantId: tx.tenantId,
      at: e.at,
      kind: e.kind,
      userId: e.userId,
      address: e.address,
      data: e.data ?? {},
    }),
  );
}

export interface SecurityEventQuery {
  kind?: SecurityEventKind | null;
  /** Inclusive bounds on the time. */
  from?: Date | null;
  to?: Date | null;
  /** Keyset: the last row of the previous page (newest first). */
  after?: { at: Date; id: string } | null;
  limit: number;
}

/** Newest first, by (at, id) so the order is total and a page boundary never repeats or skips a row. */
export async function listSecurityEvents(
  { db, t, tenantId }: TenantReadCtx,
  q: SecurityEventQuery,
): Promise<SecurityEvent[]> {
  const e = t.securityEvents;
  const where: (SQL | undefined)[] = [eq(e.tenantId, tenantId)];
  if (q.kind) where.push(eq(e.kind, q.kind));
  if (q.from) where.push(gte(e.at, q.from));
  if (q.to) where.push(lte(e.at, q.to));
  if (q.after) where.push(or(lt(e.at, q.after.at), and(eq(e.at, q.after.at), lt(e.id, q.after.id))));
  const rows = await db
    .select({ id: e.id, at: e.at, kind: e.kind, userId: e.userId, address: e.address, data: e.data })
    .from(e)
    .where(and(...where))
    .orderBy(desc(e.at), desc(e.id))
    .limit(q.limit);
  return rows as SecurityEvent[];
}

/**
 * Retention: deletes the unit's tenant's events older than `before`. The retention job calls it with a
 * cut-off at least {@link SECURITY_EVENTS_MIN_DAYS} days back (`securityEventsCutoff`).
 */
export function purgeSecurityEvents(tx: TenantWriteCtx, before: Date): Written {
  const e = tx.t.securityEvents;
  return tx.write(tx.db.delete(e).where(and(eq(e.tenantId, tx.tenantId), lt(e.at, before))));
}

/** Security events are kept at least this long (issue 9). */
export const SECURITY_EVENTS_MIN_DAYS = 90;

/** The purge cut-off for a retention of `days` (never less than the minimum). */
export function securityEventsCutoff(now: Date, days: number = SECURITY_EVENTS_MIN_DAYS): Date {
  const d = Math.max(SECURITY_EVENTS_MIN_DAYS, Math.floor(days));
  return new Date(now.getTime() - d * 24 * 60 * 60_000);
}
