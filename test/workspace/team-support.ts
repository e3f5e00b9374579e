/** Tenants with members of every role, signed in through the real sign-in form. */
import { expect } from 'vitest';
import { insertMembership, listTeam } from '../../src/db/repo/members.js';
import { ensureUser, setPasswordHash } from '../../src/db/repo/users.js';
import type { Store } from '../../src/db/store.js';
import type { Role } from '../../src/db/tables.js';
import type { Ports } from '../../src/platform/ports.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { browser } from '../support/app.js';

export const PASSWORD = 'correct horse battery staple';

type App = Parameters<typeof browser>[0];

const rand = () => Math.random().toString(36).slice(2, 10);

/** A tenant whose admin has set a password through the set-up link; returns the admin signed in. */
export async function seedTenant(app: App, store: Store, name = `Tenant ${rand()}`) {
  const adminEmail = `admin-${rand()}@buyer.example`;
  const { tenantId, token } = await createTenantWithAdmin(store, { name, adminEmail });
  const admin = browser(app);
  // Each from its own address: the set-up form is rate-limited per address.
  const res = await admin.post(
    `/setup/${token}`,
    { password: PASSWORD, passwordConfirm: PASSWORD },
    { 'X-Test-Client': `198.51.100.${Math.floor(Math.random() * 250) + 1}` },
  );
  expect(res.status).toBe(303);
  const adminId = await userIdOf(store, tenantId, adminEmail);
  return { tenantId, name, adminEmail, admin, adminId };
}

export async function userIdOf(store: Store, tenantId: string, email: string): Promise<string> {
  const team = await store.tenant(tenantId).read(listTeam);
  const hit = team.find((m) => m.email === email);
  if (!hit) throw new Error(`no member ${email}`);
  return hit.userId;
}

/** A member with a password, straight through the repository (the invitation journey is tested on its own). */
export async function seedMember(
  platform: Ports,
  tenantId: string,
  role: Role,
  email = `${role}-${rand()}@buyer.example`,
) {
  const hash = await platform.passwords.hash(PASSWORD);
  const userId = await platform.store.tenant(tenantId).write(async (tx) => {
    const user = await ensureUser(tx, email);
    insertMembership(tx, user.id, role, new Date());
    if (!user.passwordHash) setPasswordHash(tx, user.id, hash);
    return user.id;
  });
  return { userId, email };
}

export async function signedIn(app: App, email: string) {
  const b = browser(app);
  const res = await b.post('/app/login', { email, password: PASSWORD });
  expect(res.status, `sign-in of ${email}`).toBe(303);
  return b;
}
