/**
 * Rate-limit counters (`rate_counters`: key, count, reset_at). Every change is one statement that
 * decides in SQL — an upsert whose `CASE` restarts an expired counter, and for gates a `DO UPDATE …
 * WHERE` that counts only while the gate is open — so concurrent units and processes never
 * read-then-write. The statements are the same on SQLite, D1 and PostgreSQL: times are bound as
 * parameters, never computed in SQL.
 */
import { and, gt, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { ReadCtx, WriteCtx, Written } from '../store.js';

export interface CounterRow {
  key: string;
  count: number;
  resetAt: Date;
}

/** A gate as the SQL needs it: hashed keys, the schedule (see src/http/rate-limit-store.ts, `Gate`). */
export interface GateSql {
  id: string;
  windowMs: number;
  free: number;
  delaysMs: readonly number[];
  /** Exempt while one of these keys has a live counter. */
  live: readonly string[];
  /** Exempt while one of these keys counts at most `atMost` (after the earlier statements of the unit). */
  counted: readonly { readonly id: string; readonly atMost: number }[];
}

const at = (t: ReadCtx['t'], ms: number) => sql.param(new Date(ms), t.rateCounters.resetAt);

/** `count`, restarted at 1 when the counter has expired. */
const nextCount = (t: ReadCtx['t'], now: number) =>
  sql`case when ${t.rateCounters.resetAt} <= ${at(t, now)} then 1 else ${t.rateCounters.count} + 1 end`;

/** A fixed window: counts one, or starts a new window if the last one ended. */
export function queueWindowHit(
  tx: WriteCtx,
  id: string,
  windowMs: number,
  now: number,
): Written<{ count: number; resetAt: Date }> {
  const rc = tx.t.rateCounters;
  return tx.write(
    tx.db
      .insert(rc)
      .values({ key: id, count: 1, resetAt: new Date(now + windowMs) })
      .onConflictDoUpdate({
        target: rc.key,
        set: {
          count: nextCount(tx.t, now),
          resetAt: sql`case when ${rc.resetAt} <= ${at(tx.t, now)} then ${at(tx.t, now + windowMs)} else ${rc.resetAt} end`,
        },
      })
      .returning({ count: rc.count, resetAt: rc.resetAt }),
  );
}

/**
 * The SQL form of `opensAt(gate, row) <= now` (src/http/rate-gates.ts): free failures left, or the
 * delay for this count has passed since the last failure (`reset_at - windowMs`), or an exemption.
 */
function gateOpen(t: ReadCtx['t'], g: GateSql, now: number): SQL {
  const rc = t.rateCounters;
  const steps = g.delaysMs.map((delay, i) => {
    const op = i === g.delaysMs.length - 1 ? sql.raw('>=') : sql.raw('=');
    return sql`(${rc.count} ${op} ${g.free + i} and ${rc.resetAt} <= ${at(t, now + g.windowMs - delay)})`;
  });
  const live = g.live.map(
    (id) => sql`exists (select 1 from ${rc} x where x."key" = ${id} and x."reset_at" > ${at(t, now)})`,
  );
  const counted = g.counted.map(
    ({ id, atMost }) =>
      sql`coalesce((select x."count" from ${rc} x where x."key" = ${id} and x."reset_at" > ${at(t, now)}), 0) <= ${atMost}`,
  );
  return sql.join([sql`${rc.count} < ${g.free}`, ...steps, ...live, ...counted], sql` or `);
}

/**
 * Counts one failure on a gate with a sliding memory, only if the gate is open: a closed gate changes
 * no row, so the `guard` rolls the whole unit back and nothing of the attempt is counted.
 */
export function queueGateHit(tx: WriteCtx, g: GateSql, now: number, guard: string): void {
  const rc = tx.t.rateCounters;
  tx.write(
    tx.db
      .insert(rc)
      .values({ key: g.id, count: 1, resetAt: new Date(now + g.windowMs) })
      .onConflictDoUpdate({
        target: rc.key,
        set: { count: nextCount(tx.t, now), resetAt: new Date(now + g.windowMs) },
        setWhere: gateOpen(tx.t, g, now),
      }),
    { guard },
  );
}

/** Counts one with a sliding memory (the counter is forgotten `windowMs` after its last hit). */
export function queueMark(tx: WriteCtx, id: string, windowMs: number, now: number): void {
  const rc = tx.t.rateCounters;
  tx.write(
    tx.db
      .insert(rc)
      .values({ key: id, count: 1, resetAt: new Date(now + windowMs) })
      .onConflictDoUpdate({
        target: rc.key,
        set: { count: nextCount(tx.t, now), resetAt: new Date(now + windowMs) },
      }),
  );
}

export function queueForget(tx: WriteCtx, ids: readonly string[]): void {
  if (ids.length) tx.write(tx.db.delete(tx.t.rateCounters).where(inArray(tx.t.rateCounters.key, [...ids])));
}

/** Takes back one count from live counters (never below zero). */
export function queueRefund(tx: WriteCtx, ids: readonly string[], now: number): void {
  const rc = tx.t.rateCounters;
  if (!ids.length) return;
  tx.write(
    tx.db
      .update(rc)
      .set({ count: sql`${rc.count} - 1` })
      .where(and(inArray(rc.key, [...ids]), gt(rc.count, 0), gt(rc.resetAt, new Date(now)))),
  );
}

/** Deletes counters that ended before `before`: an expired counter means nothing, so this only saves space. */
export function queueSweep(tx: WriteCtx, before: number): void {
  tx.write(tx.db.delete(tx.t.rateCounters).where(lte(tx.t.rateCounters.resetAt, new Date(before))));
}

/** The live counters among `ids`. */
export async function readCounters(
  { db, t }: ReadCtx,
  ids: readonly string[],
  now: number,
): Promise<CounterRow[]> {
  if (!ids.length) return [];
  return db
    .select({ key: t.rateCounters.key, count: t.rateCounters.count, resetAt: t.rateCounters.resetAt })
    .from(t.rateCounters)
    .where(and(inArray(t.rateCounters.key, [...ids]), gt(t.rateCounters.resetAt, new Date(now))));
}
