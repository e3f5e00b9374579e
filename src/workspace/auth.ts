/** Sign-in for tenant users: email + password, one generic answer for every failure (ASVS 6.3.8). */
import { appendAudit } from '../db/repo/audit.js';
import { findUserByEmail, listMembershipsOfUser } from '../db/repo/users.js';
import type { Store } from '../db/store.js';
import { HttpError } from '../http/http-error.js';
import { verifyPassword } from './passwords.js';
import { startUserSession } from './sessions.js';

export const SIGN_IN_FAILED = 'That email and password do not match an account.';

export async function signIn(
  store: Store,
  input: { email: string; password: string; tenantId?: string | null },
  replacing: string | null,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date; tenantId: string; userId: string }> {
  const email = input.email.trim().toLowerCase();
  const user = email.length <= 254 ? await store.global((g) => findUserByEmail(g, email)) : null;
  const ok = await verifyPassword(user?.passwordHash ?? null, input.password.slice(0, 1024));
  if (!user || !ok || user.disabledAt) throw new HttpError(401, SIGN_IN_FAILED);
  const memberships = await store.withUser(user.id, (g) => listMembershipsOfUser(g, user.id));
  const chosen = memberships.find((m) => m.tenantId === input.tenantId) ?? memberships[0];
  if (!chosen) throw new HttpError(401, SIGN_IN_FAILED);
  return store.withTenant(chosen.tenantId, async (c) => {
    const session = await startUserSession(c, user.id, chosen.tenantId, now, replacing);
    await appendAudit(
      c,
      { actor: `user:${user.id}`, action: 'user.signed_in', target: `user:${user.id}` },
      now,
    );
    return { ...session, tenantId: chosen.tenantId, userId: user.id };
  });
}
