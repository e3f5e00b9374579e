/**
 * How sign-in failures are limited (docs/rate-limits.md explains the policy and its numbers). Failures,
 * not attempts, are counted, and they slow the next attempt down progressively instead of locking
 * anything: a stranger who fails on purpose can never keep the owner out of an account (NIST SP
 * 800-63B §3.2.2). Every counter is keyed on the normalised email whether or not it names an account,
 * so the limits behave the same for unknown and known accounts.
 */
import type { Gate, RateKey, Settlement } from '../http/rate-limit-store.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** 30 s, doubling each failure, up to `cap`. */
const doubling = (cap: number) => {
  const out: number[] = [];
  for (let d = 30 * SECOND; d < cap; d *= 2) out.push(d);
  return [...out, cap];
};

export const SIGN_IN_LIMITS = {
  /** Every attempt from one address (bucket): a hard cap that bounds password hashing per client. */
  addressAttempts: { limit: 100, windowMs: 15 * MINUTE },
  /** Failures on one account from one address: a brute force from one place. */
  pair: { free: 5, windowMs: 24 * HOUR, delaysMs: doubling(HOUR) },
  /**
   * Failures on one account from every address. Holds back only addresses that keep failing on it: the
   * first two attempts from an address (a clean one, or one typo) and addresses the account signed in
   * from recently pass, so an attack from elsewhere never keeps the owner out.
   */
  account: { free: 10, windowMs: 24 * HOUR, delaysMs: doubling(HOUR), spares: 2 },
  /** Failures from one address on any account (credential stuffing); not for the account's familiar addresses. */
  address: { free: 30, windowMs: HOUR, delaysMs: doubling(15 * MINUTE) },
  /** A success makes the address familiar to the account for this long. */
  familiarMs: 30 * 24 * HOUR,
} as const;

/** Who is signing in: the normalised email and the client's address bucket (`ipBucket`). */
export interface SignInAttempt {
  email: string;
  address: string;
}

const keys = ({ email, address }: SignInAttempt) => {
  const both = JSON.stringify([email, address]);
  return {
    pair: { name: 'login-pair', subject: both },
    familiar: { name: 'login-known', subject: both },
    account: { name: 'login-account', subject: email },
    address: { name: 'login-addr', subject: address },
  } satisfies Record<string, RateKey>;
};

/**
 * The gates an attempt must pass before its password is checked. Claiming them counts the attempt as a
 * failure in advance (atomically, so parallel guesses cannot all slip through); a success settles it.
 */
export function signInGates(attempt: SignInAttempt): Gate[] {
  const k = keys(attempt);
  const { pair, account, address } = SIGN_IN_LIMITS;
  return [
    { key: k.pair, windowMs: pair.windowMs, free: pair.free, delaysMs: pair.delaysMs },
    {
      key: k.address,
      windowMs: address.windowMs,
      free: address.free,
      delaysMs: address.delaysMs,
      exemptIf: [{ live: k.familiar }],
    },
    {
      key: k.account,
      windowMs: account.windowMs,
      free: account.free,
      delaysMs: account.delaysMs,
      exemptIf: [{ counted: k.pair, atMost: account.spares }, { live: k.familiar }],
    },
  ];
}

/**
 * After a correct password: the account's failures are disregarded (NIST §3.2.2), the address's advance
 * count is taken back, and the address becomes familiar to the account.
 */
export function signInSucceeded(attempt: SignInAttempt): Settlement {
  const k = keys(attempt);
  return {
    forget: [k.pair, k.account],
    refund: [k.address],
    mark: [{ key: k.familiar, windowMs: SIGN_IN_LIMITS.familiarMs }],
  };
}

/** An attempt that got no verdict (the password hasher was busy): its advance counts are taken back. */
export function signInAbandoned(attempt: SignInAttempt): Settlement {
  const k = keys(attempt);
  return { refund: [k.pair, k.address, k.account] };
}

/** At least as long as a pending sign-in lives (mfa-sign-in.ts, `PENDING_TTL_MS`: 5 minutes). */
const PENDING_WINDOW_MS = 10 * MINUTE;

/**
 * The second step's first code rides on the password step's claim: a correct password with a factor
 * still to come settles nothing, so its advance counts stand for the code that follows (a wrong or
 * missing one is then one failure, counted once; a right one settles it with `signInSucceeded`). Only
 * later codes on the same pending state claim the gates again, each its own failure in advance: so a
 * stolen password buys one code guess per counted failure, and the code step never sees its own
 * password step as a failure that just happened (which kept a correct code out for ever).
 */
export function secondStepTry(pendingId: string): { key: RateKey; windowMs: number } {
  // Counts the code tries on one pending state atomically (the store's fixed window), so two parallel
  // first tries cannot both ride on the one advance count. The subject is already a token hash.
  return { key: { name: 'login-code', subject: pendingId }, windowMs: PENDING_WINDOW_MS };
}
