/**
 * A tenant's trail on SQLite (a file), PostgreSQL or D1, and an attacker with database access: raw
 * statements that bypass the append-only triggers (dropped and re-created on SQLite and D1, disabled and
 * re-enabled by the owner role on PostgreSQL, with the tenant claim set as row-level security needs).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { hashEntry } from '../../src/audit/chain.js';
import { makeCheckpoint, type TrailDeps } from '../../src/audit/checkpoints.js';
import { auditOrigin, rawEd25519, signCheckpoint } from '../../src/audit/note.js';
import { listAudit } from '../../src/db/repo/audit.js';
import { listPublishedKeys } from '../../src/db/repo/keys.js';
import type { Store } from '../../src/db/store.js';
import { createKeyRing } from '../../src/keys/keyring.js';
import { migratePg } from '../../src/platform/node/pg-migrate.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { asyncLocalTracker } from '../../src/platform/node/unit-tracker.js';
import { openD1Store } from '../../src/platform/workers/d1-store.js';
import { BASE_URL, TEST_MASTER_KEY } from '../support/app.js';
import { seedTenant } from '../support/assessments.js';
import { openTestD1 } from '../support/d1.js';
import { createTestDatabase } from '../support/pg.js';

export interface Attacker {
  /** Runs statements with the triggers out of the way (`?` placeholders on both dialects). */
  run(statements: [string, unknown[]][]): Promise<void>;
}

export interface Trail {
  store: Store;
  deps: TrailDeps;
  tenantId: string;
  attacker: Attacker;
  /** SQLite: the database file; PostgreSQL: the owner and app URLs. */
  file?: string;
  pg?: { ownerUrl: string; appUrl: string };
  close(): Promise<void>;
}

const SQLITE_TRIGGERS = `
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;`;

export async function openTrail(dialect: 'sqlite' | 'pg' | 'd1', now = new Date()): Promise<Trail> {
  let store: Store;
  let attacker: Attacker;
  let close: () => Promise<void>;
  let file: string | undefined;
  let pgUrls: Trail['pg'];
  const tenantIdRef = { get: () => '' };
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-audit-'));
    file = path.join(dir, 'assay.db');
    store = openSqliteStore({ file });
    const f = file;
    attacker = {
      async run(statements) {
        const db = new Database(f);
        try {
          // One transaction, like D1's batch: a refused statement leaves the triggers in place.
          db.transaction(() => {
            db.exec(
              'DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;',
            );
            for (const [text, params] of statements) db.prepare(text).run(...(params as never[]));
            db.exec(SQLITE_TRIGGERS);
          })();
        } finally {
          db.close();
        }
      },
    };
    close = async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  } else if (dialect === 'd1') {
    // D1 through its binding: the triggers dropped, the statements run and the triggers re-created in
    // one batch (D1's atomic unit), as someone with the Cloudflare API token could.
    const d1 = await openTestD1();
    store = openD1Store(d1.binding, { tracker: asyncLocalTracker() });
    const drop = [
      'audit_log_no_update',
      'audit_log_no_delete',
      'audit_checkpoints_no_update',
      'audit_checkpoints_no_delete',
    ];
    attacker = {
      async run(statements) {
        await d1.binding.batch([
          ...drop.map((name) => d1.binding.prepare(`DROP TRIGGER ${name}`)),
          ...statements.map(([text, params]) =>
            (d1.binding.prepare(text) as { bind(...p: unknown[]): unknown }).bind(...params),
          ),
          ...SQLITE_TRIGGERS.trim()
            .split('\n')
            .map((line) => d1.binding.prepare(line)),
        ]);
      },
    };
    close = () => d1.dispose();
  } else {
    const dbase = await createTestDatabase();
    await migratePg(dbase.ownerUrl, dbase.appUrl);
    store = openPgStore({ url: dbase.appUrl, max: 8 });
    pgUrls = { ownerUrl: dbase.ownerUrl, appUrl: dbase.appUrl };
    attacker = {
      async run(statements) {
        const client = new pg.Client({ connectionString: dbase.ownerUrl });
        await client.connect();
        try {
          await client.query('BEGIN');
          await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantIdRef.get()]);
          await client.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
          await client.query('ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
          for (const [text, params] of statements) {
            let i = 0;
            await client.query(
              text.replace(/\?/g, () => `$${++i}`),
              params,
            );
          }
          await client.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
          await client.query('ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
          await client.query('COMMIT');
        } finally {
          await client.end();
        }
      },
    };
    close = async () => {
      await store.close();
      await dbase.drop();
    };
  }
  const tenantId = await seedTenant(store, 'Trail', now);
  const keys = createKeyRing(store, TEST_MASTER_KEY, { clock: { now: () => new Date() } });
  const trail: Trail = {
    store,
    deps: { store, keys, baseUrl: BASE_URL },
    tenantId,
    attacker,
    file,
    pg: pgUrls,
    close,
  };
  // The attacker acts for whichever tenant the test points the trail at.
  tenantIdRef.get = () => trail.tenantId;
  return trail;
}

/** Appends `n` entries through the store, as the app does. */
export async function appendEntries(t: Trail, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i++) {
    await t.store.tenant(t.tenantId).write((tx) =>
      tx.audit({
        actor: 'system',
        action: 'test.step',
        target: `step:${from + i}`,
        data: { n: from + i, digest: `${(from + i).toString(16).padStart(2, '0')}` },
      }),
    );
  }
}

/** The tenant's entries now (through the app's repository). */
export const entries = (t: Trail) => t.store.tenant(t.tenantId).read((ctx) => listAudit(ctx));

/** Builds a log with checkpoints at 10, 20 and 30 entries (seedTenant's own entries come first). */
export async function standardTrail(t: Trail): Promise<number[]> {
  const sizes: number[] = [];
  const base = (await entries(t)).length;
  for (const upTo of [10, 20, 30]) {
    const have = (await entries(t)).length;
    await appendEntries(t, upTo + base - have, have);
    sizes.push((await makeCheckpoint(t.deps, t.tenantId, 'periodic'))!.treeSize);
  }
  return sizes;
}

/** Rewrites the chain from entry `from` on (entry `from` edited), re-hashing every later entry. */
export async function rewriteFrom(t: Trail, from: number): Promise<void> {
  const all = await entries(t);
  const statements: [string, unknown[]][] = [];
  let prev = all[from - 2]?.this_hash ?? '0'.repeat(64);
  for (const e of all.slice(from - 1)) {
    const { this_hash: _, ...rest } = e;
    const edited = { ...rest, prev_hash: prev, data: e.seq === from ? { ...e.data, n: -1 } : e.data };
    const h = hashEntry(edited);
    statements.push([
      'UPDATE audit_log SET data = ?, prev_hash = ?, this_hash = ? WHERE tenant_id = ? AND seq = ?',
      [JSON.stringify(edited.data), prev, h, t.tenantId, e.seq],
    ]);
    prev = h;
  }
  await t.attacker.run(statements);
}

/** Signs a checkpoint over whatever the log holds now, with the real audit key (an insider who has it). */
export async function insiderSignedCheckpoint(t: Trail, size: number, root: Uint8Array): Promise<string> {
  const signer = await t.deps.keys.signer('audit');
  const rows = await t.store.global.read((g) => listPublishedKeys(g, 'audit'));
  const row = rows.find((r) => r.kid === signer.kid)!;
  return signCheckpoint(
    { key: signer.key, publicKey: rawEd25519(row.publicJwk) },
    auditOrigin(BASE_URL, t.tenantId),
    size,
    root,
  );
}
