/**
 * A write that appends a keyed audit entry (src/audit/keyed-digest.ts) for a tenant that is closing or
 * gone is refused with a clear 4xx, never a 500, and makes no data key: on SQLite, PostgreSQL and D1.
 * The case through the app: a vendor session that outlived the deletion request (one resolved just
 * before it, or a crash between the purge's shred and its row deletion) saves an answer after the shred
 * destroyed the tenant's data key. Before, the save tried to make a new key under the destroyed one's id
 * and failed with "the tenant data key was not stored" (500).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { digestSecretOf, TenantClosedError } from '../../src/audit/keyed-digest.js';
import * as repo from '../../src/db/repo/index.js';
import { rawRows, type Store } from '../../src/db/store.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import type { Ports } from '../../src/platform/ports.js';
import { purgeTenant, requestTenantDeletion, shredTenant } from '../../src/privacy/tenant-deletion.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { storedAnswers, vendorFixture, vendorSession } from '../support/vendor.js';
import { ageDeletionRequest } from './deletion-clock.js';
import { member } from './support.js';

const Q = 'scope.service';

forEachDialect('writes for a closed or purged tenant', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let platform: Ports;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    // The deletion window runs on the database's clock, so the test's clock is the real one.
    platform = await testPlatform(store, { now: () => new Date() });
    await ensureSigningKeys(store, TEST_MASTER_KEY);
  }, 120_000);
  afterAll(() => ts?.close());

  const keyRows = (tenantId: string) =>
    store
      .tenant(tenantId, { system: 'scheduler' })
      .read((c) =>
        rawRows<{ wrapped: string }>(c, sql`select wrapped from tenant_keys where tenant_id = ${tenantId}`),
      );

  it('an answer saved after the shred gets a clear 409 page, saves nothing and makes no key; after the purge, 410', async () => {
    const app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    const f = await vendorFixture(store, { now: new Date() });
    const save = (b: ReturnType<typeof browser>, value: string, rev: string) =>
      b.post(`/v/a/${f.assessmentId}/answer/${encodeURIComponent(Q)}`, { [Q]: value, [`_rev.${Q}`]: rev });
    // A first answer makes the tenant's data key (the digest secret's source).
    const before = browser(app);
    before.jar.set(VENDOR_COOKIE, await vendorSession(store, f));
    expect((await save(before, 'first', '0')).status).toBeLessThan(400);
    expect(await keyRows(f.tenantId)).toHaveLength(1);

    const admin = await member(store, f.tenantId, 'admin');
    const name = (await store.tenant(f.tenantId).read((c) => repo.currentTenant(c)))!.name;
    await requestTenantDeletion(
      store.tenant(f.tenantId, { userId: admin.userId }),
      { typedName: name, actor: `user:${admin.userId}`, keepSessionId: null },
      new Date(),
    );
    await ageDeletionRequest(ts, f.tenantId, 31);
    // A session the request did not end (it was being resolved as the request committed), then the shred.
    const late = browser(app);
    late.jar.set(VENDOR_COOKIE, await vendorSession(store, f));
    await shredTenant(platform, f.tenantId, new Date());
    const answers = await storedAnswers(store, f);

    const res = await save(late, 'after the shred', '1');
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('This workspace is scheduled for deletion: nothing more can be saved in it.');
    expect(await storedAnswers(store, f)).toEqual(answers);
    // No new key under the destroyed one (nor any other): the purge shreds what it knows of.
    expect((await keyRows(f.tenantId)).map((k) => k.wrapped)).toEqual(['']);

    // Purged: the tenant is gone; asking for its secret is a 410 with a sentence, and makes nothing.
    expect(await purgeTenant(platform, f.tenantId, new Date())).not.toBeNull();
    const gone = await digestSecretOf(platform, f.tenantId).catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(TenantClosedError);
    expect(gone).toMatchObject({ status: 410, message: expect.stringMatching(/has been deleted/) });
    expect(await keyRows(f.tenantId)).toEqual([]);
  }, 120_000);
});
