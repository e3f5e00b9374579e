/**
 * The unit-of-work contract (DESIGN.md), on every driver: nesting, ended contexts, direct writes,
 * stray awaits, read units and locks, guards, atomicity and races that only the database can arbiter.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import {
  GuardError,
  NestedUnitError,
  type Store,
  type TenantWriteCtx,
  UnitEndedError,
  UnitOfWorkError,
} from '../../src/db/store.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

/** A tenant is created by its own first unit of work (on PostgreSQL, RLS on tenants insists). */
async function seed(store: Store) {
  const tenant = await store
    .tenant(newId())
    .write((tx) => repo.insertTenant(tx, `T ${newId().slice(0, 8)}`, tx.tenantId));
  return tenant.id;
}

forEachDialect('unit-of-work contract', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let tenantId: string;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    tenantId = await seed(store);
  });
  afterAll(() => ts.close());

  it('refuses a unit started inside another, at once', async () => {
    await expect(
      store.tenant(tenantId).write(async () => {
        await store.global.read((g) => repo.countTenants(g));
      }),
    ).rejects.toBeInstanceOf(NestedUnitError);
    await expect(
      store.global.read(async () => {
        await store.tenant(tenantId).write(() => undefined);
      }),
    ).rejects.toBeInstanceOf(NestedUnitError);
    // Sequential units after an ended one are fine.
    expect(await store.as({ system: 'cli' }).read((g) => repo.countTenants(g))).toBeGreaterThan(0);
  });

  it('makes a context unusable after its unit ended', async () => {
    let kept: TenantWriteCtx | null = null;
    await store.tenant(tenantId).write((tx) => {
      kept = tx;
    });
    const tx = kept as unknown as TenantWriteCtx;
    expect(() => tx.db).toThrow(UnitEndedError);
    expect(() => tx.audit({ actor: 'system', action: 'late', target: 't' })).toThrow(UnitEndedError);
    expect(() => repo.insertVendor(tx, { name: 'late' })).toThrow(UnitEndedError);
    expect(await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'late'))).toBeNull();
  });

  it('refuses writes in a read-only unit', async () => {
    await expect(
      store.tenant(tenantId).read((c) => repo.insertVendor(c as never, { name: 'ro' })),
    ).rejects.toBeInstanceOf(UnitOfWorkError);
    expect(await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'ro'))).toBeNull();
  });

  it('hands the results of writes out after the commit, never before', async () => {
    const seen: string[] = [];
    const written = await store
      .tenant(tenantId)
      .write((tx) => {
        const w = repo.updateVendor(tx, newId(), {});
        try {
          void w.rows;
        } catch (err) {
          seen.push((err as Error).name);
        }
        return repo.enqueueMail(tx, {
          tenantId,
          dedupeKey: `k:${newId()}`,
          toAddress: 'a@b.example',
          subject: 's',
          textBody: 't',
        });
      })
      .catch((err) => err);
    // The update of a vendor that does not exist aborted the unit: the queued mail was not written.
    expect(written).toBeInstanceOf(GuardError);
    expect(seen).toEqual(['UnitOfWorkError']);
  });

  it('names the guard that failed, even among several', async () => {
    const vendor = await store
      .tenant(tenantId)
      .write((tx) => repo.insertVendor(tx, { name: `G ${newId()}` }));
    const err = await store
      .tenant(tenantId)
      .write((tx) => {
        repo.updateVendor(tx, vendor.id, { website: 'https://ok.example' }); // holds
        repo.transitionAssessment(tx, newId(), ['draft'], 'sent'); // fails
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GuardError);
    expect((err as GuardError).guard).toBe(repo.ASSESSMENT_IN_STATUS);
    expect((await store.tenant(tenantId).read((c) => repo.getVendor(c, vendor.id)))?.website).toBeNull();
  });

  it('keeps one valid audit chain under many concurrent appends', async () => {
    const t = await seed(store);
    // D1 appends are optimistic (retried when another append won): through miniflare's proxy each
    // attempt costs two round trips, so the race there is ten-wide rather than thirty.
    const n = dialect === 'd1' ? 10 : 30;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.tenant(t).write(async (tx) => {
          // A read first, as real units do: it widens the window in which another unit may append.
          await repo.currentTenant(tx);
          tx.audit({ actor: 'system', action: `concurrent.${i}`, target: `t:${i}` });
        }),
      ),
    );
    const log = await store.tenant(t).read((c) => repo.listAudit(c));
    expect(log).toHaveLength(n);
    expect(verifyChain(log)).toMatchObject({ ok: true, size: n });
    expect(new Set(log.map((e) => e.action)).size).toBe(n);
    // D1's retries through the proxy take ~9 s on a quiet machine; a loaded one needs more.
  }, 60_000);

  it('claims each queued message exactly once when senders race', async () => {
    const now = new Date();
    const keys = Array.from({ length: 12 }, () => `race:${newId()}`);
    await store.tenant(tenantId).write((tx) => {
      for (const k of keys)
        repo.enqueueMail(
          tx,
          { tenantId, dedupeKey: k, toAddress: 'r@x.example', subject: 's', textBody: 't' },
          now,
        );
    });
    const claims = await Promise.all(
      Array.from({ length: 6 }, () =>
        store.as({ system: 'mail' }).write((tx) => repo.claimDueMail(tx, now, 3)),
      ),
    );
    const ids = claims.flatMap((c) => c.rows.map((r) => r.dedupeKey)).filter((k) => keys.includes(k));
    expect(ids.sort()).toEqual([...keys].sort());
  });

  if (dialect === 'd1') return;

  it('refuses a write executed directly instead of queued', async () => {
    await expect(
      store.tenant(tenantId).write(async (tx) => {
        await tx.db.insert(tx.t.vendors).values({ tenantId, name: 'direct', updatedAt: new Date() });
      }),
    ).rejects.toBeInstanceOf(UnitOfWorkError);
    expect(await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'direct'))).toBeNull();
  });

  it('refuses a unit that awaits something other than the database, and writes nothing', async () => {
    await expect(
      store.tenant(tenantId).write(async (tx) => {
        repo.insertVendor(tx, { name: 'slow' });
        await new Promise((r) => setTimeout(r, 5));
      }),
    ).rejects.toBeInstanceOf(UnitOfWorkError);
    await expect(
      store.tenant(tenantId).read(async (c) => {
        await repo.currentTenant(c);
        await new Promise((r) => setImmediate(r));
      }),
    ).rejects.toBeInstanceOf(UnitOfWorkError);
    expect(await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'slow'))).toBeNull();
    // Awaiting only the database, many times over, is fine.
    const n = await store.tenant(tenantId).read(async (c) => {
      let k = 0;
      for (let i = 0; i < 20; i++) k += (await repo.listVendors(c)).length >= 0 ? 1 : 0;
      return k;
    });
    expect(n).toBe(20);
  });
});

describe('SQLite: several processes on one file', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let tenantId: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-uow-'));
    file = path.join(dir, 'assay.db');
    store = openSqliteStore({ file });
    tenantId = await seed(store);
  });
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database readable by its owner only', () => {
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reads while another connection holds the write lock; writes wait for it', async () => {
    const other = new Database(file);
    other.pragma('busy_timeout = 100');
    other.exec('BEGIN IMMEDIATE');
    try {
      // A read-only unit takes no lock: it answers at once.
      expect(await store.global.read((g) => repo.countTenants(g))).toBe(1);
      const blocked = openSqliteStore({ file });
      try {
        const started = Date.now();
        await expect(blocked.global.write((tx) => repo.insertTenant(tx, 'blocked'))).rejects.toThrow(
          /locked|busy/i,
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(0);
      } finally {
        await blocked.close();
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  }, 20_000);

  it('keeps one audit chain and claims each message once across two processes', async () => {
    const now = Date.now();
    const keys = Array.from({ length: 40 }, (_, i) => `proc:${i}`);
    await store.tenant(tenantId).write((tx) => {
      for (const k of keys)
        repo.enqueueMail(
          tx,
          { tenantId, dedupeKey: k, toAddress: 'p@x.example', subject: 's', textBody: 't' },
          new Date(now),
        );
    });
    const barrier = new SharedArrayBuffer(12);
    const run = (name: string, index: number) =>
      new Promise<{ claimed: string[] }>((resolve, reject) => {
        const w = new Worker(new URL('./support/ts-worker.mjs', import.meta.url), {
          workerData: {
            module: new URL('./support/sqlite-writer.ts', import.meta.url).href,
            file,
            tenantId,
            name,
            index,
            appends: 40,
            now,
            barrier,
          },
        });
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => code !== 0 && reject(new Error(`worker ${name} exited with ${code}`)));
      });
    const [a, b] = await Promise.all([run('a', 0), run('b', 1)]);
    const log = await store.tenant(tenantId).read((c) => repo.listAudit(c));
    expect(log).toHaveLength(80);
    expect(verifyChain(log)).toMatchObject({ ok: true, size: 80 });
    expect(new Set(log.map((e) => e.actor))).toEqual(new Set(['system:a', 'system:b']));
    const claimed = [...a.claimed, ...b.claimed];
    expect(claimed.sort()).toEqual([...keys].sort());
    expect(a.claimed.length).toBeGreaterThan(0);
    expect(b.claimed.length).toBeGreaterThan(0);
  }, 60_000);
});

forEachDialect('PostgreSQL: several instances on one database', () => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore('pg');
  });
  afterAll(() => ts.close());

  it('keeps one audit chain and claims each message once across two pools', async () => {
    const a = openPgStore({ url: ts.pg!.appUrl, max: 4 });
    const b = openPgStore({ url: ts.pg!.appUrl, max: 4 });
    try {
      const tenantId = await seed(a);
      const now = new Date();
      const keys = Array.from({ length: 30 }, (_, i) => `pg:${i}`);
      await a.tenant(tenantId).write((tx) => {
        for (const k of keys)
          repo.enqueueMail(
            tx,
            { tenantId, dedupeKey: k, toAddress: 'p@x.example', subject: 's', textBody: 't' },
            now,
          );
      });
      const appends = (s: Store, who: string) =>
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            s.tenant(tenantId).write(async (tx) => {
              await repo.currentTenant(tx);
              tx.audit({ actor: `system:${who}`, action: `x.${i}`, target: 't' });
            }),
          ),
        );
      const claims = (s: Store) =>
        Promise.all(
          Array.from({ length: 8 }, () =>
            s.as({ system: 'mail' }).write((tx) => repo.claimDueMail(tx, now, 2)),
          ),
        );
      const [, , ca, cb] = await Promise.all([appends(a, 'a'), appends(b, 'b'), claims(a), claims(b)]);
      const log = await a.tenant(tenantId).read((c) => repo.listAudit(c));
      expect(verifyChain(log)).toMatchObject({ ok: true, size: 40 });
      const claimed = [...ca, ...cb].flatMap((w) => w.rows.map((r) => r.dedupeKey));
      expect(claimed.sort()).toEqual([...keys].sort());
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
}, ['pg']);
