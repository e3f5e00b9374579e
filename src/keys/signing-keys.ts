/**
 * Signing keys live in our own key table (never fetched from anywhere else): RS256 keys for vendor
 * links and receipts (RSA-3072, ASVS 11.2.3), an Ed25519 key for audit checkpoints. One key per purpose
 * and per use (RFC 8725 §3.12); `kid` is the RFC 7638 JWK thumbprint. Private keys are stored wrapped
 * by the master key. Web Crypto throughout, so the same code runs on Node and Workers.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { getActiveKey, insertSigningKey, type KeyPurpose, listPublishedKeys } from '../db/repo/keys.js';
import { isUniqueViolation, type Store } from '../db/store.js';
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

/** Creates and activates a key for each purpose that has none (first start). Returns the kids created. */
export async function ensureSigningKeys(
  store: Store,
  master: MasterKey,
  now = new Date(),
): Promise<string[]> {
  const created: string[] = [];
  for (const purpose of Object.keys(KEY_ALG) as KeyPurpose[]) {
    if (await store.global.read((g) => getActiveKey(g, purpose))) continue;
    const alg = KEY_ALG[purpose];
    // Generating and wrapping are not database work: they happen before the unit.
    const { publicKey, privateKey } = await newKeyPair(alg);
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
    const privateKeyEnc = await master.wrap(pkcs8, `signing-key:${kid}`);
    try {
      await store.global.write((tx) =>
        insertSigningKey(
          tx,
          {
            kid,
            purpose,
            alg,
            publicJwk: { ...jwk, kid, alg, use: 'sig' },
            privateKeyEnc,
            status: 'active',
            activatedAt: now,
            retiredAt: null,
          },
          now,
        ),
      );
      created.push(kid);
    } catch (err) {
      // Another instance created one meanwhile (one active key per purpose): keep theirs.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  return created;
}

/** The public JSON Web Key Set: the RS256 keys that verify links and receipts (next, active, retired). */
export async function publicJwks(store: Store): Promise<{ keys: JWK[] }> {
  const rows = await store.global.read((g) => listPublishedKeys(g));
  return {
    keys: rows
      .filter((r) => r.alg === 'RS256' && KID.test(r.kid))
      .map((r) => {
        const { kty, n, e } = r.publicJwk as { kty: string; n: string; e: string };
        return { kty, n, e, kid: r.kid, alg: r.alg, use: 'sig' };
      }),
  };
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

/**
 * The receipt keys (active and retired: a receipt must stay checkable) as PEM, for openssl: each
 * SubjectPublicKeyInfo block preceded by a `# kid:` line.
 */
export async function receiptKeysPem(store: Store, kid?: string): Promise<string> {
  const rows = (await store.global.read((g) => listPublishedKeys(g, 'receipt'))).filter(
    (r) => r.alg === 'RS256' && KID.test(r.kid) && (kid === undefined || r.kid === kid),
  );
  const blocks: string[] = [];
  for (const r of rows) {
    const { kty, n, e } = r.publicJwk as { kty: string; n: string; e: string };
    const key = await crypto.subtle.importKey('jwk', { kty, n, e }, IMPORT.RS256, true, ['verify']);
    const der = new Uint8Array(await crypto.subtle.exportKey('spki', key));
    const b64 = btoa(String.fromCharCode(...der));
    blocks.push(
      [
        `# kid: ${r.kid} (${r.status})`,
        '-----BEGIN PUBLIC KEY-----',
        ...(b64.match(/.{1,64}/g) ?? []),
        '-----END PUBLIC KEY-----',
      ].join('\n'),
    );
  }
  return blocks.length ? `${blocks.join('\n')}\n` : '';
}
