/**
 * One active and one next signing key per purpose, whatever races, on two connections to one database
 * (SQLite: two connections to one file; PostgreSQL: two pools; D1: two stores on one binding, as two
 * isolates would be). The unique index `signing_keys_one_next_uq` (migrations sqlite/0021, pg/0033) is
 * the only thing that stops two servers starting at once — or a server starting while an operator
 * rotates an older database by force — from publishing two next keys; the guarded UPDATEs of a
 * rotation do not see an INSERT.
 *
 * The interleaving is made, not hoped for: both sides read the key table before either writes, because
 * each side's master key (a real MasterKey) holds back the `wrap` that follows its read until the other
 * side has read too (its own first `wrap`) or has finished. That is a hook in the test's own key object,
 * not in the database or the code under test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { type KeyPurpose, listKeyRotations, listPublishedKeys } from '../../src/db/repo/keys.js';
import type { Store } from '../../src/db/store.js';
import { MasterKey } from '../../src/keys/master-key.js';
import {
  ensureSigningKeys,
  KEY_PURPOSE_LIST,
  RotationConflictError,
  rotateSigningKeys,
} from '../../src/keys/signing-keys.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { asyncLocalTracker } from '../../src/platform/node/unit-tracker.js';
import { openD1Store } from '../../src/platform/workers/d1-store.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const RAW = new Uint8Array(32).fill(7);
const DAY = 86_400_000;

/** Resolves once `ready()` holds (checked as the other side makes progress; no timing involved). */
function until(ready: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (ready()) return resolve();
      if (Date.now() - started > 60_000) return reject(new Error('the other side never got there'));
      setTimeout(tick, 2);
    };
    tick();
  });
}

/** A master key that counts its wraps and, before answering the n-th, waits for `gate(n)`. */
class GatedMaster extends MasterKey {
  wraps = 0;
  done = false;
  gate: (n: number) => Promise<void> = async () => {};
  override async wrap(plaintext: Uint8Array, aad: string): Promise<string> {
    const wrapped = await super.wrap(plaintext, aad);
    this.wraps += 1;
    await this.gate(this.wraps);
    return wrapped;
  }
  /** Runs `fn`, marking this side done however it ends. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      this.done = true;
    }
  }
}

/** Two sides; `first` writes first: its first wrap waits until `second` has read, `second`'s until `first` is done. */
function ordered(first: GatedMaster, second: GatedMaster) {
  first.gate = (n) => (n === 1 ? until(() => second.wraps >= 1 || second.done) : Promise.resolve());
  second.gate = (n) => (n === 1 ? until(() => first.done) : Promise.resolve());
}

/** Both sides in lockstep: the n-th wrap of each waits until the other has made n wraps (or finished). */
function lockstep(a: GatedMaster, b: GatedMaster) {
  a.gate = (n) => until(() => b.wraps >= n || b.done);
  b.gate = (n) => until(() => a.wraps >= n || a.done);
}

forEachDialect('one next key per purpose, two connections', (dialect) => {
  let ts: TestStore;
  let second: Store;
  let dir: string | null = null;
  let now = new Date('2030-05-01T09:00:00Z');
  const clock = { now: () => now };

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-keys-race-'));
      const file = path.join(dir, 'assay.db');
      const first = openSqliteStore({ file });
      ts = { store: first, close: () => first.close() };
      second = openSqliteStore({ file });
    } else {
      ts = await openTestStore(dialect);
      second =
        dialect === 'pg'
          ? openPgStore({ url: ts.pg!.appUrl, max: 2 })
          : openD1Store(ts.d1!, { tracker: asyncLocalTracker() });
    }
    await ensureSigningKeys(ts.store, new MasterKey(RAW), now);
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await ts?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  let a: GatedMaster;
  let b: GatedMaster;
  beforeEach(() => {
    a = new GatedMaster(RAW);
    b = new GatedMaster(RAW);
    // Every test starts a day after the last keys were made, so a rotation is due.
    now = new Date(now.getTime() + DAY + 60_000);
  });

  const published = () => ts.store.global.read((g) => listPublishedKeys(g));
  const rotations = () => ts.store.global.read((g) => listKeyRotations(g));
  /** The statuses of each purpose's published keys but the retired ones. */
  async function live() {
    const rows = await published();
    return Object.fromEntries(
      KEY_PURPOSE_LIST.map((p) => [
        p,
        rows
          .filter((k) => k.purpose === p && k.status !== 'retired')
          .map((k) => k.status)
          .sort(),
      ]),
    );
  }
  const ONE_EACH = Object.fromEntries(KEY_PURPOSE_LIST.map((p) => [p, ['active', 'next']]));
  /** An older database: the purposes' next keys gone (revoked: the app role may not delete keys). */
  async function withoutNext(purposes: readonly KeyPurpose[]) {
    const rows = (await published()).filter((k) => k.status === 'next' && purposes.includes(k.purpose));
    await ts.store.global.write((tx) => {
      for (const k of rows)
        tx.write(
          tx.db.update(tx.t.signingKeys).set({ status: 'revoked' }).where(eq(tx.t.signingKeys.kid, k.kid)),
        );
    });
    expect(rows).toHaveLength(purposes.length);
  }

  it('two servers starting at once on a database without next keys publish one next key per purpose', async () => {
    await withoutNext(KEY_PURPOSE_LIST);
    lockstep(a, b);
    const [x, y] = await Promise.all([
      a.run(() => ensureSigningKeys(ts.store, a, now)),
      b.run(() => ensureSigningKeys(second, b, now)),
    ]);
    // Both generated a next key for every purpose (both read "none" first) …
    expect([a.wraps, b.wraps]).toEqual([3, 3]);
    // … and exactly one of each pair was stored; the other start kept it and failed nothing.
    expect(await live()).toEqual(ONE_EACH);
    const next = (await published()).filter((k) => k.status === 'next').map((k) => k.kid);
    expect([...x, ...y].sort()).toEqual([...next].sort());
  });

  it('two rotations at once: one wins, the other is refused and changes nothing', async () => {
    const before = await published();
    const logged = (await rotations()).length;
    lockstep(a, b);
    const results = await Promise.allSettled([
      a.run(() => rotateSigningKeys(ts.store, a, KEY_PURPOSE_LIST, { clock })),
      b.run(() => rotateSigningKeys(second, b, KEY_PURPOSE_LIST, { clock })),
    ]);
    expect([a.wraps, b.wraps]).toEqual([3, 3]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(RotationConflictError);
    expect(await live()).toEqual(ONE_EACH);
    // Every old next key is active now, and only the winner's keys and records were written.
    const after = await published();
    for (const p of KEY_PURPOSE_LIST)
      expect(after.find((k) => k.purpose === p && k.status === 'active')!.kid).toBe(
        before.find((k) => k.purpose === p && k.status === 'next')!.kid,
      );
    expect(after.filter((k) => !before.some((o) => o.kid === k.kid))).toHaveLength(3);
    expect((await rotations()).length).toBe(logged + 3);
  });

  it('a forced rotation of an older database and a server start at once: the start wins, the rotation is refused whole', async () => {
    await withoutNext(['link']);
    const before = await published();
    const logged = await rotations();
    ordered(b, a);
    const [rotation, start] = await Promise.allSettled([
      a.run(() => rotateSigningKeys(ts.store, a, ['link'], { clock, force: true })),
      b.run(() => ensureSigningKeys(second, b, now)),
    ]);
    // The rotation generated its fresh active and next keys after reading "no next key" …
    expect(a.wraps).toBe(2);
    expect(start.status).toBe('fulfilled');
    const created = (start as PromiseFulfilledResult<string[]>).value;
    expect(created).toHaveLength(1);
    // … and was refused at its commit by the one-next index: no partial write (the old active key is
    // still active, no fresh active key, no record).
    expect(rotation.status).toBe('rejected');
    expect((rotation as PromiseRejectedResult).reason).toBeInstanceOf(RotationConflictError);
    expect(await live()).toEqual(ONE_EACH);
    const after = await published();
    expect(after.find((k) => k.purpose === 'link' && k.status === 'next')!.kid).toBe(created[0]);
    expect(after.find((k) => k.purpose === 'link' && k.status === 'active')!.kid).toBe(
      before.find((k) => k.purpose === 'link' && k.status === 'active')!.kid,
    );
    expect(after.filter((k) => !before.some((o) => o.kid === k.kid)).map((k) => k.kid)).toEqual(created);
    expect(await rotations()).toEqual(logged);
  });

  it('the same race the other way round: the rotation wins, the start keeps its key', async () => {
    await withoutNext(['link']);
    const before = await published();
    ordered(a, b);
    const [rotation, start] = await Promise.allSettled([
      a.run(() => rotateSigningKeys(ts.store, a, ['link'], { clock, force: true })),
      b.run(() => ensureSigningKeys(second, b, now)),
    ]);
    expect(b.wraps).toBe(1);
    expect(rotation.status).toBe('fulfilled');
    const [r] = (rotation as PromiseFulfilledResult<Awaited<ReturnType<typeof rotateSigningKeys>>>).value;
    expect(r).toMatchObject({ purpose: 'link', forced: true, nextAgeMs: null });
    // The start's insert was refused by the index and it kept the rotation's key: created nothing.
    expect(start).toEqual({ status: 'fulfilled', value: [] });
    expect(await live()).toEqual(ONE_EACH);
    const after = await published();
    expect(after.find((k) => k.purpose === 'link' && k.status === 'next')!.kid).toBe(r!.next);
    expect(after.find((k) => k.purpose === 'link' && k.status === 'active')!.kid).toBe(r!.activated);
    expect(after.filter((k) => !before.some((o) => o.kid === k.kid))).toHaveLength(2);
  });
});
