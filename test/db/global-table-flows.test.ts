/**
 * Flows that reach the global tables across tenants, on every driver. On PostgreSQL those tables show a
 * unit only the rows its claims name, so each flow must carry the claim for what it touches; a missing
 * claim does not fail loudly there, it silently changes nothing, which these tests would notice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveMemberSession } from '../../src/auth/member-sessions.js';
import { signIn } from '../../src/auth/sign-in.js';
import { hashToken } from '../../src/auth/tokens.js';
import * as repo from '../../src/db/repo/index.js';
import { ipBucket } from '../../src/http/client-address.js';
import { DatabaseRateLimitStore } from '../../src/http/db-rate-limits.js';
import { nodePasswords } from '../../src/platform/node/passwords.js';
import {
  completeSetup,
  createTenantWithAdmin,
  firstRunSetupToken,
  inspectSetupToken,
} from '../../src/workspace/tenants.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const PASSWORD = 'correct horse battery staple';

forEachDialect('flows across the global tables', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(() => ts.close());

  // A sign-in replaces the session cookie the browser holds and deletes that session's record (no
  // fixation, no orphaned live session). Its unit acts for the tenant signed in to, so it also names the
  // replaced session's hash: without that, the old session of another tenant would stay valid.
  it('a sign-in ends the replaced session, whichever tenant and user it belonged to', async () => {
    const { store } = ts;
    const passwords = nodePasswords();
    const now = new Date();
    const admin = async (name: string, email: string) => {
      const { token } = await createTenantWithAdmin(store, { name, adminEmail: email }, now);
      const done = await completeSetup(
        store,
        passwords,
        token,
        { password: PASSWORD, passwordConfirm: PASSWORD },
        now,
      );
      return done.session!.token;
    };
    const first = await admin('One', 'one@one.example');
    await admin('Two', 'two@two.example');
    expect((await resolveMemberSession(store, first, now))?.tenantName).toBe('One');

    // Another person signs in on the same browser: the cookie of tenant One's admin is replaced.
    // The database counters: on PostgreSQL they run as the app role, under its grants on rate_counters.
    const limits = new DatabaseRateLimitStore({ store, secret: new Uint8Array(32).fill(7) });
    const next = await signIn(
      { store, passwords, limits },
      { email: 'two@two.example', password: PASSWORD, address: ipBucket('192.0.2.10') },
      first,
      now,
    );
    expect(await resolveMemberSession(store, first, now)).toBeNull();
    const id = hashToken(first);
    expect(await store.as({ sessionId: id }).read((c) => repo.getSession(c, id))).toBeNull();
    expect((await resolveMemberSession(store, next.token, now))?.tenantName).toBe('Two');
  }, 30_000);

  // `assay tenant create` acts as the operator: the outstanding first-run link (which belongs to no
  // tenant) must stop working once a tenant exists, or it would create a second, unrelated tenant.
  it('creating a tenant from the CLI revokes the outstanding first-run link', async () => {
    const fresh = await openTestStore(dialect);
    try {
      const { store } = fresh;
      const link = (await firstRunSetupToken(store))!;
      expect(await inspectSetupToken(store, link)).toMatchObject({ purpose: 'first_admin' });
      await createTenantWithAdmin(store, { name: 'Operator Co', adminEmail: 'op@op.example' });
      expect(await inspectSetupToken(store, link)).toBeNull();
      expect(await firstRunSetupToken(store)).toBeNull();
    } finally {
      await fresh.close();
    }
  });
});
