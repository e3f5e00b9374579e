/**
 * The request's audit client, end to end: an entry a request appends carries the keyed hashes of that
 * request's address and user agent (src/app.ts runs it inside requestBasics, on the AsyncLocalStorage the
 * unit trackers share), and nothing of another request's.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AUDIT_CLIENT_KEY_PURPOSE } from '../../src/audit/client.js';
import { bytesToHex, utf8 } from '../../src/crypto/encoding.js';
import { hmacSha256 } from '../../src/crypto/hash.js';
import * as repo from '../../src/db/repo/index.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { browser, TEST_MASTER_KEY, testApp } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const PASSWORD = 'correct horse battery staple';

forEachDialect(
  'audit entries carry the hashed client of the request that made them',
  (dialect) => {
    let ts: TestStore;
    let app: Awaited<ReturnType<typeof testApp>>;
    beforeAll(async () => {
      ts = await openTestStore(dialect);
      app = await testApp(ts.store);
    });
    afterAll(() => ts.close());

    it('hashes the address and user agent of the set-up request into its entries', async () => {
      const key = await TEST_MASTER_KEY.deriveSecret(AUDIT_CLIENT_KEY_PURPOSE);
      const hash = (what: string, v: string) =>
        bytesToHex(hmacSha256(key, utf8(`${what}\n${v}`))).slice(0, 16);
      const { tenantId, token } = await createTenantWithAdmin(ts.store, {
        name: 'Client GmbH',
        adminEmail: 'admin@client.example',
      });
      const res = await browser(app).post(
        `/setup/${token}`,
        { password: PASSWORD, passwordConfirm: PASSWORD },
        { 'X-Test-Client': '198.51.100.23', 'User-Agent': 'Probe/1.0' },
      );
      expect(res.status).toBe(303);
      const log = await ts.store.tenant(tenantId).read((c) => repo.listAudit(c));
      const set = log.find((e) => e.action === 'user.password_set');
      expect(set).toMatchObject({ ip: hash('ip', '198.51.100.23'), ua: hash('ua', 'Probe/1.0') });
      // Made outside any request (the CLI's path): no client.
      const created = log.find((e) => e.action === 'tenant.created') as { ip?: unknown; ua?: unknown };
      expect([created.ip ?? null, created.ua ?? null]).toEqual([null, null]);
    });
  },
  ['sqlite', 'pg'],
);
