/**
 * node-postgres store. Every unit of work holds one pooled connection. A read unit with claims runs in
 * `BEGIN READ ONLY` with the claims set transaction-locally (`set_config(…, true)`), so row-level
 * security applies and a pooled connection never carries the previous request's tenant; without claims
 * it runs its statements in autocommit. A write unit reads inside its transaction, then runs the queued
 * writes in order and commits; an audit append takes a transaction-scoped advisory lock per tenant,
 * reads the head and inserts, with UNIQUE (tenant_id, seq) and (tenant_id, prev_hash) as the arbiter.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import './native-crypto.js';
import { AUDIT_INSERT_COLUMNS, auditRowValues, nextEntry } from '../../audit/chain.js';
import type { AuditClientContext } from '../../audit/client.js';
import { pgTables } from '../../db/schema.pg.js';
import {
  type AppDb,
  type Claims,
  GuardError,
  isRetryableUnique,
  type ReadCtx,
  type StatementObserver,
  type Store,
  UnitEndedError,
  UnitOfWorkError,
} from '../../db/store.js';
import {
  createStore,
  RetryableConflict,
  statementLogger,
  type Unit,
  type UnitTracker,
} from '../../db/unit.js';
import { auditClients } from './audit-client.js';
import { asyncLocalTracker } from './unit-tracker.js';

export interface PgStoreOptions {
  url: string;
  max?: number;
  onStatement?: StatementObserver;
  tracker?: UnitTracker | null;
  /** The request's client for audit entries; defaults to the process's (src/platform/node/audit-client.ts). */
  auditClients?: AuditClientContext | null;
}

const SETTING: Record<keyof Claims, string> = {
  tenantId: 'app.tenant_id',
  userId: 'app.user_id',
  sessionId: 'app.session_id',
  tokenId: 'app.token_id',
  system: 'app.system',
};

/**
 * `BEGIN; SELECT set_config(…)` as one round trip. The simple protocol takes no parameters, so the
 * values are literals: every claim was validated (uuid, hex digest, fixed word) and is quoted anyway.
 * The isolation level and access mode are explicit: any role may set its own defaults (`ALTER ROLE … SET
 * default_transaction_isolation`), and the tenant-exit functions refuse anything but READ COMMITTED
 * (docs/tenant-exit.md, sixth review).
 */
function beginWith(claims: Claims, readOnly: boolean, client: pg.PoolClient): string {
  const sets = (Object.keys(SETTING) as (keyof Claims)[])
    .filter((k) => claims[k] !== undefined)
    .map((k) => `set_config('${SETTING[k]}', ${client.escapeLiteral(String(claims[k]))}, true)`);
  return `BEGIN ISOLATION LEVEL READ COMMITTED, ${readOnly ? 'READ ONLY' : 'READ WRITE'}${sets.length ? `; SELECT ${sets.join(', ')}` : ''}`;
}

const READ_STATEMENT = /^\s*(select|with|show|values|explain)\b/i;
const RETRYABLE = new Set(['40001', '40P01']);

function pgCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function openPgStore(options: PgStoreOptions): Store {
  const { url, max = 10 } = options;
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const t = pgTables as unknown as ReadCtx['t'];
  const observe = options.onStatement;
  const logger = statementLogger(observe);

  /** The connection as the unit's drizzle instance sees it: refuses use after the unit, and writes in the read phase. */
  function guard(unit: Unit, client: pg.PoolClient) {
    // A unit's statements may be issued together (Promise.all over reads); one connection runs one at a
    // time anyway, so they are chained here rather than left to pg's own queue, which pg 8.x deprecates.
    let tail: Promise<unknown> = Promise.resolve();
    return {
      query(config: string | { text: string }, values?: unknown) {
        if (unit.phase === 'ended') throw new UnitEndedError();
        const text = typeof config === 'string' ? config : config.text;
        if (unit.phase === 'read' && !READ_STATEMENT.test(text)) {
          throw new UnitOfWorkError('writes go through tx.write() and run when the unit commits');
        }
        unit.opStart();
        const run = tail.then(
          () => client.query(config as never, values as never) as unknown as Promise<unknown>,
        );
        tail = run.catch(() => undefined);
        return run.finally(() => unit.opEnd());
      },
    };
  }

  async function raw(client: pg.PoolClient, text: string, values?: unknown[]) {
    observe?.(text, values);
    return client.query(text, values);
  }

  async function commit(unit: Unit, db: AppDb, client: pg.PoolClient): Promise<void> {
    const pgDb = db as unknown as { execute(q: unknown): Promise<{ rowCount: number | null }> };
    for (const w of unit.writes) {
      let rows: unknown[] | null = null;
      let changes: number;
      if (w.isRaw) {
        changes = (await pgDb.execute(w.query)).rowCount ?? 0;
      } else {
        const res = (await w.query) as unknown;
        if (Array.isArray(res)) {
          rows = res;
          changes = res.length;
        } else changes = (res as { rowCount: number | null }).rowCount ?? 0;
      }
      if (w.guard !== undefined && changes === 0) throw new GuardError(w.guard);
      w.settle(rows, changes);
    }
    if (unit.audits.length) {
      const tenantId = unit.claims.tenantId!;
      await raw(client, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`audit:${tenantId}`]);
      const last = await raw(
        client,
        'SELECT seq, this_hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1',
        [tenantId],
      );
      const row = last.rows[0] as { seq: number; this_hash: string } | undefined;
      let head = row ? { seq: row.seq, hash: row.this_hash } : null;
      for (const a of unit.audits) {
        const next = nextEntry(tenantId, head, a.input, a.at, a.client);
        await raw(
          client,
          `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          auditRowValues(crypto.randomUUID(), next),
        );
        head = { seq: next.entry.seq, hash: next.hash };
      }
    }
  }

  return createStore(
    {
      dialect: 'pg',
      watchesAwaits: true,
      t,
      async run(unit, body) {
        const client = await pool.connect();
        const db = drizzle({ client: guard(unit, client) as never, logger }) as unknown as AppDb;
        unit.bind(db);
        const claimed = Object.keys(unit.claims).length > 0;
        const transaction = unit.kind === 'write' || claimed;
        let broken = false;
        try {
          if (transaction) await raw(client, beginWith(unit.claims, unit.kind === 'read', client));
          const result = await body();
          if (unit.kind === 'write' && (unit.writes.length || unit.audits.length)) {
            unit.phase = 'commit';
            await commit(unit, db, client);
          }
          if (transaction) await raw(client, 'COMMIT');
          return result;
        } catch (err) {
          if (transaction) {
            try {
              await raw(client, 'ROLLBACK');
            } catch {
              broken = true;
            }
          }
          if (RETRYABLE.has(pgCode(err) ?? '') || isRetryableUnique(err)) throw new RetryableConflict(err);
          throw err;
        } finally {
          unit.end();
          // A connection whose rollback failed is destroyed rather than returned to the pool.
          client.release(broken ? new Error('rollback failed') : undefined);
        }
      },
      async ping() {
        await pool.query('select 1');
      },
      async close() {
        await pool.end();
      },
    },
    options.tracker === undefined ? asyncLocalTracker() : options.tracker,
    options.auditClients === undefined ? auditClients : options.auditClients,
  );
}

/** `select set_config(...)` for tests that query a connection by hand. */
export const setLocal = (name: 'app.tenant_id' | 'app.user_id', value: string) =>
  sql`select set_config(${name}, ${value}, true)`;
