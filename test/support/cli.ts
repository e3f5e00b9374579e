/** Runs the `assay` CLI in-process for tests: captured output, and the environment of each driver. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../../src/cli/main.js';
import { openTestStore, type TestStore } from './stores.js';

/** An io for runCli: `out` and `err` collect the printed lines; BASE_URL is set unless `env` overrides it. */
export function cliIo(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { BASE_URL: 'https://assay.test', ...env },
  };
  return { value, out, err };
}

/**
 * The CLI's environment on a fresh store: a temp DATA_DIR (SQLite), or a fresh migrated test database
 * (PostgreSQL: the app role's DATABASE_URL and the owner's MIGRATION_DATABASE_URL). `close` drops it.
 */
export async function cliEnv(
  dialect: 'sqlite' | 'pg',
  prefix = 'assay-cli-',
): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  if (dialect === 'sqlite')
    return { env: { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), prefix)) }, close: async () => {} };
  const ts: TestStore = await openTestStore('pg');
  return {
    env: { DATABASE_URL: ts.pg!.appUrl, MIGRATION_DATABASE_URL: ts.pg!.ownerUrl },
    close: () => ts.close(),
  };
}
