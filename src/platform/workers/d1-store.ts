/**
 * Cloudflare D1 store. D1 has no interactive transactions: `batch()` is the only atomic unit. So a unit
 * reads with ordinary statements, and its queued writes become one batch. A guarded write is followed
 * in the batch by `INSERT INTO unit_guards (gN) SELECT NULL WHERE changes() = 0`: when the write changed
 * nothing, that NOT NULL column fails, D1 rolls the whole batch back, and the column names the guard.
 * Audit entries are chained from the head read just before the batch; if another unit appended in
 * between, UNIQUE (tenant_id, seq) / (tenant_id, prev_hash) refuse the batch and the unit runs again.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { nextEntry } from '../../audit/chain.js';
import type { AuditClientContext } from '../../audit/client.js';
import { sqliteTables } from '../../db/schema.sqlite.js';
import {
  type AppDb,
  GuardError,
  isAuditSeqTaken,
  isRetryableUnique,
  type StatementObserver,
  type Store,
  UnitOfWorkError,
} from '../../db/store.js';
import { createStore, RetryableConflict, statementLogger, type UnitTracker } from '../../db/unit.js';

/** The part of a D1 binding the store uses (the full type lives in @cloudflare/workers-types). */
export interface D1Binding {
  prepare(query: string): unknown;
  batch(statements: unknown[]): Promise<unknown[]>;
  exec(query: string): Promise<unknown>;
}

export interface D1StoreOptions {
  onStatement?: StatementObserver;
  tracker?: UnitTracker | null;
  /** The request's client for audit entries (src/platform/workers/audit-client.ts). */
  auditClients?: AuditClientContext | null;
}

const GUARD_COLUMNS = 8;
const GUARD_FAILED = /unit_guards\.g(\d)/;

type BatchDb = AppDb & {
  batch(items: unknown[]): Promise<unknown[]>;
  run(q: unknown): unknown;
  all<R>(q: unknown): Promise<R[]>;
};

export function openD1Store(binding: D1Binding, options: D1StoreOptions = {}): Store {
  const observe = options.onStatement;
  const db = drizzle(binding as never, { logger: statementLogger(observe) }) as unknown as BatchDb;
  const t = sqliteTables;

  return createStore(
    {
      dialect: 'd1',
      watchesAwaits: false,
      t,
      async run(unit, body) {
        unit.bind(db);
        const result = await body();
        if (unit.kind !== 'write' || (!unit.writes.length && !unit.audits.length)) return result;
        unit.phase = 'commit';

        const items: unknown[] = [];
        const slots: (number | null)[] = [];
        const guards: string[] = [];
        unit.writes.forEach((w, i) => {
          items.push(w.isRaw ? db.run(w.query) : w.query);
          slots.push(i);
          if (w.guard !== undefined) {
            if (guards.length >= GUARD_COLUMNS)
              throw new UnitOfWorkError(`a unit of work may carry at most ${GUARD_COLUMNS} guards on D1`);
            items.push(
              db.run(sql.raw(`INSERT INTO unit_guards (g${guards.length}) SELECT NULL WHERE changes() = 0`)),
            );
            slots.push(null);
            guards.push(w.guard);
          }
        });
        if (unit.audits.length) {
          const tenantId = unit.claims.tenantId!;
          const [last] = await db.all<{ seq: number; this_hash: string }>(
            sql`SELECT seq, this_hash FROM audit_log WHERE tenant_id = ${tenantId} ORDER BY seq DESC LIMIT 1`,
          );
          let head = last ? { seq: last.seq, hash: last.this_hash } : null;
          for (const a of unit.audits) {
            const { entry, hash, dataJson } = nextEntry(tenantId, head, a.input, a.at, a.client);
            items.push(
              db.insert(t.auditLog).values({
                tenantId,
                seq: entry.seq,
                ts: entry.ts,
                actor: entry.actor,
                action: entry.action,
                target: entry.target,
                // The canonical text itself (what was hashed), so a verify can hash it as stored.
                data: sql`${dataJson}`,
                prevHash: entry.prev_hash,
                thisHash: hash,
                ip: entry.ip ?? null,
                ua: entry.ua ?? null,
              }),
            );
            slots.push(null);
            head = { seq: entry.seq, hash };
          }
        }

        let results: unknown[];
        try {
          // One round trip, one atomic batch (drizzle does not log batch members one by one).
          observe?.(`batch of ${items.length} statements`);
          results = await db.batch(items);
        } catch (err) {
          const text =
            err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : '';
          const guard = GUARD_FAILED.exec(text);
          if (guard) throw new GuardError(guards[Number(guard[1])]!);
          if (unit.audits.length && isAuditSeqTaken(err)) throw new RetryableConflict(err);
          if (isRetryableUnique(err)) throw new RetryableConflict(err);
          throw err;
        }
        results.forEach((r, i) => {
          const slot = slots[i];
          if (slot === null || slot === undefined) return;
          const w = unit.writes[slot]!;
          if (Array.isArray(r)) w.settle(r, r.length);
          else w.settle(null, (r as { meta?: { changes?: number } }).meta?.changes ?? 0);
        });
        return result;
      },
      async ping() {
        await db.all(sql`select 1`);
      },
      async close() {
        // The binding belongs to the runtime; nothing to close.
      },
    },
    options.tracker ?? null,
    options.auditClients ?? null,
  );
}
