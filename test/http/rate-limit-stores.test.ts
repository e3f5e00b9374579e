/**
 * The RateLimitStore contract, on the memory store and on the database store over SQLite, PostgreSQL
 * and D1: fixed windows, progressive gates, settlements, atomic claims, and — for the database —
 * two instances counting together, keyed hashes only in the table, and expired rows swept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseRateLimitStore } from '../../src/http/db-rate-limits.js';
import { MemoryRateLimitStore } from '../../src/http/memory-rate-limits.js';
import type { Gate, RateKey, RateLimitStore } from '../../src/http/rate-limit-store.js';
import { forEachDialect } from '../support/stores.js';
import {
  counterRows,
  manualClock,
  openSharedStores,
  SHARED_SECRET,
  type SharedStores,
} from './rate-limit-shared.js';

type Clock = ReturnType<typeof manualClock>;

let serial = 0;
/** Keys no other test uses (the database suites share one database). */
const fresh = (name = 'gate') => ({ name, subject: `subject-${++serial}@example.com` });

const gate = (key: RateKey, extra: Partial<Gate> = {}): Gate => ({
  key,
  windowMs: 10_000,
  free: 2,
  delaysMs: [1000, 4000],
  ...extra,
});

function contract(make: (clock: Clock) => RateLimitStore) {
  it('counts a fixed window and starts a new one when it ends', async () => {
    const clock = manualClock();
    const store = make(clock);
    const key = fresh('window');
    const start = clock.now();
    expect(await store.hit(key, 1000)).toEqual({ count: 1, resetAt: start + 1000 });
    clock.advance(999);
    expect(await store.hit(key, 1000)).toEqual({ count: 2, resetAt: start + 1000 });
    clock.advance(1);
    expect(await store.hit(key, 1000)).toEqual({ count: 1, resetAt: start + 2000 });
  });

  it('lets the free failures through, then holds each next attempt back for its delay, counting nothing meanwhile', async () => {
    const clock = manualClock();
    const store = make(clock);
    const g = gate(fresh());
    expect(await store.claim([g])).toEqual({ ok: true });
    expect(await store.claim([g])).toEqual({ ok: true });
    expect(await store.claim([g])).toEqual({ ok: false, gate: 'gate', retryAfterMs: 1000 });
    clock.advance(999);
    // Refusals are not failures: hammering does not push the wait further.
    for (let i = 0; i < 5; i++) expect(await store.claim([g])).toMatchObject({ ok: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await store.claim([g])).toEqual({ ok: true });
    expect(await store.claim([g])).toEqual({ ok: false, gate: 'gate', retryAfterMs: 4000 });
    clock.advance(4000);
    expect(await store.claim([g])).toEqual({ ok: true });
    // The last delay repeats.
    expect(await store.claim([g])).toMatchObject({ ok: false, retryAfterMs: 4000 });
  });

  it('forgets the failures windowMs after the last one', async () => {
    const clock = manualClock();
    const store = make(clock);
    const g = gate(fresh());
    await store.claim([g]);
    clock.advance(9000);
    await store.claim([g]);
    clock.advance(9000);
    // 18 s after the first failure (beyond windowMs), 9 s after the last: both still count, so this
    // third failure takes the counter to the second delay.
    expect(await store.claim([g])).toEqual({ ok: true });
    expect(await store.claim([g])).toMatchObject({ ok: false, retryAfterMs: 4000 });
    clock.advance(10_000);
    for (let i = 0; i < 2; i++) expect(await store.claim([g])).toEqual({ ok: true });
    expect(await store.claim([g])).toMatchObject({ ok: false });
  });

  it('counts a claim on every gate or on none', async () => {
    const clock = manualClock();
    const store = make(clock);
    const a = gate(fresh('a'), { free: 3 });
    const b = gate(fresh('b'), { free: 1 });
    expect(await store.claim([b])).toEqual({ ok: true });
    for (let i = 0; i < 4; i++) expect(await store.claim([a, b])).toMatchObject({ ok: false, gate: 'b' });
    // a counted none of the refused claims: its three free failures are all left.
    for (let i = 0; i < 3; i++) expect(await store.claim([a])).toEqual({ ok: true });
    expect(await store.claim([a])).toMatchObject({ ok: false, gate: 'a' });
  });

  it('reports when every closed gate has opened', async () => {
    const clock = manualClock();
    const store = make(clock);
    const a = gate(fresh('a'), { free: 0, delaysMs: [1000] });
    const b = gate(fresh('b'), { free: 0, delaysMs: [5000] });
    expect(await store.claim([a, b])).toEqual({ ok: true });
    expect(await store.claim([a, b])).toEqual({ ok: false, gate: 'a', retryAfterMs: 5000 });
  });

  it('lets exempt attempts past a closed gate, and counts them', async () => {
    const clock = manualClock();
    const store = make(clock);
    const known = fresh('known');
    const pair = fresh('pair');
    const shared = fresh('shared');
    const g = gate(shared, {
      free: 0,
      delaysMs: [5000],
      exemptIf: [{ live: known }, { counted: pair, atMost: 2 }],
    });
    const pairGate = gate(pair, { free: 10 });
    expect(await store.claim([pairGate, g])).toEqual({ ok: true });
    expect(await store.claim([pairGate, g])).toEqual({ ok: true });
    // The pair's third attempt is no longer exempt.
    expect(await store.claim([pairGate, g])).toMatchObject({ ok: false, gate: 'shared', retryAfterMs: 5000 });
    await store.settle({ mark: [{ key: known, windowMs: 3000 }] });
    expect(await store.claim([pairGate, g])).toEqual({ ok: true });
    clock.advance(3000);
    expect(await store.claim([pairGate, g])).toMatchObject({ ok: false, retryAfterMs: 2000 });
  });

  it('settles: forgets, refunds never below zero, and marks with a sliding memory', async () => {
    const clock = manualClock();
    const store = make(clock);
    const g = gate(fresh());
    await store.claim([g]);
    await store.claim([g]);
    expect(await store.claim([g])).toMatchObject({ ok: false });
    await store.settle({ refund: [g.key] });
    expect(await store.claim([g])).toEqual({ ok: true });
    await store.settle({ forget: [g.key] });
    await store.settle({ refund: [g.key, g.key] });
    expect(await store.claim([g])).toEqual({ ok: true });
    expect(await store.claim([g])).toEqual({ ok: true });
    expect(await store.claim([g])).toMatchObject({ ok: false });

    const known = fresh('known');
    const exempted = gate(fresh(), { free: 0, delaysMs: [9000], exemptIf: [{ live: known }] });
    await store.claim([exempted]);
    await store.settle({ mark: [{ key: known, windowMs: 2000 }] });
    clock.advance(1500);
    await store.settle({ mark: [{ key: known, windowMs: 2000 }] });
    clock.advance(1500);
    expect(await store.claim([exempted])).toEqual({ ok: true });
    clock.advance(2000);
    expect(await store.claim([exempted])).toMatchObject({ ok: false });
  });

  it('lets exactly the free attempts through when they all arrive at once', async () => {
    const clock = manualClock();
    const store = make(clock);
    const g = gate(fresh(), { free: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => store.claim([g])));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
  });

  it('rejects gates that could never open or would be forgotten while closed', async () => {
    const store = make(manualClock());
    const key = fresh();
    await expect(store.claim([gate(key, { delaysMs: [] })])).rejects.toThrow(RangeError);
    await expect(store.claim([gate(key, { delaysMs: [20_000] })])).rejects.toThrow(RangeError);
    await expect(store.claim([gate(key, { free: -1 })])).rejects.toThrow(RangeError);
    await expect(store.claim([gate({ name: 'bad name', subject: 'x' })])).rejects.toThrow(RangeError);
    await expect(store.hit(key, 0)).rejects.toThrow(RangeError);
  });
}

describe('rate-limit store contract [memory]', () => {
  contract((clock) => new MemoryRateLimitStore({ now: clock.now }));
});

forEachDialect('rate-limit store contract on the database', (dialect) => {
  let shared: SharedStores;
  beforeAll(async () => {
    shared = await openSharedStores(dialect);
  });
  afterAll(() => shared.close());
  const on = (which: 'a' | 'b', clock: Clock, secret = SHARED_SECRET) =>
    new DatabaseRateLimitStore({ store: shared[which], secret, now: clock.now });

  contract((clock) => on('a', clock));

  it('counts together across two instances with the same secret, apart with another', async () => {
    const clock = manualClock();
    const [a, b] = [on('a', clock), on('b', clock)];
    const key = fresh('window');
    const counts = [];
    for (const s of [a, b, a, b]) counts.push((await s.hit(key, 60_000)).count);
    expect(counts).toEqual([1, 2, 3, 4]);
    expect((await on('b', clock, new Uint8Array(32).fill(1)).hit(key, 60_000)).count).toBe(1);

    const g = gate(fresh(), { free: 3 });
    expect(await a.claim([g])).toEqual({ ok: true });
    expect(await b.claim([g])).toEqual({ ok: true });
    expect(await a.claim([g])).toEqual({ ok: true });
    expect(await b.claim([g])).toMatchObject({ ok: false, retryAfterMs: 1000 });
    await a.settle({ forget: [g.key] });
    expect(await b.claim([g])).toEqual({ ok: true });
  });

  it('lets exactly the free attempts through when both instances are hit at once', async () => {
    const clock = manualClock();
    const [a, b] = [on('a', clock), on('b', clock)];
    const g = gate(fresh(), { free: 4 });
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).claim([g])));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
  });

  it('keeps only keyed hashes in the table, never the subject', async () => {
    const clock = manualClock();
    const store = on('a', clock);
    const subject = 'grace.hopper@navy.example|203.0.113.77';
    await store.hit({ name: 'raw-check', subject }, 60_000);
    await store.claim([gate({ name: 'raw-gate', subject })]);
    await store.settle({ mark: [{ key: { name: 'raw-mark', subject }, windowMs: 60_000 }] });
    const rows = await counterRows(shared.a);
    const mine = rows.filter((r) => /^raw-/.test(r.key));
    expect(mine.map((r) => r.key.split(':')[0]).sort()).toEqual(['raw-check', 'raw-gate', 'raw-mark']);
    for (const row of rows) {
      expect(row.key).toMatch(/^[A-Za-z0-9._-]+:[A-Za-z0-9_-]{43}$/);
      expect(JSON.stringify(row)).not.toMatch(/grace|hopper|navy|203\.0\.113|@/);
    }
  });

  it('sweeps expired rows now and then, in the same unit as a hit', async () => {
    const clock = manualClock(Date.parse('2031-06-01T00:00:00Z'));
    const sweeping = new DatabaseRateLimitStore({
      store: shared.a,
      secret: SHARED_SECRET,
      now: clock.now,
      sweepEvery: 3,
    });
    const old = fresh('sweep-old');
    const live = fresh('sweep-live');
    await sweeping.hit(old, 1000);
    await sweeping.hit(live, 3_600_000);
    clock.advance(2 * 60_000);
    const names = async () => (await counterRows(shared.a)).map((r) => r.key.split(':')[0]);
    expect(await names()).toContain('sweep-old');
    await sweeping.hit(live, 3_600_000); // the third unit sweeps
    const after = await names();
    expect(after).not.toContain('sweep-old');
    expect(after).toContain('sweep-live');
    // Everything expired is gone (rows of the other tests, with their earlier clocks, included).
    const rows = await counterRows(shared.a);
    expect(rows.length).toBe(1);
  });
});
