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
      this.#fields = {
        ip: clientHash(this.key, 'ip', this.ip),
        ua: clientHash(this.key, 'ua', this.ua?.slice(0, 512) ?? null),
      };
    }
    return this.#fields;
  }
}

/** Hashes kept per key: a client's next requests (an autosave each) mostly repeat its address and agent. */
const HASHES_KEPT = 512;
const hashes = new WeakMap<Uint8Array, Map<string, string>>();

/**
 * The first 16 hex digits of HMAC-SHA-256(key, `<what>\n<value>`), from a small per-key memo (oldest
 * out): the result depends only on the key and the input, so a remembered one is the same bytes. Held
 * in memory only, like the request that brought the value.
 */
function clientHash(key: Uint8Array, what: string, value: string | null): string | null {
  if (!value) return null;
  let memo = hashes.get(key);
  if (!memo) {
    memo = new Map();
    hashes.set(key, memo);
  }
  const input = `${what}\n${value}`;
  let hash = memo.get(input);
  if (hash === undefined) {
    hash = bytesToHex(hmacSha256(key, utf8(input))).slice(0, 16);
    if (memo.size >= HASHES_KEPT) memo.delete(memo.keys().next().value!);
    memo.set(input, hash);
  }
  return hash;
}

/** Where the current request's client is kept (AsyncLocalStorage on Node and Workers). */
export interface AuditClientContext {
  run<T>(client: AuditClient, fn: () => T): T;
  current(): AuditClient | undefined;
}
