/**
 * The set-up the benchmarks share: a SQLite file in a temp directory (as `npm start` runs it), a master key,
 * the signing keys and the Node platform over that store, quiet and without a rate limit of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../src/db/store.js';
import { MemoryRateLimitStore } from '../src/http/rate-limit.js';
import { MasterKey } from '../src/keys/master-key.js';
import { ensureSigningKeys } from '../src/keys/signing-keys.js';
import { createLogger } from '../src/platform/node/logger.js';
import { nodePlatform } from '../src/platform/node/platform.js';
import { openSqliteStore } from '../src/platform/node/sqlite-store.js';

export type BenchPlatform = Awaited<ReturnType<typeof nodePlatform>>;

/** A master key of one repeated byte: benches differ by `fill` so their keys never look alike. */
export const benchMasterKey = (fill: number) => new MasterKey(new Uint8Array(32).fill(fill));

/** The signing keys, then the Node platform over `store` (silent logger, in-memory rate limits). */
export async function benchPlatform(store: Store, master: MasterKey): Promise<BenchPlatform> {
  await ensureSigningKeys(store, master);
  return nodePlatform({
    config: {
      database: { dialect: 'sqlite', file: ':memory:' },
      production: false,
      trustProxy: 0,
      env: 'test',
    },
    logger: createLogger({ level: 'silent' }),
    store,
    rateLimits: new MemoryRateLimitStore(),
    masterKey: master,
  });
}

export interface SqliteBench {
  dir: string;
  store: Store;
  master: MasterKey;
  platform: BenchPlatform;
  /** Closes the store and removes the temp directory. */
  close(): Promise<void>;
}

/** A fresh SQLite file store under a temp directory named `assay-<name>-…`, with its platform. */
export async function openSqliteBench(name: string, fill: number): Promise<SqliteBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `assay-${name}-`));
  const store = openSqliteStore({ file: path.join(dir, 'assay.db') });
  const master = benchMasterKey(fill);
  const platform = await benchPlatform(store, master);
  return {
    dir,
    store,
    master,
    platform,
    close: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
