/**
 * Vendor contacts' personal data (name, email, phone, role): sealed as one field under the tenant's data
 * key (AES-256-GCM, src/crypto/field-cipher.ts, the key from src/evidence/data-keys.ts), bound to the
 * tenant and contact id; found by email through a keyed hash, HMAC-SHA-256 of the normalised address under
 * a per-tenant secret derived from the master key (HKDF), so equal addresses of two tenants do not match
 * and the hash reveals nothing without the master key.
 *
 * Everything here is asynchronous crypto: seal before a unit of work, open after it (DESIGN.md).
 */
import { normaliseEmail } from '../auth/email.js';
import { bytesToHex } from '../crypto/encoding.js';
import { openField, sealedKeyId, sealField } from '../crypto/field-cipher.js';
import { hmacSha256 } from '../crypto/hash.js';
import { newId } from '../db/ids.js';
import type { ContactRow, SealedContact } from '../db/repo/vendor-contacts.js';
import type { Store } from '../db/store.js';
import { dataKeysFor } from '../evidence/data-keys.js';
import type { MasterKey } from '../keys/master-key.js';

export interface ContactFields {
  name: string | null;
  email: string;
  phone: string | null;
  role: string | null;
}

/** A contact as the workspace and the portal see it; an erased (or unreadable) one has no fields. */
export type VendorContact = { id: string; vendorId: string; createdAt: Date; updatedAt: Date | null } & (
  | ({ erased: false } & ContactFields)
  | { erased: true; name: null; email: null; phone: null; role: null }
);

const aad = (tenantId: string, contactId: string) => `vendor-contact:v1:${tenantId}:${contactId}`;

export class ContactData {
  readonly #secrets = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly store: Store,
    private readonly master: MasterKey,
  ) {}

  /** The look-up hash of an email in a tenant (hex). */
  async emailHash(tenantId: string, email: string): Promise<string> {
    let secret = this.#secrets.get(tenantId);
    if (!secret) {
      secret = this.master.deriveSecret(`assay/vendor-contact-email/v1\n${tenantId}`);
      this.#secrets.set(tenantId, secret);
      secret.catch(() => this.#secrets.delete(tenantId));
    }
    return bytesToHex(hmacSha256(await secret, normaliseEmail(email)));
  }

  /** Seals a contact's fields for storage under the tenant's current data key; `id` is the row's id. */
  async seal(tenantId: string, fields: ContactFields, id: string = newId()): Promise<SealedContact> {
    const key = await dataKeysFor(this.ports).current(tenantId);
    const plain = JSON.stringify({
      n: fields.name,
      e: fields.email,
      p: fields.phone,
      r: fields.role,
    });
    return {
      id,
      emailHash: await this.emailHash(tenantId, fields.email),
      sealed: await sealField(key.key, key.id, plain, aad(tenantId, id)),
      keyId: key.id,
    };
  }

  /**
   * Opens a stored contact. Erased rows, and rows whose data key was destroyed (crypto-shredding), come
   * back as erased; a sealed field that fails to open (tampered, moved from another row) throws.
   */
  async open(tenantId: string, row: ContactRow): Promise<VendorContact> {
    const base = { id: row.id, vendorId: row.vendorId, createdAt: row.createdAt, updatedAt: row.updatedAt };
    const erased = { ...base, erased: true as const, name: null, email: null, phone: null, role: null };
    if (row.erasedAt || !row.sealed) return erased;
    const keyId = sealedKeyId(row.sealed);
    const key = keyId ? await dataKeysFor(this.ports).byId(tenantId, keyId) : null;
    if (!key) return erased;
    const f = JSON.parse(await openField(key, row.sealed, aad(tenantId, row.id))) as {
      n: string | null;
      e: string;
      p: string | null;
      r: string | null;
    };
    return { ...base, erased: false, name: f.n, email: f.e, phone: f.p, role: f.r };
  }

  openAll(tenantId: string, rows: readonly ContactRow[]): Promise<VendorContact[]> {
    return Promise.all(rows.map((r) => this.open(tenantId, r)));
  }

  /** What `dataKeysFor` needs. */
  get ports(): { store: Store; master: MasterKey } {
    return { store: this.store, master: this.master };
  }
}

const perMaster = new WeakMap<MasterKey, WeakMap<Store, ContactData>>();

/** The process-wide instance for one master key and store (its derived secrets are cached). */
export function contactDataFor(ports: { store: Store; master: MasterKey }): ContactData {
  let byStore = perMaster.get(ports.master);
  if (!byStore) {
    byStore = new WeakMap();
    perMaster.set(ports.master, byStore);
  }
  let data = byStore.get(ports.store);
  if (!data) {
    data = new ContactData(ports.store, ports.master);
    byStore.set(ports.store, data);
  }
  return data;
}
