/**
 * better-sqlite3 store. better-sqlite3 is synchronous and one connection serves the process, so
 * units of work are serialised by an in-process queue and wrapped in BEGIN IMMEDIATE … COMMIT:
 * an `await` inside one unit of work can never interleave another's statements into its transaction.
 * Isolation between tenants is the repository layer's `WHERE tenant_id = ?` on every query.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { sqliteTables } from './schema.sqlite.js';
import { type AppDb, assertTenantId, type GlobalCtx, type Store, type TenantCtx } from './store.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for tests. */
  file: string;
  migrationsFolder?: string;
}

export const SQLITE_MIGRATIONS = path.resolve(import.meta.dirname, '../../migrations/sqlite');

export function openSqliteStore({ file, migrationsFolder = SQLITE_MIGRATIONS }: SqliteStoreOptions): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const client = new Database(file);
  client.pragma('journal_mode = WAL');
  client.pragma('synchronous = NORMAL');
  client.pragma('foreign_keys = ON');
  client.pragma('busy_timeout = 5000');
  const db = drizzle(client);
  // Migrations run in one transaction of their own; better-sqlite3 makes them synchronous.
  migrate(db, { migrationsFolder });

  const appDb = db as unknown as AppDb;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  function unitOfWork<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (closed) throw new Error('store is closed');
      client.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn();
        client.exec('COMMIT');
        return result;
      } catch (err) {
        if (client.inTransaction) client.exec('ROLLBACK');
        throw err;
      }
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  }

  const global: GlobalCtx = { db: appDb, t: sqliteTables, dialect: 'sqlite' };
  return {
    dialect: 'sqlite',
    t: sqliteTables,
    withTenant(tenantId, fn) {
      assertTenantId(tenantId);
      const ctx: TenantCtx = { ...global, tenantId };
      return unitOfWork(() => fn(ctx));
    },
    global: (fn) => unitOfWork(() => fn(global)),
    withUser: (_userId, fn) => unitOfWork(() => fn(global)),
    async ping() {
      client.prepare('select 1').get();
    },
    async close() {
      await queue;
      closed = true;
      client.close();
    },
  };
}
