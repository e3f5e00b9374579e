/**
 * Server-side sessions for tenant members. The cookie holds a 256-bit random token; the database holds
 * only its SHA-256. Idle and absolute timeouts (ASVS 7.3.1/7.3.2, NIST AAL2: ≤ 1 h idle, ≤ 24 h overall);
 * a new token on every sign-in (no fixation); sign-out deletes the record.
 */
import {
  deleteSession,
  insertSession,
  type MemberSession,
  readMemberSession,
  touchSession,
} from '../db/repo/sessions.js';
import type { Store, WriteCtx } from '../db/store.js';
import { hashToken, isSecretShape, newSecret } from './tokens.js';

export const MEMBER_IDLE_MS = 30 * 60_000;
export const MEMBER_ABSOLUTE_MS = 12 * 60 * 60_000;
/** Refresh last-seen at most this often, so reads do not turn into writes on every request. */
const TOUCH_EVERY_MS = 60_000;

/** Starts a member session inside the caller's unit of work; returns the cookie value. */
export function startMemberSession(
  tx: WriteCtx,
  userId: string,
  tenantId: string,
  now: Date,
  replacing?: string | null,
): { token: string; expiresAt: Date } {
  if (isSecretShape(replacing ?? undefined)) deleteSession(tx, hashToken(replacing!));
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + MEMBER_ABSOLUTE_MS);
  insertSession(tx, {
    id: hashToken(token),
    kind: 'user',
    userId,
    tenantId,
    assessmentId: null,
    expiresAt,
    // Signing in is proving who one is: the first minutes need no separate re-authentication.
    reauthAt: now,
    now,
  });
  return { token, expiresAt };
}

export type LiveMemberSession = MemberSession & {
  userId: string;
  tenantId: string;
  email: string;
  tenantName: string;
  role: NonNullable<MemberSession['role']>;
};

/**
 * The live session behind a cookie value, with its membership, in one statement; null when there is
 * none, it expired or went idle (then it is deleted), or the member lost access (removed, disabled).
 */
export async function resolveMemberSession(
  store: Store,
  token: string | undefined,
  now: Date,
): Promise<LiveMemberSession | null> {
  if (!isSecretShape(token)) return null;
  const id = hashToken(token);
  const scope = store.as({ sessionId: id });
  const s = await scope.read((ctx) => readMemberSession(ctx, id));
  if (s?.kind !== 'user') return null;
  const t = now.getTime();
  const expired = s.expiresAt.getTime() <= t || s.lastSeenAt.getTime() + MEMBER_IDLE_MS <= t;
  const revoked =
    !s.userId ||
    !s.tenantId ||
    !s.role ||
    !s.email ||
    s.tenantName === null ||
    s.disabledAt !== null ||
    s.membershipDisabledAt !== null ||
    // A tenant pending deletion is closed to everyone but its admins, who may export or cancel.
    (s.tenantDeletionDueAt !== null && s.role !== 'admin');
  if (expired || revoked) {
    await scope.write((tx) => deleteSession(tx, id));
    return null;
  }
  if (t - s.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await scope.write((tx) => touchSession(tx, id, now));
  return s as LiveMemberSession;
}

export async function endMemberSession(store: Store, token: string | undefined): Promise<void> {
  if (!isSecretShape(token)) return;
  const id = hashToken(token);
  await store.as({ sessionId: id }).write((tx) => deleteSession(tx, id));
}
