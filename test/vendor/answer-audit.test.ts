/**
 * The `answer.saved` audit entry holds a keyed digest of the value (issue 9, docs/audit.md "Keyed
 * digests"): not the plain SHA-256 an auditor could match against candidates ("yes", a number, an email),
 * but HMAC-SHA-256 under the tenant's digest secret, derived from its data key (destroyed on purge). The
 * tenant can still prove what an answer was.
 */
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildExport } from '../../src/audit/export.js';
import { digestSecretOf, matchesKeyedValue } from '../../src/audit/keyed-digest.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { listAudit } from '../../src/db/repo/audit.js';
import type { Store } from '../../src/db/store.js';
import { firstDataKeyId } from '../../src/evidence/data-keys.js';
import { createKeyRing } from '../../src/keys/keyring.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testApp } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { vendorFixture, vendorSession } from '../support/vendor.js';

const HX = { 'HX-Request': 'true' };

forEachDialect('answer.saved: a keyed digest of the value', (dialect) => {
  let ts: TestStore;
  let store: Store;
  const now = new Date('2030-03-01T10:00:00Z');
  let app: Awaited<ReturnType<typeof testApp>>;
  const ports = () => ({ store, master: TEST_MASTER_KEY });

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    app = await testApp(store, { now: () => now });
  }, 60_000);
  afterAll(() => ts.close());

  async function answer(value: string) {
    const f = await vendorFixture(store, { now, context: { 'scope.function': 'critical' } });
    const b = browser(app);
    b.jar.set(VENDOR_COOKIE, await vendorSession(store, f, now));
    const key = 'scope.service';
    const res = await b.post(
      `/v/a/${f.assessmentId}/answer/${encodeURIComponent(key)}`,
      { [key]: value, [`_rev.${key}`]: '0' },
      HX,
    );
    expect(res.status).toBe(200);
    const entries = await store.tenant(f.tenantId).read((c) => listAudit(c));
    const saved = entries.filter((e) => e.action === 'answer.saved');
    expect(saved).toHaveLength(1);
    return { f, b, data: saved[0]!.data as Record<string, unknown> };
  }
  /** Where an answer.saved digest sits (src/audit/keyed-digest.ts). */
  const placeOf = (f: { assessmentId: string }, data: Record<string, unknown>) =>
    ['answer.saved', `assessment:${f.assessmentId}`, String(data.question), Number(data.revision)] as const;

  it('records an HMAC of the value, never its plain SHA-256; the tenant can prove a claimed value', async () => {
    const value = 'anna@widgets.example';
    const { f, data } = await answer(value);
    const plain = sha256Hex(canonicalize(value)!);
    expect(Object.keys(data).sort()).toEqual(['hmac_key', 'question', 'revision', 'value_hmac']);
    expect(data.value_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(data.value_hmac).not.toBe(plain);
    // Bound to the tenant's data key: the key tenant purge destroys (crypto-shredding).
    expect(data.hmac_key).toBe(firstDataKeyId(f.tenantId));
    // Nothing an auditor holds (the export) contains the value or its plain digest.
    await ensureSigningKeys(store, TEST_MASTER_KEY);
    const keys = createKeyRing(store, TEST_MASTER_KEY, { clock: { now: () => new Date() } });
    const exported = (await buildExport({ store, keys, baseUrl: BASE_URL }, f.tenantId))
      .map((x) => x.content)
      .join('\n');
    expect(exported).toContain(String(data.value_hmac));
    expect(exported).not.toContain(plain);
    expect(exported).not.toContain(value);
    // The tenant's own proof: the claimed value matches, another does not, nor another tenant's digest.
    expect(await matchesKeyedValue(ports(), f.tenantId, placeOf(f, data), data, value)).toBe(true);
    expect(await matchesKeyedValue(ports(), f.tenantId, placeOf(f, data), data, 'bob@widgets.example')).toBe(
      false,
    );
    expect(
      await matchesKeyedValue(ports(), f.tenantId, placeOf(f, data), { ...data, hmac_key: 'other' }, value),
    ).toBe(false);
    // Bound to its place: the same value claimed for another revision does not match.
    expect(
      await matchesKeyedValue(
        ports(),
        f.tenantId,
        ['answer.saved', `assessment:${f.assessmentId}`, 'scope.service', 2],
        data,
        value,
      ),
    ).toBe(false);
  });

  it('the same answer to two questions, or to one question twice, gives unrelated digests', async () => {
    const { f, b, data } = await answer('yes');
    const other = 'scope.subcontracting';
    const again = await b.post(
      `/v/a/${f.assessmentId}/answer/${encodeURIComponent(other)}`,
      { [other]: 'yes', [`_rev.${other}`]: '0' },
      HX,
    );
    expect(again.status).toBeLessThan(500);
    const saved = (await store.tenant(f.tenantId).read((c) => listAudit(c))).filter(
      (e) => e.action === 'answer.saved',
    );
    const digests = saved.map((e) => (e.data as Record<string, unknown>).value_hmac);
    // Without the place in the HMAC, every "yes" of a tenant had one digest: counting read them all.
    expect(digests).toHaveLength(2);
    expect(new Set(digests).size).toBe(digests.length);
    expect(await matchesKeyedValue(ports(), f.tenantId, placeOf(f, data), data, 'yes')).toBe(true);
  });

  it('the same answer in two tenants gives unrelated digests; the secret is derived once per tenant', async () => {
    const a = await answer('Core banking SaaS');
    const b = await answer('Core banking SaaS');
    expect(a.data.value_hmac).not.toBe(b.data.value_hmac);
    expect(
      await matchesKeyedValue(ports(), b.f.tenantId, placeOf(a.f, a.data), a.data, 'Core banking SaaS'),
    ).toBe(false);
    // Cached: the same derived secret, so an autosave costs one HMAC, not a key unwrap (nor a read: the
    // closed-tenant check in digestSecretOf runs only when the tenant has no live key).
    expect(await digestSecretOf(ports(), a.f.tenantId)).toBe(await digestSecretOf(ports(), a.f.tenantId));
  });
});
