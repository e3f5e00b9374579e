/** Workspace members for route tests: a tenant, a member of a role and a live session cookie. */

import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { startMemberSession } from '../../src/auth/member-sessions.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import type { Role } from '../../src/db/tables.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';

export async function testTenant(store: Store, name: string, now = new Date()): Promise<string> {
  const { tenantId } = await createTenantWithAdmin(
    store,
    { name, adminEmail: `admin@${name.toLowerCase().replace(/\W/g, '')}.example` },
    now,
  );
  return tenantId;
}

/** A member of `tenantId` with `role`, signed in: returns the `Cookie` header value and the user id. */
export async function signedInMember(
  store: Store,
  tenantId: string,
  role: Role,
  now = new Date(),
): Promise<{ cookie: string; userId: string }> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@members.example`;
  const userId = await store.tenant(tenantId, { system: 'cli' }).write(async (tx) => {
    const user = await repo.ensureUser(tx, email);
    repo.addMembership(tx, user.id, role);
    return user.id;
  });
  const { token } = await store
    .tenant(tenantId, { userId })
    .write((tx) => startMemberSession(tx, userId, tenantId, now));
  return { cookie: `${MEMBER_COOKIE}=${token}`, userId };
}
