/**
 * The `rateLimit` middleware: a fixed-window limit per key, failing closed. The counters live behind
 * the RateLimitStore port (rate-limit-store.ts); sign-in has its own failure gates (src/auth/sign-in-limits.ts).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../errors.js';
import { httpError, httpText } from './messages.js';
import { checkName, checkWindow, type RateLimitStore } from './rate-limit-store.js';

export { MemoryRateLimitStore, type MemoryRateLimitStoreOptions } from './memory-rate-limits.js';
export { RATE_KEY_PURPOSE, type RateKeyHasher, rateKeyHasher } from './rate-keys.js';
export type {
  ClaimResult,
  Exemption,
  Gate,
  RateCounter,
  RateKey,
  RateLimitStore,
  Settlement,
} from './rate-limit-store.js';

/** Refusal when a limiter cannot tell who is asking. */
export const UNIDENTIFIED = httpText('http.unidentified');

/** `Retry-After` in whole seconds, at least one. */
export const retryAfterSeconds = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));

export interface RateLimitOptions {
  store: RateLimitStore;
  /** Requests allowed per window; the next one is refused. */
  limit: number;
  windowMs: number;
  /**
   * What to count by: an IP (the platform's `clientAddress(c)`), an email from the form, an assessment
   * id… Null means the client cannot be identified (no address on this runtime, say): the request is
   * refused, never let through uncounted (fail closed). The store keeps only a keyed hash of it.
   */
  key: (c: Context) => string | null | Promise<string | null>;
  /** Names the limiter; keeps the counters of different limiters apart. */
  name: string;
  /** Refusal message. Default: a generic "too many attempts" sentence. */
  message?: string;
  /** Clock in ms, for `Retry-After`; use the same one as the store. Default `Date.now`. */
  now?: () => number;
  /**
   * Told about each refused request (the security log), with the window's count so far: `count ===
   * limit + 1` is the window's first refusal. Must not throw or hold up the 429.
   */
  onLimited?: (c: Context, hit: RateLimitHit) => void;
}

/** A refused request's place in its window. */
export interface RateLimitHit {
  count: number;
  limit: number;
}

/**
 * Counts requests per key and refuses those over `limit` within `windowMs` with 429, a
 * `Retry-After` (seconds until the window ends) and a clear message. The refused request
 * never reaches the handler.
 *
 * @example
 * ```ts
 * app.post('/v/resend', rateLimit({ store: platform.rateLimits, name: 'resend-ip', limit: 10,
 *   windowMs: 3_600_000, key: (c) => { const ip = clientIp(c); return ip && ipBucket(ip); } }), handler);
 * ```
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { store, limit, windowMs, key, name } = options;
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`rateLimit(${name}): limit must be a positive integer, got ${limit}`);
  }
  checkWindow(windowMs);
  checkName(name);
  // The default sentence has a key (other languages say it too); a limiter's own message stays as given.
  const said = options.message === undefined ? { key: 'http.tooManyAttempts' } : undefined;
  const message = options.message ?? httpText('http.tooManyAttempts');

  return async function rateLimitMiddleware(c, next) {
    const subject = await key(c);
    if (subject === null) throw httpError(429, 'http.unidentified');
    const { count, resetAt } = await store.hit({ name, subject }, windowMs);
    if (count > limit) {
      options.onLimited?.(c, { count, limit });
      throw new HttpError(429, message, {
        headers: { 'Retry-After': retryAfterSeconds(resetAt - now()) },
        ...(said ? { said } : {}),
      });
    }
    return next();
  };
}
