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

export interface WalPages {
  /** Commits (WAL commit frames) and pages (frames) the work wrote. */
  commits: number;
  frames: number;
  /** Frames per b-tree (table or index name, from `dbstat`), most first. */
  byTree: [string, number][];
}

/**
 * The pages `work` makes SQLite write to `file`'s WAL, counted from the frame headers and named by b-tree
 * (`dbstat`). The WAL is emptied first (TRUNCATE checkpoint from a side connection); keep `work` under the
 * 1,000-page auto-checkpoint so no frame is lost to a rewind.
 */
export async function walPages(file: string, work: () => Promise<void>): Promise<WalPages> {
  const Database = (await import('better-sqlite3')).default;
  const side = new Database(file);
  try {
    side.pragma('wal_checkpoint(TRUNCATE)');
    await work();
    const wal = fs.readFileSync(`${file}-wal`);
    const pageSize = wal.readUInt32BE(8);
    const salt = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
    const names = new Map<number, string>(
      (side.prepare('SELECT pageno, name FROM dbstat').all() as { pageno: number; name: string }[]).map(
        (r) => [r.pageno, r.name],
      ),
    );
    let commits = 0;
    let frames = 0;
    const byTree = new Map<string, number>();
    for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
      if (wal.readUInt32BE(at + 8) !== salt[0] || wal.readUInt32BE(at + 12) !== salt[1]) break;
      frames++;
      if (wal.readUInt32BE(at + 4) !== 0) commits++;
      const name = names.get(wal.readUInt32BE(at)) ?? '(free)';
      byTree.set(name, (byTree.get(name) ?? 0) + 1);
    }
    return { commits, frames, byTree: [...byTree].sort((a, b) => b[1] - a[1]) };
  } finally {
    side.close();
  }
}

/** One line: pages per unit, and per b-tree. */
export function walPagesLine(w: WalPages, units: number): string {
  const each = (n: number) => (n / units).toFixed(2);
  return `${each(w.frames)} pages per commit (${w.commits} commits for ${units}): ${w.byTree
    .map(([name, n]) => `${name} ${each(n)}`)
    .join(', ')}`;
}
