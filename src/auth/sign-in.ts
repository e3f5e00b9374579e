/** Sign-in for tenant members: email + password, one generic answer for every failure (ASVS 6.3.8). */
import { findUserByEmail, listMembershipsOfUser } from '../db/repo/users.js';
import type { Store } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { PasswordHasher } from '../platform/ports.js';
import { normaliseEmail } from './email.js';
import { startMemberSession } from './member-sessions.js';

export const SIGN_IN_FAILED = 'That email and password do not match an account.';

export async function signIn(
  store: Store,
  passwords: PasswordHasher,
  input: { email: string; password: string; tenantId?: string | null },
  replacing: string | null,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date; tenantId: string; userId: string }> {
  const email = normaliseEmail(input.email);
  const user = email.length <= 254 ? await store.global.read((g) => findUserByEmail(g, email)) : null;
  // Hashing happens between units, never inside one.
  const ok = await passwords.verify(user?.passwordHash ?? null, input.password.slice(0, 1024));
  if (!user || !ok || user.disabledAt) throw new HttpError(401, SIGN_IN_FAILED);
  const memberships = await store.as({ userId: user.id }).read((g) => listMembershipsOfUser(g, user.id));
  const chosen = memberships.find((m) => m.tenantId === input.tenantId) ?? memberships[0];
  if (!chosen) throw new HttpError(401, SIGN_IN_FAILED);
  return store.tenant(chosen.tenantId).write((tx) => {
    const session = startMemberSession(tx, user.id, chosen.tenantId, now, replacing);
    tx.audit({ actor: `user:${user.id}`, action: 'user.signed_in', target: `user:${user.id}` }, now);
    return { ...session, tenantId: chosen.tenantId, userId: user.id };
  });
}
