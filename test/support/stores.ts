/**
 * `forEachDialect` runs one suite on SQLite and again on PostgreSQL, each with a fresh database.
 */
import { describe, inject } from 'vitest';
import { migratePg, openPgStore } from '../../src/db/pg-store.js';
import { openSqliteStore } from '../../src/db/sqlite-store.js';
import type { Store } from '../../src/db/store.js';
import { createTestDatabase } from './pg.js';

export type Dialect = 'sqlite' | 'pg';

export interface TestStore {
  store: Store;
  /** PostgreSQL only: connection URLs of the suite's database (owner and app role). */
  pg?: { ownerUrl: string; appUrl: string; name: string };
  close(): Promise<void>;
}

export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = openSqliteStore({ file: ':memory:' });
    return { store, close: () => store.close() };
  }
  const dbase = await createTestDatabase();
  await migratePg(dbase.ownerUrl, dbase.appUrl);
  const store = openPgStore({ url: dbase.appUrl, max: 4 });
  return {
    store,
    pg: dbase,
    close: async () => {
      await store.close();
      await dbase.drop();
    },
  };
}

export const pgAvailable = () => inject('pgAvailable');

/**
 * Declares `describe('<name> [sqlite]')` and `describe('<name> [pg]')`. The pg suite is skipped only
 * when no PostgreSQL is reachable outside CI (the global setup printed why).
 */
export function forEachDialect(name: string, suite: (dialect: Dialect) => void): void {
  describe(`${name} [sqlite]`, () => suite('sqlite'));
  // Skipped only without a reachable server and without CI (the global setup fails CI instead).
  describe.skipIf(!pgAvailable())(`${name} [pg]`, () => suite('pg'));
}
