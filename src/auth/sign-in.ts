/**
 * Sign-in for tenant members: email + password, one generic answer for every failure (ASVS 6.3.8).
 * Failures are limited per account, per address and per both (sign-in-limits.ts); a refused attempt
 * is answered before any password is hashed.
 */
import { and, eq } from 'drizzle-orm';
import { findUserByEmail, listMembershipsOfUser } from '../db/repo/users.js';
import type { Store, WriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { RateLimitStore } from '../http/rate-limit-store.js';
import type { PasswordHasher } from '../platform/ports.js';
import { normaliseEmail } from './email.js';
import { startMemberSession } from './member-sessions.js';
import { startPendingSignIn } from './mfa-sign-in.js';
import { isPasswordsBusy } from './passwords.js';
import { signInAbandoned, signInGates, signInSucceeded } from './sign-in-limits.js';
import { hashToken, isSecretShape } from './tokens.js';

export const SIGN_IN_FAILED = 'That email and password do not match an account.';

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The same sentence whether or not the email names an account: the counters do not know either. */
export function signInThrottled(retryAfterMs: number): string {
  const s = seconds(retryAfterMs);
  const wait = s < 90 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`;
  return `Too many failed attempts to sign in. Wait ${wait}, then try again.`;
}

export interface SignInInput {
  email: string;
  password: string;
  /** The client's address bucket (`ipBucket`); the route refuses a request without one. */
  address: string;
  tenantId?: string | null;
}

/** Replaces an outdated hash with today's, only if nobody changed it meanwhile. */
function upgradeHash(tx: WriteCtx, userId: string, from: string, to: string): void {
  tx.write(
    tx.db
      .update(tx.t.users)
      .set({ passwordHash: to })
      .where(and(eq(tx.t.users.id, userId), eq(tx.t.users.passwordHash, from))),
  );
}

/**
 * Told of each failed or throttled attempt, synchronously, so the caller can log it in the security
 * event log without delaying the answer (which must take as long whether or not the account exists).
 * `email` is the normalised address tried; it is only for finding the tenants to log in, never stored.
 */
export type SignInFailure = (f: { kind: 'sign_in_failed' | 'rate_limited'; email: string }) => void;

export async function signIn(
  deps: { store: Store; passwords: PasswordHasher; limits: RateLimitStore; onFailure?: SignInFailure },
  input: SignInInput,
  replacing: string | null,
  now = new Date(),
): Promise<{
  token: string;
  expiresAt: Date;
  tenantId: string;
  userId: string;
  /** The password was right and a second factor is due: `token` is the pending state's (mfa-sign-in.ts). */
  secondStep: boolean;
}> {
  const { store, passwords, limits } = deps;
  const email = normaliseEmail(input.email);
  const attempt = { email, address: input.address };
  // Counted as a failure until the password proves right, so parallel guesses all count.
  const claim = await limits.claim(signInGates(attempt));
  if (!claim.ok) {
    deps.onFailure?.({ kind: 'rate_limited', email });
    throw new HttpError(429, signInThrottled(claim.retryAfterMs), {
      headers: { 'Retry-After': String(seconds(claim.retryAfterMs)) },
    });
  }
  const user = email.length <= 254 ? await store.global.read((g) => findUserByEmail(g, email)) : null;
  // Hashing happens between units, never inside one. Verify refuses over-long input without hashing.
  const { ok, needsRehash } = await passwords
    .verify(user?.passwordHash ?? null, input.password)
    .catch(async (err: unknown) => {
      // No verdict (the hasher is busy): the attempt was not a failure, so it is taken back.
      await limits.settle(signInAbandoned(attempt));
      throw err;
    });
  const fail = () => {
    deps.onFailure?.({ kind: 'sign_in_failed', email });
    return new HttpError(401, SIGN_IN_FAILED);
  };
  if (!user || !ok || user.disabledAt) throw fail();
  let upgraded: string | null = null;
  if (needsRehash) {
    // Best effort: a busy hasher must not turn a correct sign-in into a failure.
    upgraded = await passwords.hash(input.password).catch((err) => {
      if (isPasswordsBusy(err)) return null;
      throw err;
    });
  }
  // A membership an admin disabled does not admit; with none left, the answer is the generic one.
  const memberships = (
    await store.as({ userId: user.id }).read((g) => listMembershipsOfUser(g, user.id))
  ).filter((m) => m.disabledAt === null);
  const chosen = memberships.find((m) => m.tenantId === input.tenantId) ?? memberships[0];
  if (!chosen) throw fail();
  if (chosen.mfaEnabledAt) {
    // No session yet: a pending state for the second step. Every counter stays as claimed (a failure)
    // until the first code decides this attempt (sign-in-limits.ts, `secondStepTry`).
    const pending = await store.tenant(chosen.tenantId, { userId: user.id }).write((tx) => {
      if (upgraded && user.passwordHash) upgradeHash(tx, user.id, user.passwordHash, upgraded);
      return startPendingSignIn(tx, user.id, chosen.tenantId, now);
    });
    return { ...pending, tenantId: chosen.tenantId, userId: user.id, secondStep: true };
  }
  // The session being replaced may belong to another tenant or user: naming its hash lets the unit end
  // it (on PostgreSQL the unit reaches only the sessions its claims name).
  const replaced = isSecretShape(replacing ?? undefined) ? { sessionId: hashToken(replacing!) } : {};
  const session = await store.tenant(chosen.tenantId, { userId: user.id, ...replaced }).write((tx) => {
    if (upgraded && user.passwordHash) upgradeHash(tx, user.id, user.passwordHash, upgraded);
    const session = startMemberSession(tx, user.id, chosen.tenantId, now, replacing);
    tx.audit({ actor: `user:${user.id}`, action: 'user.signed_in', target: `user:${user.id}` }, now);
    return { ...session, tenantId: chosen.tenantId, userId: user.id, secondStep: false };
  });
  await limits.settle(signInSucceeded(attempt));
  return session;
}
