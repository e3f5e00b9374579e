/**
 * Server-side sessions for tenant users. The cookie holds a 256-bit random token; the database holds
 * only its SHA-256. Idle and absolute timeouts (ASVS 7.3.1/7.3.2, NIST AAL2: ≤ 1 h idle, ≤ 24 h
 * overall); a new token on every sign-in (no fixation); sign-out deletes the record.
 */
import { createHash } from 'node:crypto';
import { newSecret } from '../db/ids.js';
import {
  deleteSession,
  getSession,
  insertSession,
  type SessionRow,
  touchSession,
} from '../db/repo/sessions.js';
import type { GlobalCtx, Store } from '../db/store.js';

export const USER_COOKIE = '__Host-assay';
export const USER_IDLE_MS = 30 * 60_000;
export const USER_ABSOLUTE_MS = 12 * 60 * 60_000;
/** Refresh last-seen at most this often, so reads do not turn into writes on every request. */
const TOUCH_EVERY_MS = 60_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Starts a user session inside the caller's unit of work; returns the cookie value. */
export async function startUserSession(
  g: GlobalCtx,
  userId: string,
  tenantId: string,
  now: Date,
  replacing?: string | null,
): Promise<{ token: string; expiresAt: Date }> {
  if (replacing) await deleteSession(g, hashToken(replacing));
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + USER_ABSOLUTE_MS);
  await insertSession(g, {
    id: hashToken(token),
    kind: 'user',
    userId,
    tenantId,
    assessmentId: null,
    expiresAt,
    now,
  });
  return { token, expiresAt };
}

/** The live session behind a cookie value, or null (expired ones are deleted on sight). */
export async function resolveUserSession(
  store: Store,
  token: string | undefined,
  now: Date,
): Promise<SessionRow | null> {
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const id = hashToken(token);
  return store.global(async (g) => {
    const s = await getSession(g, id);
    if (s?.kind !== 'user' || !s.userId || !s.tenantId) return null;
    const t = now.getTime();
    if (s.expiresAt.getTime() <= t || s.lastSeenAt.getTime() + USER_IDLE_MS <= t) {
      await deleteSession(g, id);
      return null;
    }
    if (t - s.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await touchSession(g, id, now);
    return s;
  });
}

export async function endSession(store: Store, token: string | undefined): Promise<void> {
  if (!token) return;
  await store.global((g) => deleteSession(g, hashToken(token)));
}
