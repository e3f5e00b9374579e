/**
 * The member's own account: a new password (the current one required, ASVS 6.2.3; the policy of
 * password-policy.ts) and "sign out everywhere". A changed password ends every other session of the
 * identity, in every tenant (ASVS 7.4.3); signing out everywhere ends this one too.
 */
import { and, eq } from 'drizzle-orm';
import { deleteOtherSessionsOfUser, getMfaState } from '../db/repo/mfa.js';
import { deleteSessionsOfUser, markReauthenticated } from '../db/repo/sessions.js';
import type { Store } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { Member } from './mfa.js';
import { checkPassword } from './password-policy.js';
import { type ReauthDeps, verifyMemberProof } from './reauth.js';

const field = (name: string, message: string) => new HttpError(422, message, { fields: { [name]: message } });
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export async function changePassword(
  deps: ReauthDeps,
  m: Member & { tenantName: string },
  form: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const current = str(form.currentPassword);
  const next = str(form.newPassword);
  if (!current) throw field('currentPassword', 'Enter your current password.');
  if (!next) throw field('newPassword', 'Enter a new password.');
  const scope = deps.store.tenant(m.tenantId, { userId: m.userId, sessionId: m.sessionId });
  const state = await scope.read((ctx) => getMfaState(ctx, m.userId));
  if (!state) throw new HttpError(404);
  const problem = checkPassword(next, { email: state.email, tenantName: m.tenantName });
  if (problem) throw field('newPassword', problem.message);
  if (str(form.newPasswordConfirm) !== next)
    throw field('newPasswordConfirm', 'Type the same new password twice.');
  if (next === current) throw field('newPassword', 'Choose a password different from your current one.');
  try {
    await verifyMemberProof(deps, m, { password: current }, now);
  } catch (err) {
    if (err instanceof HttpError && err.status === 401)
      throw field('currentPassword', 'That is not your current password.');
    throw err;
  }
  const hash = await deps.passwords.hash(next);
  const old = state.passwordHash;
  await scope.write((tx) => {
    const { t } = tx;
    // Only over the hash that was checked: a concurrent change wins once, the other unit fails whole.
    tx.write(
      tx.db
        .update(t.users)
        .set({ passwordHash: hash })
        .where(
          old === null
            ? eq(t.users.id, m.userId)
            : and(eq(t.users.id, m.userId), eq(t.users.passwordHash, old)),
        ),
      { guard: 'password-unchanged' },
    );
    deleteOtherSessionsOfUser(tx, m.userId, m.sessionId);
    markReauthenticated(tx, m.sessionId, now);
    tx.audit({ actor: `user:${m.userId}`, action: 'user.password_changed', target: `user:${m.userId}` }, now);
  });
}

/** Ends every session of the identity, this one included. */
export async function signOutEverywhere(store: Store, m: Member, now: Date): Promise<number> {
  const done = await store.tenant(m.tenantId, { userId: m.userId, sessionId: m.sessionId }).write((tx) => {
    const ended = deleteSessionsOfUser(tx, m.userId);
    tx.audit(
      { actor: `user:${m.userId}`, action: 'session.signed_out_everywhere', target: `user:${m.userId}` },
      now,
    );
    return ended;
  });
  return done.changes;
}
