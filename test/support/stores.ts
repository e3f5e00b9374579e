/**
 * `forEachDialect` runs one suite on SQLite, on PostgreSQL and on D1, each with a fresh database.
 */
import { describe, inject } from 'vitest';
import type { StatementObserver, Store } from '../../src/db/store.js';
import { migratePg } from '../../src/platform/node/pg-migrate.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { asyncLocalTracker } from '../../src/platform/node/unit-tracker.js';
import { openD1Store } from '../../src/platform/workers/d1-store.js';
import { openTestD1 } from './d1.js';
import { createTestDatabase } from './pg.js';

export type Dialect = 'sqlite' | 'pg' | 'd1';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'pg', 'd1'];

export interface TestStore {
  store: Store;
  /** PostgreSQL only: connection URLs of the suite's database (owner and app role). */
  pg?: { ownerUrl: string; appUrl: string; name: string };
  /** D1 only: the binding itself, as someone with the Cloudflare API token reaches the database. */
  d1?: Awaited<ReturnType<typeof openTestD1>>['binding'];
  close(): Promise<void>;
}

export async function openTestStore(
  dialect: Dialect,
  opts: { onStatement?: StatementObserver } = {},
): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = openSqliteStore({ file: ':memory:', onStatement: opts.onStatement });
    return { store, close: () => store.close() };
  }
  if (dialect === 'd1') {
    const d1 = await openTestD1();
    const store = openD1Store(d1.binding, { onStatement: opts.onStatement, tracker: asyncLocalTracker() });
    return { store, d1: d1.binding, close: () => d1.dispose() };
  }
  const dbase = await createTestDatabase();
  await migratePg(dbase.ownerUrl, dbase.appUrl);
  const store = openPgStore({ url: dbase.appUrl, max: 4, onStatement: opts.onStatement });
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
 * Declares `describe('<name> [sqlite]')`, `describe('<name> [pg]')` and `describe('<name> [d1]')`. The pg
 * suite is skipped only when no PostgreSQL is reachable outside CI (the global setup printed why).
 */
export function forEachDialect(
  name: string,
  suite: (dialect: Dialect) => void,
  only: readonly Dialect[] = DIALECTS,
): void {
  if (only.includes('sqlite')) describe(`${name} [sqlite]`, () => suite('sqlite'));
  if (only.includes('pg')) describe.skipIf(!pgAvailable())(`${name} [pg]`, () => suite('pg'));
  if (only.includes('d1')) describe(`${name} [d1]`, () => suite('d1'));
}
