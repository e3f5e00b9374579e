/**
 * Per-tenant data keys (AES-256-GCM) for evidence. Created on a tenant's first upload, stored only
 * wrapped by the master key (tenant_keys.wrapped, bound to tenant and key id as AAD), unwrapped once per
 * process into a non-extractable CryptoKey and cached.
 *
 * The guard against two first uploads each creating a key: the first key's id is derived from the tenant
 * id, so concurrent creators (other processes, other instances) insert the same primary key; the loser's
 * `ON CONFLICT DO NOTHING` leaves the winner's row and both read it back. Ids are not secrets.
 */
import { bytesToHex } from '../crypto/encoding.js';
import { sha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import * as repo from '../db/repo/index.js';
import type { Store } from '../db/store.js';
import type { MasterKey } from '../keys/master-key.js';

export interface DataKey {
  readonly id: string;
  readonly key: CryptoKey;
}

/** The id of a tenant's first data key: a UUIDv8 from SHA-256 of the tenant id, the same in every process. */
export function firstDataKeyId(tenantId: string): string {
  const b = sha256(`assay/tenant-data-key/v1\n${tenantId}\n1`).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const aad = (tenantId: string, keyId: string) => `tenant-data-key:${tenantId}:${keyId}`;

const importKey = (raw: Uint8Array) =>
  crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);

/**
 * The secret of a tenant's keyed audit digests (docs/audit.md "Keyed digests"): HKDF-SHA-256 of the raw
 * data key, so it is destroyed with the data key (crypto-shredding) and never derivable from an export.
 */
export interface DigestSecret {
  /** The data key it is derived from (entries name it: a later key would give other digests). */
  readonly keyId: string;
  readonly secret: Uint8Array;
}

const DIGEST_INFO = (tenantId: string) => `assay/audit-value-hmac/v1\n${tenantId}`;

async function deriveDigestSecret(raw: Uint8Array, tenantId: string): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey('raw', raw as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: new Uint8Array(0),
      info: new TextEncoder().encode(DIGEST_INFO(tenantId)) as BufferSource,
    },
    ikm,
    256,
  );
  return new Uint8Array(bits);
}

export class DataKeys {
  readonly #current = new Map<string, Promise<DataKey>>();
  readonly #byId = new Map<string, Promise<CryptoKey | null>>();
  readonly #digest = new Map<string, Promise<DigestSecret>>();

  constructor(
    private readonly store: Store,
    private readonly master: MasterKey,
  ) {}

  /** The key new data of `tenantId` is encrypted under, created (in one unit) if the tenant has none. */
  current(tenantId: string): Promise<DataKey> {
    return this.#cached(this.#current, tenantId, () => this.#loadOrCreate(tenantId));
  }

  /** A tenant's key by id (decrypting); null if it is not this tenant's, or destroyed. */
  byId(tenantId: string, keyId: string): Promise<CryptoKey | null> {
    return this.#cached(this.#byId, `${tenantId}/${keyId}`, async () => {
      const row = await this.store.tenant(tenantId).read((tx) => repo.getDataKey(tx, keyId));
      return row ? this.#unwrap(tenantId, row.id, row.wrapped) : null;
    });
  }

  /**
   * The tenant's keyed-digest secret (derived from its current data key, created if it has none), cached
   * per process: asynchronous, so callers fetch it before their unit of work.
   */
  digestSecret(tenantId: string): Promise<DigestSecret> {
    return this.#cached(this.#digest, tenantId, async () =>
      this.#digestOf(tenantId, await this.#currentRow(tenantId)),
    );
  }

  async #digestOf(tenantId: string, row: { id: string; wrapped: string }): Promise<DigestSecret> {
    const raw = await this.master.unwrap(row.wrapped, aad(tenantId, row.id));
    try {
      return { keyId: row.id, secret: await deriveDigestSecret(raw, tenantId) };
    } finally {
      raw.fill(0);
    }
  }

  /**
   * The digest secret of the tenant's live data key, never creating one: null when the tenant has none
   * (its keys were destroyed by the purge, or it never saved anything keyed). What checks a digest uses:
   * a check must not make a new key for a shredded tenant, nor fail for want of one — it is simply no match.
   */
  async existingDigestSecret(tenantId: string): Promise<DigestSecret | null> {
    const cached = this.#digest.get(tenantId);
    if (cached) return cached;
    const live = (await this.store.tenant(tenantId).read((tx) => repo.listDataKeys(tx)))[0];
    // Derived from the row just read: one read, as `digestSecret` alone costs (the autosave's budget).
    return live ? this.#cached(this.#digest, tenantId, () => this.#digestOf(tenantId, live)) : null;
  }

  /** Drops what this process holds of a tenant's keys (after its keys were destroyed: tenant purge). */
  forget(tenantId: string): void {
    this.#current.delete(tenantId);
    this.#digest.delete(tenantId);
    for (const k of [...this.#byId.keys()]) if (k.startsWith(`${tenantId}/`)) this.#byId.delete(k);
  }

  #cached<T>(map: Map<string, Promise<T>>, k: string, load: () => Promise<T>): Promise<T> {
    let p = map.get(k);
    if (!p) {
      p = load();
      map.set(k, p);
      // A failure (database down) is not remembered.
      p.catch(() => map.delete(k));
    }
    return p;
  }

  async #loadOrCreate(tenantId: string): Promise<DataKey> {
    const row = await this.#currentRow(tenantId);
    return { id: row.id, key: await this.#unwrap(tenantId, row.id, row.wrapped) };
  }

  /** The stored row of the tenant's current data key, created (in one unit) if the tenant has none. */
  async #currentRow(tenantId: string): Promise<{ id: string; wrapped: string }> {
    const tenant = this.store.tenant(tenantId);
    const existing = (await tenant.read((tx) => repo.listDataKeys(tx)))[0];
    if (existing) return existing;
    // Generated and wrapped outside the unit (no non-database await inside one).
    const id = firstDataKeyId(tenantId);
    const raw = randomBytes(32);
    const wrapped = await this.master.wrap(raw, aad(tenantId, id));
    raw.fill(0);
    await tenant.write((tx) => {
      repo.insertDataKeyOnce(tx, { id, wrapped });
    });
    // Whoever won, the stored row is the key.
    const row = await tenant.read((tx) => repo.getDataKey(tx, id));
    if (!row) throw new Error('the tenant data key was not stored');
    return row;
  }

  async #unwrap(tenantId: string, keyId: string, wrapped: string): Promise<CryptoKey> {
    const raw = await this.master.unwrap(wrapped, aad(tenantId, keyId));
    try {
      return await importKey(raw);
    } finally {
      raw.fill(0);
    }
  }
}

const perMaster = new WeakMap<MasterKey, WeakMap<Store, DataKeys>>();

/** The process-wide cache for one master key and store. */
export function dataKeysFor(ports: { store: Store; master: MasterKey }): DataKeys {
  let byStore = perMaster.get(ports.master);
  if (!byStore) {
    byStore = new WeakMap();
    perMaster.set(ports.master, byStore);
  }
  let keys = byStore.get(ports.store);
  if (!keys) {
    keys = new DataKeys(ports.store, ports.master);
    byStore.set(ports.store, keys);
  }
  return keys;
}
