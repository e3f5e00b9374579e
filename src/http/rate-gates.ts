/**
 * The arithmetic of gates (src/http/rate-limit-store.ts), in one place: the memory store decides
 * claims with it, and the database store, whose decision is made in SQL, uses it to tell a refused
 * client when to come back. The SQL in src/db/repo/rate-counters.ts is the same rule, written as a
 * condition on the row.
 */
import type { Gate, RateCounter, RateKey } from './rate-limit-store.js';

/** The wait before the next attempt once `count` failures are counted; 0 while free ones remain. */
export function delayAfter(gate: Gate, count: number): number {
  if (count < gate.free) return 0;
  const { delaysMs } = gate;
  return delaysMs[Math.min(count - gate.free, delaysMs.length - 1)]!;
}

/**
 * When the gate lets the next attempt through (ms epoch; -Infinity when it is open now). The last
 * failure is `resetAt - windowMs`, because every failure pushes the counter's end to `now + windowMs`.
 */
export function opensAt(gate: Gate, counter: RateCounter | undefined, now: number): number {
  if (counter === undefined || counter.resetAt <= now) return Number.NEGATIVE_INFINITY;
  const delay = delayAfter(gate, counter.count);
  return delay === 0 ? Number.NEGATIVE_INFINITY : counter.resetAt - gate.windowMs + delay;
}

/** A gate with its counter keys already hashed by the store. */
export interface ResolvedGate {
  readonly gate: Gate;
  readonly id: string;
  readonly live: readonly string[];
  readonly counted: readonly { readonly id: string; readonly atMost: number }[];
}

export type ClaimPlan =
  | { ok: true; writes: Map<string, RateCounter> }
  | { ok: false; gate: string; retryAt: number };

/**
 * Decides a claim against the counters `read` returns: either the counters it writes (each gate's count
 * plus one, its memory renewed), or when every gate that holds it back will have opened. Gates are
 * taken in order, and an exemption sees the counts of the earlier gates of the same claim.
 */
export function planClaim(
  gates: readonly ResolvedGate[],
  read: (id: string) => RateCounter | undefined,
  now: number,
): ClaimPlan {
  const writes = new Map<string, RateCounter>();
  const live = (id: string) => {
    const c = writes.get(id) ?? read(id);
    return c !== undefined && c.resetAt > now ? c : undefined;
  };
  let gate: string | null = null;
  let retryAt = Number.NEGATIVE_INFINITY;
  for (const g of gates) {
    const current = live(g.id);
    const exempt =
      g.live.some((id) => live(id) !== undefined) ||
      g.counted.some(({ id, atMost }) => (live(id)?.count ?? 0) <= atMost);
    const at = exempt ? Number.NEGATIVE_INFINITY : opensAt(g.gate, current, now);
    if (at > now) {
      gate ??= g.gate.key.name;
      retryAt = Math.max(retryAt, at);
    }
    writes.set(g.id, { count: (current?.count ?? 0) + 1, resetAt: now + g.gate.windowMs });
  }
  return gate === null ? { ok: true, writes } : { ok: false, gate, retryAt };
}

/** Hashes a gate's keys with the store's hasher. */
export function resolveGate(gate: Gate, id: (key: RateKey) => string): ResolvedGate {
  const exempt = gate.exemptIf ?? [];
  return {
    gate,
    id: id(gate.key),
    live: exempt.flatMap((e) => ('live' in e ? [id(e.live)] : [])),
    counted: exempt.flatMap((e) => ('counted' in e ? [{ id: id(e.counted), atMost: e.atMost }] : [])),
  };
}
