/**
 * The client behind an audit entry, captured once per request instead of at every `tx.audit()` call:
 * a middleware (src/app.ts) runs the request inside {@link AuditClientContext.run}, and the store reads
 * {@link AuditClientContext.current} when a unit queues an entry. Addresses and user agents are personal
 * data, so the chain holds only a keyed hash of each (HMAC-SHA-256 under a secret derived from the master
 * key, first 16 hex digits): whoever holds the key can check whether an entry came from a given address,
 * no one else can read or enumerate it (IPv4's whole space is small enough to hash unkeyed).
 */
import { bytesToHex, utf8 } from '../crypto/encoding.js';
import { hmacSha256 } from '../crypto/hash.js';

/** The master-key purpose of the key the client hashes are made with. */
export const AUDIT_CLIENT_KEY_PURPOSE = 'audit-client-v1';

export interface AuditClientFields {
  ip: string | null;
  ua: string | null;
}

/** One request's client, hashed on first use (most requests write no entry). */
export class AuditClient {
  #fields: AuditClientFields | null = null;
  constructor(
    private readonly key: Uint8Array,
    private readonly ip: string | null,
    private readonly ua: string | null,
  ) {}
  fields(): AuditClientFields {
    if (!this.#fields) {
      const h = (v: string | null, what: string) =>
        v ? bytesToHex(hmacSha256(this.key, utf8(`${what}\n${v}`))).slice(0, 16) : null;
      this.#fields = { ip: h(this.ip, 'ip'), ua: h(this.ua?.slice(0, 512) ?? null, 'ua') };
    }
    return this.#fields;
  }
}

/** Where the current request's client is kept (AsyncLocalStorage on Node and Workers). */
export interface AuditClientContext {
  run<T>(client: AuditClient, fn: () => T): T;
  current(): AuditClient | undefined;
}
