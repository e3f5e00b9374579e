/**
 * Rate-limit counters in a `Map`, per process: for tests and for a single instance. With several app
 * instances each would count separately; deployments use the database store (db-rate-limits.ts).
 */
import { randomBytes } from '../crypto/random.js';
import { planClaim, resolveGate } from './rate-gates.js';
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

export interface MemoryRateLimitStoreOptions {
  /** Most keys held at once. Default 100,000 (a few MB). */
  maxKeys?: number;
  /** Clock in ms; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Key secret; default a random one (nothing outlives the process anyway). */
  secret?: Uint8Array;
}

/**
 * Bounded in memory: expired counters are dropped as new ones arrive, and when `maxKeys` live keys
 * exist the oldest is evicted to make room. (Eviction could let someone who floods the store with
 * distinct keys reset one key's count early; refusing new keys instead would let that flood lock
 * everyone out. Size `maxKeys` well above the real number of clients per window.)
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #counters = new Map<string, RateCounter>();
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #id: RateKeyHasher;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#now = options.now ?? Date.now;
    this.#id = rateKeyHasher(options.secret ?? randomBytes(32));
    if (!Number.isSafeInteger(this.#maxKeys) || this.#maxKeys < 1) {
      throw new RangeError(`MemoryRateLimitStore: maxKeys must be a positive integer, got ${this.#maxKeys}`);
    }
  }

  /** Number of keys held; for tests and metrics. */
  get size(): number {
    return this.#counters.size;
  }

  async hit(key: RateKey, windowMs: number): Promise<RateCounter> {
    checkWindow(windowMs);
    const id = this.#id(key);
    const now = this.#now();
    const current = this.#live(id, now);
    if (current !== undefined) {
      current.count += 1;
      return { ...current };
    }
    return { ...this.#put(id, { count: 1, resetAt: now + windowMs }, now) };
  }

  async claim(gates: readonly Gate[]): Promise<ClaimResult> {
    for (const g of gates) checkGate(g);
    const now = this.#now();
    const resolved = gates.map((g) => resolveGate(g, this.#id));
    const plan = planClaim(resolved, (id) => this.#counters.get(id), now);
    if (!plan.ok) return { ok: false, gate: plan.gate, retryAfterMs: plan.retryAt - now };
    for (const [id, counter] of plan.writes) this.#put(id, counter, now);
    return { ok: true };
  }

  async settle(settlement: Settlement): Promise<void> {
    const now = this.#now();
    for (const key of settlement.forget ?? []) this.#counters.delete(this.#id(key));
    for (const key of settlement.refund ?? []) {
      const current = this.#live(this.#id(key), now);
      if (current !== undefined && current.count > 0) current.count -= 1;
    }
    for (const { key, windowMs } of settlement.mark ?? []) {
      checkWindow(windowMs);
      const id = this.#id(key);
      const count = (this.#live(id, now)?.count ?? 0) + 1;
      this.#put(id, { count, resetAt: now + windowMs }, now);
    }
  }

  #live(id: string, now: number): RateCounter | undefined {
    const c = this.#counters.get(id);
    return c !== undefined && c.resetAt > now ? c : undefined;
  }

  /** (Re)inserts at the end of the Map, so insertion order approximates expiry order. */
  #put(id: string, counter: RateCounter, now: number): RateCounter {
    this.#counters.delete(id);
    this.#evict(now);
    this.#counters.set(id, counter);
    return counter;
  }

  #evict(now: number): void {
    // Cheap, incremental: drop expired counters from the old end.
    for (const [id, c] of this.#counters) {
      if (c.resetAt > now) break;
      this.#counters.delete(id);
    }
    if (this.#counters.size < this.#maxKeys) return;
    // Windows of different lengths interleave, so expired ones can hide behind live ones: sweep
    // everything, but at most once a second, so a flood of new keys cannot make every hit O(n).
    if (now - this.#lastSweep >= 1000) {
      this.#lastSweep = now;
      for (const [id, c] of this.#counters) if (c.resetAt <= now) this.#counters.delete(id);
    }
    while (this.#counters.size >= this.#maxKeys) {
      const oldest = this.#counters.keys().next().value;
      if (oldest === undefined) break;
      this.#counters.delete(oldest);
    }
  }
}
