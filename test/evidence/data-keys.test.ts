/**
 * Tenant data keys: created on first use, once, even when two instances (two connections, two caches)
 * make a tenant's first upload at the same moment; stored only wrapped; unwrapped once per process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { DataKeys, dataKeysFor, firstDataKeyId } from '../../src/evidence/data-keys.js';
import { MasterKey } from '../../src/keys/master-key.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { TEST_MASTER_KEY } from '../support/app.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

/** Two stores over one database, as two server processes would have. */
async function twoStores(dialect: Dialect): Promise<{ a: Store; b: Store; close(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-keys-'));
    const file = path.join(dir, 'assay.db');
    const a = openSqliteStore({ file });
    const b = openSqliteStore({ file });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const ts: TestStore = await openTestStore('pg');
  const b = openPgStore({ url: ts.pg!.appUrl, max: 4 });
  return {
    a: ts.store,
    b,
    close: async () => {
      await b.close();
      await ts.close();
    },
  };
}

const newTenant = async (store: Store) =>
  (await store.tenant(newId()).write((tx) => repo.insertTenant(tx, `T ${newId().slice(0, 8)}`, tx.tenantId)))
    .id;

async function roundTrip(enc: CryptoKey, dec: CryptoKey): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, enc, new TextEncoder().encode('same key'));
  return new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, dec, ct));
}

forEachDialect(
  'tenant data keys',
  (dialect) => {
    let stores: Awaited<ReturnType<typeof twoStores>>;
    beforeAll(async () => {
      stores = await twoStores(dialect);
    });
    afterAll(() => stores.close());

    it("two instances making a tenant's first upload at once end with ONE key, and both use it", async () => {
      for (let round = 0; round < 5; round++) {
        const tenantId = await newTenant(stores.a);
        const one = new DataKeys(stores.a, TEST_MASTER_KEY);
        const two = new DataKeys(stores.b, TEST_MASTER_KEY);
        const [k1, k2] = await Promise.all([one.current(tenantId), two.current(tenantId)]);
        expect(k2.id).toBe(k1.id);
        expect(k1.id).toBe(firstDataKeyId(tenantId));
        const rows = await stores.a
          .tenant(tenantId)
          .read((tx) => tx.db.select().from(tx.t.tenantKeys).where(eq(tx.t.tenantKeys.tenantId, tenantId)));
        expect(rows).toHaveLength(1);
        // The same key material behind both: what one encrypts, the other decrypts.
        expect(await roundTrip(k1.key, k2.key)).toBe('same key');
      }
    });

    it('stores the key only wrapped by the master key (bound to tenant and id); the CryptoKey is not extractable', async () => {
      const tenantId = await newTenant(stores.a);
      const key = await new DataKeys(stores.a, TEST_MASTER_KEY).current(tenantId);
      expect(key.key.extractable).toBe(false);
      await expect(crypto.subtle.exportKey('raw', key.key)).rejects.toThrow();
      const [row] = await stores.a.tenant(tenantId).read((tx) => repo.listDataKeys(tx));
      expect(row!.wrapped).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      const raw = await TEST_MASTER_KEY.unwrap(row!.wrapped, `tenant-data-key:${tenantId}:${row!.id}`);
      const imported = await crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]);
      expect(await roundTrip(key.key, imported)).toBe('same key');
      // Under another tenant's binding, or another master key, it does not unwrap.
      await expect(
        TEST_MASTER_KEY.unwrap(row!.wrapped, `tenant-data-key:${newId()}:${row!.id}`),
      ).rejects.toThrow();
      await expect(
        new MasterKey(new Uint8Array(32).fill(7)).unwrap(
          row!.wrapped,
          `tenant-data-key:${tenantId}:${row!.id}`,
        ),
      ).rejects.toThrow();
    });

    it('a key is only ever found under its own tenant', async () => {
      const a = await newTenant(stores.a);
      const b = await newTenant(stores.a);
      const keys = new DataKeys(stores.a, TEST_MASTER_KEY);
      const ka = await keys.current(a);
      expect(await keys.byId(b, ka.id)).toBeNull();
      expect(await keys.byId(a, ka.id)).not.toBeNull();
    });

    it('is cached per process: one per master key and store', async () => {
      const ports = { store: stores.a, master: TEST_MASTER_KEY };
      expect(dataKeysFor(ports)).toBe(dataKeysFor({ ...ports }));
      expect(dataKeysFor(ports)).not.toBe(dataKeysFor({ store: stores.b, master: TEST_MASTER_KEY }));
      const tenantId = await newTenant(stores.a);
      const first = await dataKeysFor(ports).current(tenantId);
      expect(await dataKeysFor(ports).current(tenantId)).toBe(first);
    });
  },
  ['sqlite', 'pg'],
);

describe('firstDataKeyId', () => {
  it('is a UUID derived from the tenant id alone', () => {
    const t = newId();
    expect(firstDataKeyId(t)).toBe(firstDataKeyId(t));
    expect(firstDataKeyId(t)).not.toBe(firstDataKeyId(newId()));
    expect(firstDataKeyId(t)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
