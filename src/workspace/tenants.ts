/**
 * Tenants and their first admins. A tenant starts either from the one-time link `npm start` prints on
 * an empty database (the person chooses the tenant name, email and password), or from
 * `assay tenant create`, which creates the tenant and its admin and prints a one-time link for the
 * admin to set a password. Links carry a 256-bit token; only its hash is stored; one use.
 */
import { z } from 'zod';
import { normaliseEmail } from '../auth/email.js';
import { startMemberSession } from '../auth/member-sessions.js';
import { passwordProblem } from '../auth/password-policy.js';
import { ROLE_LABELS } from '../auth/permissions.js';
import { signInThrottled } from '../auth/sign-in.js';
import { signInGates, signInSucceeded } from '../auth/sign-in-limits.js';
import { hashToken, isSecretShape, newSecret } from '../auth/tokens.js';
import { newId } from '../db/ids.js';
import { insertMembership, MEMBER_GUARDS } from '../db/repo/members.js';
import {
  consumeSetupToken,
  insertSetupToken,
  peekSetupToken,
  revokeFirstAdminTokens,
  type SetupToken,
} from '../db/repo/setup-tokens.js';
import { countTenants, currentTenant, insertTenant } from '../db/repo/tenants.js';
import { addMembership, ensureUser, findUserByEmail, setPasswordHash } from '../db/repo/users.js';
import { GuardError, type Store } from '../db/store.js';
import type { Role } from '../db/tables.js';
import { HttpError } from '../errors.js';
import type { RateLimitStore } from '../http/rate-limit-store.js';
import type { PasswordHasher } from '../platform/ports.js';

export const FIRST_ADMIN_TTL_MS = 24 * 60 * 60_000;
export const ADMIN_INVITE_TTL_MS = 72 * 60 * 60_000;

// Control characters (line breaks included) would break one-line displays, mail headers and logs.
const noControl = (s: string) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
export const tenantName = z
  .string()
  .trim()
  .min(1, 'Enter a name for the organisation.')
  .max(120, 'Use at most 120 characters.')
  .refine(noControl, 'Remove line breaks and control characters.');
export const email = z
  .string()
  .trim()
  .max(254, 'That email address is too long.')
  .pipe(z.email('Enter a valid email address, like name@example.com.'))
  .transform(normaliseEmail);

/**
 * On an empty database: a fresh one-time link (older ones stop working). Null once a tenant exists.
 * It acts as the operator (`system: 'cli'`): first-run links belong to no tenant, and on PostgreSQL only
 * the operator sees every tenant and the tenantless links.
 */
export async function firstRunSetupToken(store: Store, now = new Date()): Promise<string | null> {
  return store.as({ system: 'cli' }).write(async (tx) => {
    if ((await countTenants(tx)) > 0) return null;
    revokeFirstAdminTokens(tx, now);
    const token = newSecret();
    insertSetupToken(
      tx,
      {
        id: hashToken(token),
        purpose: 'first_admin',
        tenantId: null,
        email: null,
        expiresAt: new Date(now.getTime() + FIRST_ADMIN_TTL_MS),
      },
      now,
    );
    return token;
  });
}

/** `assay tenant create`: the tenant, its admin (no password yet) and a one-time link for the admin. */
export async function createTenantWithAdmin(
  store: Store,
  input: { name: string; adminEmail: string },
  now = new Date(),
): Promise<{ tenantId: string; token: string }> {
  const name = tenantName.parse(input.name);
  const adminEmail = email.parse(input.adminEmail);
  const tenantId = newId();
  const token = newSecret();
  // The operator acts for the new tenant, and revokes the tenantless first-run links.
  await store.tenant(tenantId, { system: 'cli' }).write(async (tx) => {
    const user = await ensureUser(tx, adminEmail);
    insertTenant(tx, name, tenantId, now);
    addMembership(tx, user.id, 'admin');
    // A tenant now exists: the first-run link must stop working (its consumption is guarded on this).
    revokeFirstAdminTokens(tx, now);
    insertSetupToken(
      tx,
      {
        id: hashToken(token),
        purpose: 'tenant_admin',
        tenantId,
        email: adminEmail,
        expiresAt: new Date(now.getTime() + ADMIN_INVITE_TTL_MS),
      },
      now,
    );
    tx.audit({ actor: 'system:cli', action: 'tenant.created', target: `tenant:${tenantId}` }, now);
    tx.audit(
      {
        actor: 'system:cli',
        action: 'membership.granted',
        target: `user:${user.id}`,
        data: { role: 'admin' },
      },
      now,
    );
  });
  return { tenantId, token };
}

export type SetupView = {
  purpose: SetupToken['purpose'];
  tenantId: string | null;
  email: string | null;
  hasPassword: boolean;
  /** `member_invite`: the role offered, and the name of the workspace it is in. */
  role: Role | null;
  roleLabel: string | null;
  tenantName: string | null;
};

/** What the setup page shows for a token (side-effect free: mail scanners may fetch the link). */
export async function inspectSetupToken(
  store: Store,
  token: string,
  now = new Date(),
): Promise<SetupView | null> {
  if (!isSecretShape(token)) return null;
  const tokenId = hashToken(token);
  const view = await store.as({ tokenId }).read(async (ctx) => {
    const t = await peekSetupToken(ctx, tokenId, now);
    if (!t) return null;
    const hasPassword = t.email ? Boolean((await findUserByEmail(ctx, t.email))?.passwordHash) : false;
    return { purpose: t.purpose, tenantId: t.tenantId, email: t.email, hasPassword, role: t.role ?? null };
  });
  if (!view) return null;
  // The workspace's name, for an invitation to say where it leads (read as that tenant).
  const tenantName =
    view.purpose === 'member_invite' && view.tenantId
      ? ((await store.tenant(view.tenantId, { tokenId }).read(currentTenant))?.name ?? null)
      : null;
  return { ...view, tenantName, roleLabel: view.role ? ROLE_LABELS[view.role] : null };
}

const firstAdminForm = z.object({ tenantName, email, password: z.string(), passwordConfirm: z.string() });
const adminForm = z.object({ password: z.string(), passwordConfirm: z.string() });
const signInForm = z.object({
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.'),
});

const gone = () =>
  new HttpError(
    410,
    'This set-up link has already been used or has expired. Ask for a new one (assay tenant create).',
  );

/**
 * Completes set-up: consumes the token and, atomically with it, creates the tenant and admin (first
 * run) or sets the invited admin's password, then starts a session. An identity that already has a
 * password is never changed by a link: the holder of the link just signs in.
 */
export async function completeSetup(
  store: Store,
  passwords: PasswordHasher,
  token: string,
  form: Record<string, unknown>,
  now = new Date(),
  limits?: SignInLimiting,
): Promise<{ tenantId: string; userId: string; session: { token: string; expiresAt: Date } | null }> {
  const view = await inspectSetupToken(store, token, now);
  if (!view) throw gone();
  const tokenId = hashToken(token);
  if (view.purpose === 'member_invite')
    return acceptInvitation(store, passwords, view, tokenId, form, now, limits);
  try {
    if (view.purpose === 'first_admin') {
      const input = firstAdminForm.parse(form);
      checkPassword(input.password, input.passwordConfirm, input.email, input.tenantName);
      const passwordHash = await passwords.hash(input.password);
      const tenantId = newId();
      return await store.tenant(tenantId, { tokenId }).write(async (tx) => {
        const user = await ensureUser(tx, input.email);
        consumeSetupToken(tx, tokenId, now);
        insertTenant(tx, input.tenantName, tenantId, now);
        // Membership first: on PostgreSQL a unit may change a user only once the user is its member.
        addMembership(tx, user.id, 'admin');
        if (!user.passwordHash) setPasswordHash(tx, user.id, passwordHash);
        tx.audit({ actor: `user:${user.id}`, action: 'tenant.created', target: `tenant:${tenantId}` }, now);
        tx.audit(
          {
            actor: `user:${user.id}`,
            action: 'membership.granted',
            target: `user:${user.id}`,
            data: { role: 'admin' },
          },
          now,
        );
        const session = startMemberSession(tx, user.id, tenantId, now);
        return { tenantId, userId: user.id, session };
      });
    }

    const { tenantId, email: invited } = view;
    if (!tenantId || !invited) throw gone();
    const input = view.hasPassword ? null : adminForm.parse(form);
    if (input) checkPassword(input.password, input.passwordConfirm, invited, null);
    const passwordHash = input ? await passwords.hash(input.password) : null;
    return await store.tenant(tenantId, { tokenId }).write(async (tx) => {
      const user = await ensureUser(tx, invited);
      consumeSetupToken(tx, tokenId, now);
      if (passwordHash && !user.passwordHash) {
        setPasswordHash(tx, user.id, passwordHash);
        tx.audit({ actor: `user:${user.id}`, action: 'user.password_set', target: `user:${user.id}` }, now);
      }
      const session = passwordHash ? startMemberSession(tx, user.id, tenantId, now) : null;
      return { tenantId, userId: user.id, session };
    });
  } catch (err) {
    // Another use of the same link won the race: this one changed nothing.
    if (err instanceof GuardError) throw gone();
    throw err;
  }
}

/** What accepting an invitation as an existing user needs to count password guesses like sign-in does. */
export interface SignInLimiting {
  limits: RateLimitStore;
  /** The client's address bucket (`ipBucket`). */
  address: string;
}

const invitationGone = () =>
  new HttpError(
    410,
    'This invitation has already been used, was withdrawn or has expired. Ask for a new one.',
  );

/**
 * Accepts a member invitation. A newcomer chooses a password (the password policy applies, with the
 * workspace's name refused too); someone who already has a password elsewhere signs in with it, and the
 * membership is added. Either way the token is consumed in the same unit as the membership, the
 * membership insert refuses an existing one, and a session in the new workspace starts.
 */
async function acceptInvitation(
  store: Store,
  passwords: PasswordHasher,
  view: SetupView,
  tokenId: string,
  form: Record<string, unknown>,
  now: Date,
  limiting?: SignInLimiting,
) {
  const { tenantId, email: invited, role } = view;
  if (!tenantId || !invited || !role) throw invitationGone();
  let passwordHash: string | null = null;
  if (view.hasPassword) {
    const { password } = signInForm.parse(form);
    const attempt = { email: invited, address: limiting?.address ?? '' };
    if (limiting) {
      const claim = await limiting.limits.claim(signInGates(attempt));
      if (!claim.ok) throw new HttpError(429, signInThrottled(claim.retryAfterMs));
    }
    const user = await store.global.read((g) => findUserByEmail(g, invited));
    const { ok } = await passwords.verify(user?.passwordHash ?? null, password);
    if (!user || !ok || user.disabledAt) {
      throw new HttpError(422, 'That password is not right.', {
        fields: { password: 'That is not the password of this account. Try again.' },
      });
    }
    if (limiting) await limiting.limits.settle(signInSucceeded(attempt));
  } else {
    const input = adminForm.parse(form);
    checkPassword(input.password, input.passwordConfirm, invited, view.tenantName);
    passwordHash = await passwords.hash(input.password);
  }
  try {
    return await store.tenant(tenantId, { tokenId }).write(async (tx) => {
      const user = await ensureUser(tx, invited);
      consumeSetupToken(tx, tokenId, now);
      // Membership first: on PostgreSQL a unit may change a user only once the user is its member.
      insertMembership(tx, user.id, role, now);
      if (passwordHash && !user.passwordHash) {
        setPasswordHash(tx, user.id, passwordHash);
        tx.audit({ actor: `user:${user.id}`, action: 'user.password_set', target: `user:${user.id}` }, now);
      }
      tx.audit(
        {
          actor: `user:${user.id}`,
          action: 'member.joined',
          target: `user:${user.id}`,
          data: { role, invitation: tokenId },
        },
        now,
      );
      const session = startMemberSession(tx, user.id, tenantId, now);
      return { tenantId, userId: user.id, session };
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === MEMBER_GUARDS.isNew) {
      throw new HttpError(409, 'You are already a member of this workspace. Sign in to reach it.');
    }
    // Another use of the same link won the race: this one changed nothing.
    if (err instanceof GuardError) throw invitationGone();
    throw err;
  }
}

function checkPassword(password: string, confirm: string, forEmail: string, tenant: string | null): void {
  const problem = passwordProblem(password, forEmail, tenant);
  if (problem) throw new HttpError(422, 'Choose a different password.', { fields: { password: problem } });
  if (password !== confirm) {
    throw new HttpError(422, 'The passwords do not match.', {
      fields: { passwordConfirm: 'Type the same password again.' },
    });
  }
}
