/**
 * Re-authentication: a member proves again who they are (password or a second factor) before a
 * sensitive change — role and MFA changes, key rotation, exports, risk acceptance, API tokens (issue 8).
 * The proof is recorded on the session (`reauth_at`) and holds for 5 minutes; signing in counts as one.
 * Tries are limited per member, so a left-open session does not become a password-guessing oracle.
 */
import { getMfaState } from '../db/repo/mfa.js';
import { markReauthenticated } from '../db/repo/sessions.js';
import type { Store } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { Gate, RateLimitStore } from '../http/rate-limit-store.js';
import type { MasterKey } from '../keys/master-key.js';
import type { PasswordHasher } from '../platform/ports.js';
import { CODE_FORMAT, checkFactor, isSpent, type Member, parseFactor, spendFactor } from './mfa.js';

export const REAUTH_WINDOW_MS = 5 * 60_000;

export const REAUTH_NEEDED =
  'For your security, confirm it is you before doing this: re-enter your password or a code at /app/reauth, then try again within 5 minutes.';

export const isRecentReauth = (reauthAt: Date | null, now: Date): boolean =>
  reauthAt !== null && now.getTime() - reauthAt.getTime() < REAUTH_WINDOW_MS && reauthAt <= now;

const ORIGIN = 'https://assay.invalid';

/** Control characters (CR/LF would split a header; tabs and NUL are stripped by URL parsers). */
const hasControl = (s: string) => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

/**
 * Where to go after re-authenticating: a workspace path on this site, or `/app`. Anything that could
 * leave the site or bounce back here is refused: absolute and protocol-relative URLs, backslashes
 * (browsers read `/\evil` as `//evil`), control characters, other prefixes (`/app.evil`), and the
 * re-authentication page itself.
 */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return '/app';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || hasControl(raw)) return '/app';
  let url: URL;
  try {
    url = new URL(raw, ORIGIN);
  } catch {
    return '/app';
  }
  if (url.origin !== ORIGIN) return '/app';
  if (url.pathname !== '/app' && !url.pathname.startsWith('/app/')) return '/app';
  if (url.pathname === '/app/reauth' || url.pathname.startsWith('/app/reauth/')) return '/app';
  return url.pathname + url.search;
}

const MINUTE = 60_000;
const reauthGate = (userId: string): Gate => ({
  key: { name: 'reauth-user', subject: userId },
  windowMs: 60 * MINUTE,
  free: 5,
  delaysMs: [30_000, 60_000, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 15 * MINUTE],
});

export const WRONG_PROOF = 'That is not right. Check your password or code and try again.';

export interface ReauthDeps {
  store: Store;
  master: MasterKey;
  passwords: PasswordHasher;
  limits: RateLimitStore;
}

/**
 * Checks the proof a member typed, for re-authentication or before a password change. Throws 422 for
 * empty or malformed input (nothing counted), 429 while throttled, 401 for a wrong proof.
 */
export async function verifyMemberProof(
  deps: ReauthDeps,
  m: Member,
  input: { password?: unknown; code?: unknown },
  now: Date,
  onSuccess?: 'reauth',
): Promise<'password' | 'totp' | 'recovery'> {
  const password = typeof input.password === 'string' ? input.password : '';
  const codeTyped = typeof input.code === 'string' ? input.code.trim() : '';
  if (!password && !codeTyped) {
    throw new HttpError(422, 'Enter your password, or a code from your authenticator app.', {
      fields: { password: 'Enter your password, or a code from your authenticator app.' },
    });
  }
  const factor = password ? null : parseFactor(codeTyped);
  if (!password && !factor) throw new HttpError(422, CODE_FORMAT, { fields: { code: CODE_FORMAT } });

  const gate = reauthGate(m.userId);
  const claim = await deps.limits.claim([gate]);
  if (!claim.ok) {
    throw new HttpError(429, 'Too many wrong tries. Wait a few minutes, then try again.', {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(claim.retryAfterMs / 1000))) },
    });
  }
  const scope = deps.store.tenant(m.tenantId, { userId: m.userId, sessionId: m.sessionId });
  const state = await scope.read((ctx) => getMfaState(ctx, m.userId));
  let method: 'password' | 'totp' | 'recovery' | null = null;
  let proof = null;
  if (state && password) {
    const { ok } = await deps.passwords.verify(state.passwordHash, password);
    if (ok) method = 'password';
  } else if (state && factor) {
    proof = await checkFactor(deps.master, state, factor, now);
    if (proof) method = proof.kind;
  }
  if (method) {
    try {
      await scope.write((tx) => {
        if (proof) spendFactor(tx, m.userId, proof, now);
        if (onSuccess === 'reauth') {
          markReauthenticated(tx, m.sessionId, now);
          tx.audit(
            {
              actor: `user:${m.userId}`,
              action: 'user.reauthenticated',
              target: `user:${m.userId}`,
              data: { method },
            },
            now,
          );
        }
      });
    } catch (err) {
      if (!isSpent(err)) throw err;
      method = null;
    }
  }
  if (!method) {
    await scope.write((tx) =>
      tx.audit(
        {
          actor: `user:${m.userId}`,
          action: 'user.reauth_failed',
          target: `user:${m.userId}`,
          data: { method: password ? 'password' : (factor?.kind ?? 'none') },
        },
        now,
      ),
    );
    throw new HttpError(401, WRONG_PROOF, { fields: { [password ? 'password' : 'code']: WRONG_PROOF } });
  }
  await deps.limits.settle({ forget: [gate.key] });
  return method;
}

/** `/app/reauth`: checks the proof and records it on the session. */
export const reauthenticate = (
  deps: ReauthDeps,
  m: Member,
  input: { password?: unknown; code?: unknown },
  now: Date,
) => verifyMemberProof(deps, m, input, now, 'reauth');
