/**
 * The signing keys as the link and receipt modules use them: the active private key per purpose,
 * imported once; and, for verification, only the keys of that purpose from our own key table (never a
 * `jku`, `x5u` or embedded `jwk`), cached per process or isolate and re-read when a token names a
 * `kid` not seen yet (at most once every few seconds, so garbage kids cannot hammer the database).
 *
 * Which keys verify (security.md §2.4): `active` and `next` (published ahead of use); a `retired` key
 * verifies only tokens issued while it was active and only until the longest lifetime of such a token
 * has passed (`retiredFor`, per purpose) — then never. Receipts are kept for ever, so retired receipt
 * keys keep verifying (a receipt must stay checkable); `revoked` keys never verify.
 */

import { importJWK, type JWK, type JWTHeaderParameters, type KeyObject } from 'jose';
import { base64UrlToBytes } from '../crypto/encoding.js';
import { getActiveKey, type KeyPurpose, listPublishedKeys, type SigningKeyRow } from '../db/repo/keys.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../platform/ports.js';
import type { MasterKey } from './master-key.js';
import { KEY_ALG } from './signing-keys.js';

/** How long after retirement a retired key still verifies: the longest lifetime of what it signed. */
export const RETIRED_VERIFIES_FOR_MS: Record<KeyPurpose, number> = {
  // A link lives at most MAX_LINK_HOURS (src/vendor/links.ts); a little more covers clock skew.
  link: (14 * 24 + 1) * 60 * 60_000,
  // Receipts are evidence for as long as anyone keeps them.
  receipt: Number.POSITIVE_INFINITY,
  audit: Number.POSITIVE_INFINITY,
};

/**
 * How long a process keeps signing with the key it loaded. Another process (`assay keys rotate`) may
 * have rotated meanwhile, so a retired key also verifies what it signed up to this long (plus clock
 * skew) after its retirement: the tokens of a server that had not noticed yet.
 */
export const SIGNER_CACHE_MS = 30_000;
export const RETIRED_SIGNING_GRACE_MS = SIGNER_CACHE_MS + 30_000;

const KID = /^[A-Za-z0-9_-]{1,64}$/;
const IMPORT: Record<'RS256' | 'EdDSA', RsaHashedImportParams | Algorithm> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

export interface Signer {
  kid: string;
  alg: 'RS256' | 'EdDSA';
  key: CryptoKey;
}

export interface KeyRing {
  /** The active private key of a purpose (imported once; re-read after `invalidate()`). */
  signer(purpose: KeyPurpose): Promise<Signer>;
  /**
   * A key resolver for jose's `jwtVerify`/`compactVerify`: the public key of the token's `kid` if it is
   * one of ours, of this purpose, and still verifies; throws otherwise. `issuedAt` (seconds) decides a
   * retired key: only tokens issued before its retirement.
   */
  resolver(
    purpose: KeyPurpose,
  ): (
    header: JWTHeaderParameters,
    token: { payload?: unknown },
  ) => Promise<CryptoKey | KeyObject | Uint8Array>;
  /** Forget what was cached (after a rotation in this process). */
  invalidate(): void;
}

export class UnknownKeyError extends Error {
  constructor() {
    super('the token was not signed by one of our keys');
    this.name = 'UnknownKeyError';
  }
}

/** `iat` of the payload jose hands the resolver (base64url text, or bytes), if it is a JWT with one. */
function issuedAt(payload: unknown): number | undefined {
  try {
    const text =
      typeof payload === 'string'
        ? new TextDecoder().decode(base64UrlToBytes(payload))
        : payload instanceof Uint8Array
          ? new TextDecoder().decode(payload)
          : null;
    const iat = text ? (JSON.parse(text) as { iat?: unknown }).iat : undefined;
    return typeof iat === 'number' ? iat : undefined;
  } catch {
    return undefined;
  }
}

interface Published {
  rows: SigningKeyRow[];
  at: number;
}

export function createKeyRing(
  store: Store,
  master: MasterKey,
  options: { clock: Clock; ttlMs?: number; refreshFloorMs?: number },
): KeyRing {
  const ttl = options.ttlMs ?? 60_000;
  const floor = options.refreshFloorMs ?? 5_000;
  const signers = new Map<KeyPurpose, { at: number; signer: Promise<Signer> }>();
  const publics = new Map<string, Promise<CryptoKey | KeyObject | Uint8Array>>();
  let published: Published | null = null;
  let loading: Promise<Published> | null = null;

  async function load(): Promise<Published> {
    const rows = await store.global.read((g) => listPublishedKeys(g));
    return { rows, at: options.clock.now().getTime() };
  }

  async function keys(kid: string): Promise<Published> {
    const now = options.clock.now().getTime();
    const known = published?.rows.some((r) => r.kid === kid);
    const stale = !published || now - published.at >= ttl;
    const mayRefresh = !published || now - published.at >= floor;
    if (stale || (!known && mayRefresh)) {
      loading ??= load().finally(() => {
        loading = null;
      });
      published = await loading;
    }
    return published!;
  }

  function verifies(
    row: SigningKeyRow,
    purpose: KeyPurpose,
    issuedAtSeconds: number | undefined,
    nowMs: number,
  ) {
    if (row.purpose !== purpose) return false;
    if (row.status === 'active' || row.status === 'next') return true;
    if (row.status !== 'retired' || !row.retiredAt) return false;
    const retired = row.retiredAt.getTime();
    if (nowMs > retired + RETIRED_VERIFIES_FOR_MS[purpose]) return false;
    // Issued while the key was active (or by a process that had not yet seen the rotation).
    return issuedAtSeconds !== undefined && issuedAtSeconds * 1000 <= retired + RETIRED_SIGNING_GRACE_MS;
  }

  return {
    signer(purpose) {
      const now = options.clock.now().getTime();
      const cached = signers.get(purpose);
      if (cached && now - cached.at < SIGNER_CACHE_MS) return cached.signer;
      const s = (async () => {
        const row = await store.global.read((g) => getActiveKey(g, purpose));
        if (!row)
          throw new Error(`no active ${purpose} signing key: run the server once or \`assay keys rotate\``);
        const der = await master.unwrap(row.privateKeyEnc, `signing-key:${row.kid}`);
        const alg = KEY_ALG[purpose];
        const key = await crypto.subtle.importKey('pkcs8', der as BufferSource, IMPORT[alg], false, ['sign']);
        return { kid: row.kid, alg, key };
      })();
      const entry = { at: now, signer: s };
      s.catch(() => {
        if (signers.get(purpose) === entry) signers.delete(purpose);
      });
      signers.set(purpose, entry);
      return s;
    },
    resolver(purpose) {
      return async (header, token) => {
        const kid = header.kid;
        if (typeof kid !== 'string' || !KID.test(kid)) throw new UnknownKeyError();
        const { rows } = await keys(kid);
        const row = rows.find((r) => r.kid === kid);
        const iat = issuedAt(token.payload);
        if (
          !row ||
          !verifies(row, purpose, typeof iat === 'number' ? iat : undefined, options.clock.now().getTime())
        ) {
          throw new UnknownKeyError();
        }
        if (header.alg !== row.alg) throw new UnknownKeyError();
        let key = publics.get(kid);
        if (!key) {
          key = importJWK(row.publicJwk as JWK, row.alg);
          publics.set(kid, key);
        }
        return key;
      };
    },
    invalidate() {
      signers.clear();
      publics.clear();
      published = null;
    },
  };
}
