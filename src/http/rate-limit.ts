import type { Context, MiddlewareHandler } from 'hono';
import { bytesToBase64Url } from '../crypto/encoding.js';
import { hmacSha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import { HttpError } from '../errors.js';

/** A counter per key and fixed window. Memory today; the database or Redis can implement it later. */
export interface RateLimitStore {
  /** Counts one hit on `key` and returns the count in the current window and when that window ends (ms epoch). */
  hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }>;
}

export interface MemoryRateLimitStoreOptions {
  /** Most keys held at once. Default 100,000 (a few MB). */
  maxKeys?: number;
  /** Clock in ms; injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * Fixed-window counters in a `Map`, bounded in memory: expired windows are dropped as new
 * hits arrive, and when `maxKeys` live keys exist the oldest window is evicted to make room.
 * (Eviction could let someone who floods the store with distinct keys reset one key's count
 * early; refusing new keys instead would let that flood lock everyone out. Size `maxKeys`
 * well above the real number of clients per window.)
 *
 * Per process only: with several app instances, each counts separately.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #maxKeys: number;
  readonly #now: () => number;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.#maxKeys) || this.#maxKeys < 1) {
      throw new RangeError(`MemoryRateLimitStore: maxKeys must be a positive integer, got ${this.#maxKeys}`);
    }
  }

  /** Number of keys held; for tests and metrics. */
  get size(): number {
    return this.#windows.size;
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
      throw new RangeError(`rate limit window must be a positive integer of ms, got ${windowMs}`);
    }
    const now = this.#now();
    const current = this.#windows.get(key);
    if (current !== undefined && current.resetAt > now) {
      current.count += 1;
      return { count: current.count, resetAt: current.resetAt };
    }
    // A new window goes to the end of the Map, so insertion order approximates expiry order.
    this.#windows.delete(key);
    this.#evict(now);
    const fresh = { count: 1, resetAt: now + windowMs };
    this.#windows.set(key, fresh);
    return { count: fresh.count, resetAt: fresh.resetAt };
  }

  #evict(now: number): void {
    // Cheap, incremental: drop expired windows from the old end.
    for (const [key, window] of this.#windows) {
      if (window.resetAt > now) break;
      this.#windows.delete(key);
    }
    if (this.#windows.size < this.#maxKeys) return;
    // Windows of different lengths interleave, so expired ones can hide behind live ones: sweep
    // everything, but at most once a second, so a flood of new keys cannot make every hit O(n).
    if (now - this.#lastSweep >= 1000) {
      this.#lastSweep = now;
      for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
    }
    while (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.keys().next().value;
      if (oldest === undefined) break;
      this.#windows.delete(oldest);
    }
  }
}

/** Per-process secret for {@link hashRateKey}: keys are unlinkable across restarts and never hold raw data. */
// Created on first use: Workers forbid random values at module scope.
let KEY_SECRET: Uint8Array | null = null;

/** HMAC-SHA-256 of a rate-limit key part (an email, an IP), so stores never hold personal data. */
export function hashRateKey(value: string): string {
  KEY_SECRET ??= randomBytes(32);
  return bytesToBase64Url(hmacSha256(KEY_SECRET, value));
}

/** Refusal when a limiter cannot tell who is asking. */
export const UNIDENTIFIED =
  'This request could not be attributed to a client address, so it was refused. If you are behind a proxy, ask your administrator to check TRUST_PROXY.';

export interface RateLimitOptions {
  store: RateLimitStore;
  /** Requests allowed per window; the next one is refused. */
  limit: number;
  windowMs: number;
  /**
   * What to count by: an IP (the platform's `clientAddress(c)`), an email from the form, an assessment
   * id… Null means the client cannot be identified (no address on this runtime, say): the request is
   * refused, never let through uncounted (fail closed). The key is hashed before it reaches the store.
   */
  key: (c: Context) => string | null | Promise<string | null>;
  /** Names the limiter; keeps the counters of different limiters apart. */
  name: string;
  /** Refusal message. Default: a generic "too many attempts" sentence. */
  message?: string;
  /** Clock in ms, for `Retry-After`; use the same one as the store. Default `Date.now`. */
  now?: () => number;
}

/**
 * Counts requests per key and refuses those over `limit` within `windowMs` with 429, a
 * `Retry-After` (seconds until the window ends) and a clear message. The refused request
 * never reaches the handler.
 *
 * @example
 * ```ts
 * const store = new MemoryRateLimitStore();
 * app.post('/v/resend', rateLimit({ store, name: 'resend-ip', limit: 10, windowMs: 3_600_000,
 *   key: (c) => { const ip = clientIp(c); return ip && ipBucket(ip); } }), handler);
 * ```
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { store, limit, windowMs, key, name } = options;
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`rateLimit(${name}): limit must be a positive integer, got ${limit}`);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new RangeError(`rateLimit(${name}): windowMs must be a positive integer, got ${windowMs}`);
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new RangeError(`rateLimit: invalid name "${name}"`);
  const message = options.message ?? 'Too many attempts. Wait a little and try again.';

  return async function rateLimitMiddleware(c, next) {
    const raw = await key(c);
    if (raw === null) throw new HttpError(429, UNIDENTIFIED);
    const { count, resetAt } = await store.hit(`${name}:${hashRateKey(raw)}`, windowMs);
    if (count > limit) {
      const retryAfter = Math.max(1, Math.ceil((resetAt - now()) / 1000));
      throw new HttpError(429, message, { headers: { 'Retry-After': String(retryAfter) } });
    }
    return next();
  };
}
