/**
 * The rate-limit port (DESIGN.md, "Ports": `rateLimits`): counters that hold across processes. The
 * database implementation is src/http/db-rate-limits.ts, the per-process one (tests, a single
 * instance) src/http/memory-rate-limits.ts. This module imports nothing, so domain code (sign-in) can
 * describe the limits it needs without depending on the web framework.
 *
 * Two kinds of counter share one table:
 * - a *fixed window* (`hit`): counts requests from the first hit until `windowMs` later, then starts
 *   over; the `rateLimit` middleware refuses what goes over its limit;
 * - a *gate* (`claim`): counts failures with a sliding memory (forgotten `windowMs` after the last one)
 *   and holds each next attempt back for a growing delay once `free` failures are used up. Progressive
 *   delay instead of a hard lockout, so nobody can keep an account shut by failing on purpose.
 */

/**
 * Names a counter. `name` is the limiter (a fixed word, kept in clear so operators can tell the rows
 * apart); `subject` is what it counts by (an email, an address bucket, both): personal data, which a
 * store keeps only as a keyed hash and never writes anywhere as it is.
 */
export interface RateKey {
  readonly name: string;
  readonly subject: string;
}

export interface RateCounter {
  count: number;
  /** When the counter is forgotten (ms epoch). */
  resetAt: number;
}

/** When a gate does not hold an attempt back. */
export type Exemption =
  /** `live`: the key has a counter that has not expired (a recent success recorded there, say). */
  | { readonly live: RateKey }
  /**
   * `counted`: after the earlier gates of the same claim counted this attempt, the key counts at most
   * `atMost` (with 1: this is the first attempt on it, from an address that has not been failing).
   */
  | { readonly counted: RateKey; readonly atMost: number };

/**
 * A failure counter with a progressive delay. The first `free` failures pass at once; after `free + i`
 * failures the next attempt waits `delaysMs[i]` from the last one (the last entry repeats). Counters are
 * forgotten `windowMs` after their last failure, which must be at least the longest delay.
 */
export interface Gate {
  readonly key: RateKey;
  readonly windowMs: number;
  readonly free: number;
  readonly delaysMs: readonly number[];
  /** Any one of these lets the attempt past this gate (it is still counted). */
  readonly exemptIf?: readonly Exemption[];
}

export type ClaimResult =
  | { readonly ok: true }
  /** `gate`: the name of a gate that held the attempt back; `retryAfterMs`: when all of them open. */
  | { readonly ok: false; readonly gate: string; readonly retryAfterMs: number };

/** What to change once the outcome of a claimed attempt is known. */
export interface Settlement {
  /** Counters to forget (failures disregarded after a success). */
  readonly forget?: readonly RateKey[];
  /** Counters to take one back from: an attempt counted in advance that did not fail. */
  readonly refund?: readonly RateKey[];
  /** Sliding counters to count one on (a success remembered for `windowMs`). */
  readonly mark?: readonly { readonly key: RateKey; readonly windowMs: number }[];
}

export interface RateLimitStore {
  /** Counts one hit on a fixed window and returns the count in it and when it ends (ms epoch). */
  hit(key: RateKey, windowMs: number): Promise<RateCounter>;
  /**
   * Counts this attempt on every gate, all or nothing, unless a gate holds it back; then nothing is
   * counted. Counting *before* the outcome is known (and refunding a success in `settle`) is what makes
   * the check atomic: parallel attempts cannot all see the same count and slip through together.
   */
  claim(gates: readonly Gate[]): Promise<ClaimResult>;
  settle(settlement: Settlement): Promise<void>;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** Bounds the SQL a gate compiles to (one condition per step of its schedule). */
export const MAX_DELAY_STEPS = 16;

export function checkName(name: string): void {
  if (!NAME.test(name)) throw new RangeError(`rate limit: invalid counter name "${name}"`);
}

export function checkWindow(windowMs: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new RangeError(`rate limit window must be a positive integer of ms, got ${windowMs}`);
  }
}

/** Refuses a gate that could never open, or whose counter could expire while it is still closed. */
export function checkGate(gate: Gate): void {
  checkName(gate.key.name);
  checkWindow(gate.windowMs);
  const { free, delaysMs, windowMs } = gate;
  if (!Number.isSafeInteger(free) || free < 0) throw new RangeError(`gate ${gate.key.name}: bad free count`);
  if (delaysMs.length < 1 || delaysMs.length > MAX_DELAY_STEPS) {
    throw new RangeError(`gate ${gate.key.name}: 1 to ${MAX_DELAY_STEPS} delays`);
  }
  for (const e of gate.exemptIf ?? []) {
    if ('counted' in e && (!Number.isSafeInteger(e.atMost) || e.atMost < 1)) {
      throw new RangeError(`gate ${gate.key.name}: atMost is a positive integer`);
    }
  }
  for (const d of delaysMs) {
    if (!Number.isSafeInteger(d) || d < 1 || d > windowMs) {
      throw new RangeError(`gate ${gate.key.name}: each delay is a positive integer of ms, at most windowMs`);
    }
  }
}
