/**
 * Two independent stores over one database, as two app instances (processes) would have: separate
 * connections (a second better-sqlite3 handle on the same file, a second pg pool, a second D1 store
 * on the same binding). What one counts, the other must see.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rawRows, type Store } from '../../src/db/store.js';
import { migratePg } from '../../src/platform/node/pg-migrate.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { asyncLocalTracker } from '../../src/platform/node/unit-tracker.js';
import { openD1Store } from '../../src/platform/workers/d1-store.js';
import { openTestD1 } from '../support/d1.js';
import { createTestDatabase } from '../support/pg.js';
import type { Dialect } from '../support/stores.js';

export interface SharedStores {
  a: Store;
  b: Store;
  close(): Promise<void>;
}

export async function openSharedStores(dialect: Dialect): Promise<SharedStores> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-rl-'));
    const file = path.join(dir, 'shared.db');
    const a = openSqliteStore({ file });
    const b = openSqliteStore({ file });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (dialect === 'd1') {
    const d1 = await openTestD1();
    const a = openD1Store(d1.binding, { tracker: asyncLocalTracker() });
    const b = openD1Store(d1.binding, { tracker: asyncLocalTracker() });
    return { a, b, close: () => d1.dispose() };
  }
  const dbase = await createTestDatabase();
  await migratePg(dbase.ownerUrl, dbase.appUrl);
  const a = openPgStore({ url: dbase.appUrl, max: 4 });
  const b = openPgStore({ url: dbase.appUrl, max: 4 });
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      await dbase.drop();
    },
  };
}

/** Every row of `rate_counters`, as the database holds it. */
export function counterRows(store: Store): Promise<{ key: string; count: number; reset_at: unknown }[]> {
  return store.global.read((r) => rawRows(r, sql`select "key", "count", "reset_at" from rate_counters`));
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2030-01-01T08:00:00Z')) {
  let now = start;
  return { now: () => now, date: () => new Date(now), advance: (ms: number) => (now += ms) };
}

/** The same secret in every instance, as `MasterKey.deriveSecret` gives one deployment. */
export const SHARED_SECRET = new Uint8Array(32).fill(42);
