/** Members with a role and a live session, for privacy pages driven through app.request(). */

import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { startMemberSession } from '../../src/auth/member-sessions.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import type { Role } from '../../src/db/tables.js';
import { BASE_URL } from '../support/app.js';

export async function newTenant(store: Store, name = `Tenant ${newId().slice(0, 6)}`): Promise<string> {
  const id = newId();
  await store.tenant(id).write((tx) => repo.insertTenant(tx, name, tx.tenantId));
  return id;
}

/** A member of `tenantId` with `role`; returns the user id and a Cookie header value. */
export async function member(store: Store, tenantId: string, role: Role, now = new Date()) {
  const email = `${role}-${newId().slice(0, 8)}@example.com`;
  const user = await store.tenant(tenantId).write(async (tx) => {
    const u = await repo.ensureUser(tx, email);
    return u;
  });
  await store.tenant(tenantId).write((tx) => repo.addMembership(tx, user.id, role));
  const { token } = await store
    .tenant(tenantId, { userId: user.id })
    .write((tx) => startMemberSession(tx, user.id, tenantId, now));
  return { userId: user.id, email, cookie: `${MEMBER_COOKIE}=${token}` };
}

/** Same-origin requests as a browser sends them. */
export function client(
  app: { request: (url: string, init?: RequestInit) => Response | Promise<Response> },
  cookie: string,
) {
  return {
    get: (path: string) => app.request(`${BASE_URL}${path}`, { headers: { Cookie: cookie } }),
    post: (path: string, form: Record<string, string> = {}) =>
      app.request(`${BASE_URL}${path}`, {
        method: 'POST',
        body: new URLSearchParams(form).toString(),
        headers: {
          Cookie: cookie,
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: BASE_URL,
          'Sec-Fetch-Site': 'same-origin',
        },
      }),
  };
}
