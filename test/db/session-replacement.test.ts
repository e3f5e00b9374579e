/**
 * A sign-in replaces the session cookie the browser already holds, and deletes that session's record
 * (no fixation, no orphaned live sessions). On PostgreSQL the sessions table shows a unit only the rows
 * its claims name, so the sign-in unit, which acts for the tenant signed in to, also names the replaced
 * session's hash; without it the old session of another tenant would stay valid.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveMemberSession } from '../../src/auth/member-sessions.js';
import { signIn } from '../../src/auth/sign-in.js';
import { hashToken } from '../../src/auth/tokens.js';
import * as repo from '../../src/db/repo/index.js';
import { nodePasswords } from '../../src/platform/node/passwords.js';
import { completeSetup, createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const PASSWORD = 'correct horse battery staple';

forEachDialect('session replacement at sign-in', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(() => ts.close());

  it('ends the replaced session, whichever tenant and user it belonged to', async () => {
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
    const next = await signIn(store, passwords, { email: 'two@two.example', password: PASSWORD }, first, now);
    expect(await resolveMemberSession(store, first, now)).toBeNull();
    const id = hashToken(first);
    expect(await store.as({ sessionId: id }).read((c) => repo.getSession(c, id))).toBeNull();
    expect((await resolveMemberSession(store, next.token, now))?.tenantName).toBe('Two');
  }, 30_000);
});
