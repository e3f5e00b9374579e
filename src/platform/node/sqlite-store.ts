/**
 * better-sqlite3 store. better-sqlite3 is synchronous, which makes the contract simple to keep
 * without any queue: reads run at once in autocommit (WAL gives each statement a consistent
 * snapshot, and takes no write lock); a unit's queued writes commit inside one synchronous
 * `BEGIN IMMEDIATE … COMMIT`, during which no other JavaScript runs. Another process writing the same
 * file (the CLI, a second server) waits on the database lock, never on us. The audit chain is extended
 * inside that transaction, from the head it reads there, so it cannot fork across processes either.
 * Isolation between tenants is the repository layer's `WHERE tenant_id = ?` on every query.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { checkHistory, journalStamps } from './migration-history.js';
import './native-crypto.js';
import { AUDIT_INSERT_COLUMNS, auditRowValues, nextEntry } from '../../audit/chain.js';
import type { AuditClientContext } from '../../audit/client.js';
import { sqliteTables } from '../../db/schema.sqlite.js';
import {
  type AppDb,
  GuardError,
  isRetryableUnique,
  type StatementObserver,
  type Store,
  UnitOfWorkError,
} from '../../db/store.js';
import {
  createStore,
  RetryableConflict,
  statementLogger,
  type Unit,
  type UnitTracker,
} from '../../db/unit.js';
import { appPath } from './app-root.js';
import { auditClients } from './audit-client.js';
import { asyncLocalTracker } from './unit-tracker.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for tests. */
  file: string;
  migrationsFolder?: string;
  /** Sees every statement (tests count them). */
  onStatement?: StatementObserver;
  /** Nesting detection; defaults to AsyncLocalStorage. */
  tracker?: UnitTracker | null;
  /** The request's client for audit entries; defaults to the process's (src/platform/node/audit-client.ts). */
  auditClients?: AuditClientContext | null;
}

export const SQLITE_MIGRATIONS = appPath('migrations/sqlite');
/** Distinct statement texts kept prepared (the app has a few hundred; the oldest goes first). */
const STATEMENT_CACHE_SIZE = 500;

/** Creates the database file (and its folder) readable by the owner only, like the master key. */
function prepareFile(file: string): void {
  if (file === ':memory:') return;
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // SQLite gives the -wal and -shm files the database file's permissions.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    // Not ours to change (a file provided by the operator): leave it.
  }
}

export function openSqliteStore(options: SqliteStoreOptions): Store {
  const { file, migrationsFolder = SQLITE_MIGRATIONS } = options;
  prepareFile(file);
  const client = new Database(file);
  client.pragma('journal_mode = WAL');
  client.pragma('synchronous = NORMAL');
  client.pragma('busy_timeout = 5000');
  // What a blanked or deleted row held (a sent mail's link, an erased address) is zeroed in the file, not
  // left in free space for a backup (which copies pages as they are) to carry on.
  client.pragma('secure_delete = ON');
  // Migrations rebuild tables; foreign keys are checked once they are done (SQLite's documented procedure).
  client.pragma('foreign_keys = OFF');
  const recorded = client
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  const countApplied = (): number =>
    client.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get() as number;
  let before = 0;
  if (recorded) {
    const applied = client.prepare('SELECT created_at FROM __drizzle_migrations').pluck().all() as number[];
    checkHistory(applied, journalStamps(migrationsFolder), file === ':memory:' ? 'The database' : file);
    before = applied.length;
  }
  migrate(drizzle(client), { migrationsFolder });
  // Only a migration can leave a broken reference (foreign keys are on for every unit); the check reads
  // every table (0.24 s on a file with a million audit entries), so a start that applied none skips it.
  if (countApplied() !== before) {
    const broken = client.pragma('foreign_key_check') as unknown[];
    if (broken.length) throw new Error(`migrations left ${broken.length} broken foreign key reference(s)`);
  }
  client.pragma('foreign_keys = ON');

  // Every statement drizzle runs is prepared through this object: outside a commit, a statement that
  // writes is refused, so a repository function that awaits a write instead of queueing it fails loudly.
  // Statements are kept by their text and reused: preparing costs more than running most of ours, and
  // drizzle prepares on every call of a builder. Bounded, since a few texts vary (IN lists).
  let committing = false;
  const statements = new Map<string, Database.Statement>();
  const guarded = {
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (stmt) {
        // drizzle switches a statement to raw (array) rows when it maps fields itself; reset for the next user.
        if (stmt.reader) stmt.raw(false);
      } else {
        stmt = client.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(sql, stmt);
      }
      if (!committing && !stmt.readonly) {
        throw new UnitOfWorkError('writes go through tx.write() and run when the unit commits');
      }
      return stmt;
    },
  };
  const db = drizzle({
    client: guarded as unknown as Database.Database,
    logger: statementLogger(options.onStatement),
  });
  const appDb = db as unknown as AppDb;
  const observe = options.onStatement;

  const headStmt = client.prepare<[string], { seq: number; this_hash: string }>(
    'SELECT seq, this_hash FROM audit_log WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1',
  );
  const insertAuditStmt = client.prepare(
    `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const pingStmt = client.prepare('select 1');

  // Built once: better-sqlite3 makes a new wrapper (and looks up its BEGIN/COMMIT) per transaction() call.
  const commitTx = client.transaction((unit: Unit) => {
    for (const w of unit.writes) {
      const q = w.query as unknown as {
        all(): unknown[];
        run(): { changes: number };
      };
      let rows: unknown[] | null = null;
      let changes: number;
      if (w.isRaw) {
        changes = (db.run(w.query as never) as unknown as { changes: number }).changes;
      } else if (w.returns) {
        rows = q.all();
        changes = rows.length;
      } else {
        changes = q.run().changes;
      }
      if (w.guard !== undefined && changes === 0) throw new GuardError(w.guard);
      w.settle(rows, changes);
    }
    if (unit.audits.length) {
      const tenantId = unit.claims.tenantId!;
      observe?.('SELECT seq, this_hash FROM audit_log (head)');
      const last = headStmt.get(tenantId);
      let head = last ? { seq: last.seq, hash: last.this_hash } : null;
      for (const a of unit.audits) {
        const next = nextEntry(tenantId, head, a.input, a.at, a.client);
        observe?.('INSERT INTO audit_log');
        insertAuditStmt.run(...auditRowValues(crypto.randomUUID(), next));
        head = { seq: next.entry.seq, hash: next.hash };
      }
    }
  });

  function commit(unit: Unit): void {
    committing = true;
    try {
      commitTx.immediate(unit);
    } finally {
      committing = false;
    }
  }

  let closed = false;
  return createStore(
    {
      dialect: 'sqlite',
      watchesAwaits: true,
      t: sqliteTables,
      async run(unit, body) {
        if (closed) throw new Error('store is closed');
        unit.bind(appDb);
        const result = await body();
        if (unit.kind === 'write' && (unit.writes.length || unit.audits.length)) {
          if (closed) throw new Error('store is closed');
          unit.phase = 'commit';
          try {
            commit(unit);
          } catch (err) {
            // Rolled back; a key another unit filled after this one read is re-read by a retry.
            if (isRetryableUnique(err)) throw new RetryableConflict(err);
            throw err;
          }
        }
        return result;
      },
      async ping() {
        pingStmt.get();
      },
      async close() {
        if (closed) return;
        closed = true;
        client.close();
      },
    },
    options.tracker === undefined ? asyncLocalTracker() : options.tracker,
    options.auditClients === undefined ? auditClients : options.auditClients,
  );
}
