/**
 * Signing keys live in our own key table (never fetched from anywhere else): RS256 keys for vendor
 * links and receipts (RSA-3072, ASVS 11.2.3), an Ed25519 key for audit checkpoints. One key per purpose
 * and per use (RFC 8725 §3.12); `kid` is the RFC 7638 JWK thumbprint. Private keys are stored wrapped
 * by the master key. Web Crypto throughout, so the same code runs on Node and Workers.
 */
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import {
  getActiveKey,
  insertSigningKey,
  type KeyPurpose,
  listPublishedKeys,
  retireActiveKey,
  type SigningKeyRow,
} from '../db/repo/keys.js';
import { GuardError, isUniqueViolation, type Store } from '../db/store.js';
import { RETIRED_VERIFIES_FOR_MS } from './keyring.js';
import type { MasterKey } from './master-key.js';

export const KEY_ALG: Record<KeyPurpose, 'RS256' | 'EdDSA'> = {
  link: 'RS256',
  receipt: 'RS256',
  audit: 'EdDSA',
};
const KID = /^[A-Za-z0-9_-]{1,64}$/;

const IMPORT: Record<'RS256' | 'EdDSA', RsaHashedImportParams | Algorithm> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

export async function newKeyPair(alg: 'RS256' | 'EdDSA') {
  return alg === 'RS256'
    ? generateKeyPair('RS256', { modulusLength: 3072, extractable: true })
    : generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
}

/** A new key pair for a purpose, its private half wrapped by the master key (no database work). */
async function newSigningKey(master: MasterKey, purpose: KeyPurpose, now: Date) {
  const alg = KEY_ALG[purpose];
  const { publicKey, privateKey } = await newKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
  const privateKeyEnc = await master.wrap(pkcs8, `signing-key:${kid}`);
  return {
    kid,
    purpose,
    alg,
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
    privateKeyEnc,
    status: 'active' as const,
    activatedAt: now,
    retiredAt: null,
  };
}

/** Creates and activates a key for each purpose that has none (first start). Returns the kids created. */
export async function ensureSigningKeys(
  store: Store,
  master: MasterKey,
  now = new Date(),
): Promise<string[]> {
  const created: string[] = [];
  for (const purpose of Object.keys(KEY_ALG) as KeyPurpose[]) {
    if (await store.global.read((g) => getActiveKey(g, purpose))) continue;
    // Generating and wrapping are not database work: they happen before the unit.
    const key = await newSigningKey(master, purpose, now);
    try {
      await store.global.write((tx) => insertSigningKey(tx, key, now));
      created.push(key.kid);
    } catch (err) {
      // Another instance created one meanwhile (one active key per purpose): keep theirs.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  return created;
}

export const KEY_PURPOSE_LIST = Object.keys(KEY_ALG) as KeyPurpose[];

export interface Rotated {
  purpose: KeyPurpose;
  /** The key that was active and now only verifies (null if the purpose had no key yet). */
  retired: string | null;
  activated: string;
}

export class RotationConflictError extends Error {
  constructor() {
    super('another rotation changed the keys at the same time; nothing was changed, run it again');
    this.name = 'RotationConflictError';
  }
}

export class MasterKeyMismatchError extends Error {
  constructor() {
    super(
      'the master key (MASTER_KEY, or DATA_DIR/master.key) is not the one the current keys were wrapped with; nothing was changed',
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * `assay keys rotate`: for each purpose a new key becomes active and the active one is retired, all in
 * one unit (the old key keeps verifying what it signed for its overlap, `RETIRED_VERIFIES_FOR_MS`).
 * Running servers pick the new key up within the key ring's cache lifetime, at once on an unknown
 * `kid`. A concurrent rotation makes one of the two fail and change nothing.
 */
export async function rotateSigningKeys(
  store: Store,
  master: MasterKey,
  purposes: readonly KeyPurpose[],
  now = new Date(),
): Promise<Rotated[]> {
  const current = await store.global.read(async (g) => {
    const out = new Map<KeyPurpose, SigningKeyRow | null>();
    for (const p of purposes) out.set(p, await getActiveKey(g, p));
    return out;
  });
  // A different master key would wrap keys the server cannot unwrap: prove it is the same one first.
  for (const old of current.values()) {
    if (!old) continue;
    try {
      await master.unwrap(old.privateKeyEnc, `signing-key:${old.kid}`);
    } catch {
      throw new MasterKeyMismatchError();
    }
  }
  const fresh: Awaited<ReturnType<typeof newSigningKey>>[] = [];
  for (const p of purposes) fresh.push(await newSigningKey(master, p, now));
  try {
    await store.global.write((tx) => {
      for (const key of fresh) {
        const old = current.get(key.purpose);
        // Retire first: one active key per purpose is a unique index.
        if (old) retireActiveKey(tx, old.kid, now);
        insertSigningKey(tx, key, now);
      }
    });
  } catch (err) {
    if (err instanceof GuardError || isUniqueViolation(err)) throw new RotationConflictError();
    throw err;
  }
  return fresh.map((k) => ({
    purpose: k.purpose,
    retired: current.get(k.purpose)?.kid ?? null,
    activated: k.kid,
  }));
}

/** Whether a published key still verifies anything at `now` (a retired key only within its overlap). */
export function stillVerifies(row: SigningKeyRow, now: Date): boolean {
  if (row.status === 'active' || row.status === 'next') return true;
  if (row.status !== 'retired' || !row.retiredAt) return false;
  return now.getTime() <= row.retiredAt.getTime() + RETIRED_VERIFIES_FOR_MS[row.purpose];
}

/**
 * The public JSON Web Key Set: the RS256 keys that verify links and receipts (next, active, and retired
 * ones within their overlap: retired receipt keys for ever, retired link keys until their links died).
 */
export async function publicJwks(
  store: Store,
  opts: { now?: Date; purpose?: KeyPurpose } = {},
): Promise<{ keys: JWK[] }> {
  const now = opts.now ?? new Date();
  const rows = await store.global.read((g) => listPublishedKeys(g, opts.purpose));
  return {
    keys: rows
      .filter((r) => r.alg === 'RS256' && KID.test(r.kid) && stillVerifies(r, now))
      .map((r) => {
        const { kty, n, e } = r.publicJwk as { kty: string; n: string; e: string };
        return { kty, n, e, kid: r.kid, alg: r.alg, use: 'sig' };
      }),
  };
}

/**
 * The receipt public keys (active, next and retired: receipts verify for years) as PEM (SPKI), each
 * after a `# kid <kid>` comment line, for `openssl dgst -sha256 -verify` (README "Verifying a receipt").
 */
export async function receiptKeysPem(store: Store, now = new Date()): Promise<string> {
  const { keys } = await publicJwks(store, { now, purpose: 'receipt' });
  const blocks: string[] = [];
  for (const jwk of keys) {
    const key = await importJWK(jwk, 'RS256', { extractable: true });
    blocks.push(`# kid ${jwk.kid}\n${(await exportSPKI(key as CryptoKey)).trim()}\n`);
  }
  return blocks.join('\n');
}

/** The active private key for a purpose, ready for jose's sign APIs. */
export async function activeSigningKey(store: Store, master: MasterKey, purpose: KeyPurpose) {
  const row = await store.global.read((g) => getActiveKey(g, purpose));
  if (!row) throw new Error(`no active ${purpose} signing key: run the server once or \`assay keys rotate\``);
  const der = await master.unwrap(row.privateKeyEnc, `signing-key:${row.kid}`);
  const alg = row.alg as 'RS256' | 'EdDSA';
  const key = await crypto.subtle.importKey('pkcs8', der as BufferSource, IMPORT[alg], false, ['sign']);
  return { kid: row.kid, alg: row.alg, key };
}
