/**
 * The second step of signing in. After a correct password, a member with a TOTP factor gets a pending
 * state, not a session: a `sessions` row of kind `mfa_pending` (it opens no page: only `user` rows do)
 * behind its own `__Host-` cookie, good for 5 minutes and 5 codes. Each code tried counts once on the
 * same sign-in limits as a password (sign-in-limits.ts: the first on the password step's advance count,
 * later ones on a claim of their own), so a stolen password does not buy unlimited TOTP guesses across
 * fresh pending states; only a right code settles the attempt as a success and starts the session (a
 * new token: no fixation).
 */
import { and, eq, gte } from 'drizzle-orm';
import { getMfaState } from '../db/repo/mfa.js';
import { countSecondStepTry, deleteSession, insertSession, readMemberSession } from '../db/repo/sessions.js';
import type { Store, WriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { RateLimitStore } from '../http/rate-limit-store.js';
import type { MasterKey } from '../keys/master-key.js';
import { startMemberSession } from './member-sessions.js';
import {
  CODE_FORMAT,
  checkFactor,
  type FactorProof,
  isSpent,
  parseFactor,
  spendFactor,
  WRONG_CODE,
} from './mfa.js';
import { signInThrottled } from './sign-in.js';
import { secondStepTry, signInGates, signInSucceeded } from './sign-in-limits.js';
import { hashToken, isSecretShape, newSecret } from './tokens.js';

export const PENDING_COOKIE = '__Host-assay-mfa';
export const PENDING_TTL_MS = 5 * 60_000;
export const PENDING_TRIES = 5;

export const PENDING_GONE =
  'Your sign-in timed out or had too many wrong codes. Enter your email and password again.';

/** Queues the pending state inside the password step's unit; returns its cookie value. */
export function startPendingSignIn(
  tx: WriteCtx,
  userId: string,
  tenantId: string,
  now: Date,
): { token: string; expiresAt: Date } {
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + PENDING_TTL_MS);
  insertSession(tx, {
    id: hashToken(token),
    kind: 'mfa_pending',
    userId,
    tenantId,
    assessmentId: null,
    expiresAt,
    now,
  });
  return { token, expiresAt };
}

export interface PendingSignIn {
  id: string;
  userId: string;
  tenantId: string;
  email: string;
  attempts: number;
}

/** The live pending state behind a cookie value, or null (an expired or spent one is deleted). */
export async function readPendingSignIn(
  store: Store,
  token: string | undefined,
  now: Date,
): Promise<PendingSignIn | null> {
  if (!isSecretShape(token)) return null;
  const id = hashToken(token);
  const scope = store.as({ sessionId: id });
  const s = await scope.read((ctx) => readMemberSession(ctx, id));
  if (s?.kind !== 'mfa_pending') return null;
  const live =
    s.expiresAt.getTime() > now.getTime() &&
    s.attempts < PENDING_TRIES &&
    s.userId &&
    s.tenantId &&
    s.email &&
    s.role &&
    s.disabledAt === null &&
    s.membershipDisabledAt === null;
  if (!live) {
    await scope.write((tx) => deleteSession(tx, id));
    return null;
  }
  return { id, userId: s.userId!, tenantId: s.tenantId!, email: s.email!, attempts: s.attempts };
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Checks the code for a pending sign-in and, when it is right and unused, starts the member session in
 * the same unit that spends the code and ends the pending state. `replacing`: the cookie of a session
 * the browser still holds, ended too.
 */
/** Called for a wrong code or a throttled try, with ids only (the security event log records it). */
export type SecondStepFailure = (f: {
  kind: 'sign_in_failed' | 'rate_limited';
  tenantId: string;
  userId: string;
}) => void;

export async function completeSignIn(
  deps: { store: Store; master: MasterKey; limits: RateLimitStore; onFailure?: SecondStepFailure },
  input: { token: string | undefined; code: unknown; address: string; replacing: string | null },
  now: Date,
): Promise<{ token: string; expiresAt: Date; tenantId: string; userId: string }> {
  const { store, master, limits } = deps;
  const pending = await readPendingSignIn(store, input.token, now);
  if (!pending) throw new HttpError(401, PENDING_GONE);
  const factor = parseFactor(input.code);
  if (!factor) throw new HttpError(422, CODE_FORMAT, { fields: { code: CODE_FORMAT } });

  const attempt = { email: pending.email, address: input.address };
  // The first code was counted in advance by the password step; later ones claim the gates afresh.
  const tryKey = secondStepTry(pending.id);
  const first = (await limits.hit(tryKey.key, tryKey.windowMs)).count === 1;
  const claim = first ? { ok: true as const } : await limits.claim(signInGates(attempt));
  if (!claim.ok) {
    deps.onFailure?.({ kind: 'rate_limited', tenantId: pending.tenantId, userId: pending.userId });
    throw new HttpError(429, signInThrottled(claim.retryAfterMs), {
      headers: { 'Retry-After': String(seconds(claim.retryAfterMs)) },
    });
  }
  const state = await store.as({ userId: pending.userId }).read((ctx) => getMfaState(ctx, pending.userId));
  const proof: FactorProof | null = state ? await checkFactor(master, state, factor, now) : null;
  const replacing = isSecretShape(input.replacing ?? undefined) ? input.replacing : null;
  const claims = { userId: pending.userId, sessionId: pending.id };

  if (proof) {
    try {
      const session = await store
        // The pending row is the user's; the session being replaced may be another tenant's or user's,
        // and naming its hash lets the unit end it (on PostgreSQL a unit reaches only what it names).
        .tenant(pending.tenantId, {
          userId: pending.userId,
          sessionId: replacing ? hashToken(replacing) : pending.id,
        })
        .write((tx) => {
          spendFactor(tx, pending.userId, proof, now);
          deleteSession(tx, pending.id);
          const started = startMemberSession(tx, pending.userId, pending.tenantId, now, replacing);
          tx.audit(
            {
              actor: `user:${pending.userId}`,
              action: 'user.signed_in',
              target: `user:${pending.userId}`,
              data: { factor: proof.kind },
            },
            now,
          );
          return started;
        });
      await limits.settle(signInSucceeded(attempt));
      return { ...session, tenantId: pending.tenantId, userId: pending.userId };
    } catch (err) {
      if (!isSpent(err)) throw err;
      // Used meanwhile (a replayed code, a recovery code spent twice): a wrong code like any other.
    }
  }

  const counted = await store.tenant(pending.tenantId, claims).write((tx) => {
    const tried = countSecondStepTry(tx, pending.id, PENDING_TRIES);
    // Runs after the count in the same unit: the try that used the last one ends the pending state.
    tx.write(
      tx.db
        .delete(tx.t.sessions)
        .where(and(eq(tx.t.sessions.id, pending.id), gte(tx.t.sessions.attempts, PENDING_TRIES))),
    );
    tx.audit(
      {
        actor: `user:${pending.userId}`,
        action: 'user.sign_in_failed',
        target: `user:${pending.userId}`,
        data: { step: 'second_factor', factor: factor.kind },
      },
      now,
    );
    return tried;
  });
  deps.onFailure?.({ kind: 'sign_in_failed', tenantId: pending.tenantId, userId: pending.userId });
  const used = counted.rows[0]?.attempts ?? PENDING_TRIES;
  const left = PENDING_TRIES - used;
  if (left <= 0) throw new HttpError(401, PENDING_GONE);
  throw new HttpError(401, `${WRONG_CODE} ${left === 1 ? '1 try' : `${left} tries`} left.`, {
    fields: { code: WRONG_CODE },
  });
}
