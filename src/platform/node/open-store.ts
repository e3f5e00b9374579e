/**
 * Opens the configured store: migrations applied (PostgreSQL: as the owner, under a lock), and on
 * PostgreSQL the boot self-check of the app role. In production a failed self-check stops the start.
 */

import type { StatementObserver, Store } from '../../db/store.js';
import type { Config } from './config.js';
import { migratePg, pgRoleProblems, pgRoleWarnings } from './pg-migrate.js';
import { openPgStore } from './pg-store.js';
import { openSqliteStore } from './sqlite-store.js';

class UnsafeDatabaseRoleError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Refusing to start: the database role is unsafe for row-level security.\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'UnsafeDatabaseRoleError';
  }
}

export async function openStore(
  config: Pick<Config, 'database' | 'production'>,
  warn: (msg: string) => void = () => undefined,
  onStatement?: StatementObserver,
): Promise<Store> {
  const db = config.database;
  if (db.dialect === 'sqlite') return openSqliteStore({ file: db.file, onStatement });
  await migratePg(db.migrationUrl, db.url);
  const store = openPgStore({ url: db.url, onStatement });
  try {
    const problems = await pgRoleProblems(store);
    if (problems.length && config.production) throw new UnsafeDatabaseRoleError(problems);
    for (const p of problems) warn(`database role: ${p} (refused in production)`);
    for (const w of await pgRoleWarnings(store)) warn(`database role: ${w}`);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
