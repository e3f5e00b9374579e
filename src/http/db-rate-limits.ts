/**
 * Rate-limit counters in the store's `rate_counters` table, so every instance over one database counts
 * together (DESIGN.md, "Ports": `rateLimits`). Each call is one unit of work: a hit is one upsert, a
 * claim one conditional upsert per gate under a guard (all counted or none), a settlement its deletes and
 * updates; none reads first. Now and then a unit also deletes expired rows, so the table stays as small
 * as the set of clients active within the longest window.
 */

import {
  type GateSql,
  queueForget,
  queueGateHit,
  queueMark,
  queueRefund,
  queueSweep,
  queueWindowHit,
  readCounters,
} from '../db/repo/rate-counters.js';
import { GuardError, type Store, type WriteCtx } from '../db/store.js';
import { planClaim, type ResolvedGate, resolveGate } from './rate-gates.js';
import { type RateKeyHasher, rateKeyHasher } from './rate-keys.js';
import {
  type ClaimResult,
  checkGate,
  checkWindow,
  type Gate,
  type RateCounter,
  type RateKey,
  type RateLimitStore,
  type Settlement,
} from './rate-limit-store.js';

export interface DatabaseRateLimitStoreOptions {
  store: Store;
  /** At least 32 bytes, the same in every instance: `MasterKey.deriveSecret(RATE_KEY_PURPOSE)`. */
  secret: Uint8Array;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /** One unit in this many also deletes expired counters. Default 64. */
  sweepEvery?: number;
}

/** Expired rows are kept this much longer, so clocks a little apart never delete a row another instance still counts on. */
const SWEEP_GRACE_MS = 60_000;
const GUARD_PREFIX = 'rate-gate:';

export class DatabaseRateLimitStore implements RateLimitStore {
  readonly #store: Store;
  readonly #id: RateKeyHasher;
  readonly #now: () => number;
  readonly #sweepEvery: number;
  #units = 0;

  constructor(options: DatabaseRateLimitStoreOptions) {
    this.#store = options.store;
    this.#id = rateKeyHasher(options.secret);
    this.#now = options.now ?? Date.now;
    this.#sweepEvery = options.sweepEvery ?? 64;
    if (!Number.isSafeInteger(this.#sweepEvery) || this.#sweepEvery < 1) {
      throw new RangeError('DatabaseRateLimitStore: sweepEvery must be a positive integer');
    }
  }

  async hit(key: RateKey, windowMs: number): Promise<RateCounter> {
    checkWindow(windowMs);
    const id = this.#id(key);
    const now = this.#now();
    const written = await this.#store.global.write((tx) => {
      const w = queueWindowHit(tx, id, windowMs, now);
      this.#maybeSweep(tx, now);
      return w;
    });
    const row = written.rows[0]!;
    return { count: row.count, resetAt: row.resetAt.getTime() };
  }

  async claim(gates: readonly Gate[]): Promise<ClaimResult> {
    for (const g of gates) checkGate(g);
    const resolved = gates.map((g) => resolveGate(g, this.#id));
    const now = this.#now();
    try {
      await this.#store.global.write((tx) => {
        resolved.forEach((g, i) => {
          queueGateHit(tx, gateSql(g), now, `${GUARD_PREFIX}${i}`);
        });
        this.#maybeSweep(tx, now);
      });
      return { ok: true };
    } catch (err) {
      if (!(err instanceof GuardError) || !err.guard.startsWith(GUARD_PREFIX)) throw err;
      const held = resolved[Number(err.guard.slice(GUARD_PREFIX.length))]!;
      return { ok: false, gate: held.gate.key.name, retryAfterMs: await this.#retryAfter(resolved, now) };
    }
  }

  async settle(settlement: Settlement): Promise<void> {
    const forget = (settlement.forget ?? []).map((k) => this.#id(k));
    const refund = (settlement.refund ?? []).map((k) => this.#id(k));
    const mark = (settlement.mark ?? []).map(({ key, windowMs }) => {
      checkWindow(windowMs);
      return { id: this.#id(key), windowMs };
    });
    const now = this.#now();
    await this.#store.global.write((tx) => {
      queueForget(tx, forget);
      queueRefund(tx, refund, now);
      for (const m of mark) queueMark(tx, m.id, m.windowMs, now);
      this.#maybeSweep(tx, now);
    });
  }

  /** The claim was held back in SQL; the same rule on the rows as they are now says for how long. */
  async #retryAfter(resolved: readonly ResolvedGate[], now: number): Promise<number> {
    const ids = [...new Set(resolved.flatMap((g) => [g.id, ...g.live, ...g.counted.map((c) => c.id)]))];
    const rows = await this.#store.global.read((r) => readCounters(r, ids, now));
    const counters = new Map(rows.map((r) => [r.key, { count: r.count, resetAt: r.resetAt.getTime() }]));
    const plan = planClaim(resolved, (id) => counters.get(id), now);
    // Open again already (another attempt settled meanwhile): come back at once.
    return plan.ok ? 1000 : plan.retryAt - now;
  }

  #maybeSweep(tx: WriteCtx, now: number): void {
    if (++this.#units % this.#sweepEvery === 0) queueSweep(tx, now - SWEEP_GRACE_MS);
  }
}

const gateSql = (g: ResolvedGate): GateSql => ({
  id: g.id,
  windowMs: g.gate.windowMs,
  free: g.gate.free,
  delaysMs: g.gate.delaysMs,
  live: g.live,
  counted: g.counted,
});
