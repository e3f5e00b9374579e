/**
 * Tenants and their first admins. A tenant starts either from the one-time link `npm start` prints on
 * an empty database (the person chooses the tenant name, email and password), or from
 * `assay tenant create`, which creates the tenant and its admin and prints a one-time link for the
 * admin to set a password. Links carry a 256-bit token; only its hash is stored; one use.
 */
import { z } from 'zod';
import { newId, newSecret } from '../db/ids.js';
import { appendAudit } from '../db/repo/audit.js';
import {
  consumeSetupToken,
  insertSetupToken,
  peekSetupToken,
  revokeFirstAdminTokens,
  type SetupToken,
} from '../db/repo/sessions.js';
import { countTenants, insertTenant } from '../db/repo/tenants.js';
import { addMembership, ensureUser, findUserByEmail, setPasswordHash } from '../db/repo/users.js';
import type { Store } from '../db/store.js';
import { HttpError } from '../http/http-error.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { hashToken, startUserSession } from './sessions.js';

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
  .transform((s) => s.toLowerCase());

/** On an empty database: a fresh one-time link (older ones stop working). Null once a tenant exists. */
export async function firstRunSetupToken(store: Store, now = new Date()): Promise<string | null> {
  return store.global(async (g) => {
    if ((await countTenants(g)) > 0) return null;
    await revokeFirstAdminTokens(g, now);
    const token = newSecret();
    await insertSetupToken(g, {
      id: hashToken(token),
      purpose: 'first_admin',
      tenantId: null,
      email: null,
      expiresAt: new Date(now.getTime() + FIRST_ADMIN_TTL_MS),
    });
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
  await store.withTenant(tenantId, async (c) => {
    await insertTenant(c, name, tenantId);
    const user = await ensureUser(c, adminEmail);
    await addMembership(c, user.id, 'admin');
    await insertSetupToken(c, {
      id: hashToken(token),
      purpose: 'tenant_admin',
      tenantId,
      email: adminEmail,
      expiresAt: new Date(now.getTime() + ADMIN_INVITE_TTL_MS),
    });
    await appendAudit(
      c,
      { actor: 'system:cli', action: 'tenant.created', target: `tenant:${tenantId}` },
      now,
    );
    await appendAudit(
      c,
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

export type SetupView = { purpose: SetupToken['purpose']; email: string | null; hasPassword: boolean };

/** What the setup page shows for a token (side-effect free: mail scanners may fetch the link). */
export async function inspectSetupToken(
  store: Store,
  token: string,
  now = new Date(),
): Promise<SetupView | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return store.global(async (g) => {
    const t = await peekSetupToken(g, hashToken(token), now);
    if (!t) return null;
    let hasPassword = false;
    if (t.email) {
      hasPassword = Boolean((await findUserByEmail(g, t.email))?.passwordHash);
    }
    return { purpose: t.purpose, email: t.email, hasPassword };
  });
}

const firstAdminForm = z.object({ tenantName, email, password: z.string(), passwordConfirm: z.string() });
const adminForm = z.object({ password: z.string(), passwordConfirm: z.string() });

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
  token: string,
  form: Record<string, unknown>,
  now = new Date(),
): Promise<{ tenantId: string; userId: string; session: { token: string; expiresAt: Date } | null }> {
  const view = await inspectSetupToken(store, token, now);
  if (!view) throw gone();

  if (view.purpose === 'first_admin') {
    const input = firstAdminForm.parse(form);
    checkPassword(input.password, input.passwordConfirm, input.email);
    const passwordHash = await hashPassword(input.password);
    const tenantId = newId();
    return store.withTenant(tenantId, async (c) => {
      if (!(await consumeSetupToken(c, hashToken(token), now))) throw gone();
      if ((await countTenants(c)) > 0) throw gone();
      await insertTenant(c, input.tenantName, tenantId);
      const user = await ensureUser(c, input.email);
      if (!user.passwordHash) await setPasswordHash(c, user.id, passwordHash);
      await addMembership(c, user.id, 'admin');
      await appendAudit(
        c,
        { actor: `user:${user.id}`, action: 'tenant.created', target: `tenant:${tenantId}` },
        now,
      );
      await appendAudit(
        c,
        {
          actor: `user:${user.id}`,
          action: 'membership.granted',
          target: `user:${user.id}`,
          data: { role: 'admin' },
        },
        now,
      );
      const session = await startUserSession(c, user.id, tenantId, now);
      return { tenantId, userId: user.id, session };
    });
  }

  const tenantId = (await store.global((g) => peekSetupToken(g, hashToken(token), now)))?.tenantId;
  const invited = view.email;
  if (!tenantId || !invited) throw gone();
  const input = view.hasPassword ? null : adminForm.parse(form);
  if (input) checkPassword(input.password, input.passwordConfirm, invited);
  const passwordHash = input ? await hashPassword(input.password) : null;
  return store.withTenant(tenantId, async (c) => {
    if (!(await consumeSetupToken(c, hashToken(token), now))) throw gone();
    const user = await ensureUser(c, invited);
    if (passwordHash && !user.passwordHash) {
      await setPasswordHash(c, user.id, passwordHash);
      await appendAudit(
        c,
        { actor: `user:${user.id}`, action: 'user.password_set', target: `user:${user.id}` },
        now,
      );
    }
    const session = passwordHash ? await startUserSession(c, user.id, tenantId, now) : null;
    return { tenantId, userId: user.id, session };
  });
}

function checkPassword(password: string, confirm: string, forEmail: string): void {
  const problem = passwordProblem(password, forEmail);
  if (problem) throw new HttpError(422, 'Choose a different password.', { fields: { password: problem } });
  if (password !== confirm) {
    throw new HttpError(422, 'The passwords do not match.', {
      fields: { passwordConfirm: 'Type the same password again.' },
    });
  }
}
