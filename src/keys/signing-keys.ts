/**
 * Signing keys live in our own key table (never fetched from anywhere else): RS256 keys for vendor
 * links and receipts (RSA-3072, ASVS 11.2.3), an Ed25519 key for audit checkpoints. One key per
 * purpose and per use (RFC 8725 §3.12). Private keys are stored wrapped by the master key.
 */
import { createPrivateKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { exportJWK, type JWK } from 'jose';
import { getActiveKey, insertSigningKey, type KeyPurpose, listPublishedKeys } from '../db/repo/keys.js';
import type { Store } from '../db/store.js';
import type { MasterKey } from './master-key.js';

const generate = promisify(generateKeyPair);

export const KEY_ALG: Record<KeyPurpose, 'RS256' | 'EdDSA'> = {
  link: 'RS256',
  receipt: 'RS256',
  audit: 'EdDSA',
};
const KID = /^[A-Za-z0-9_-]{1,64}$/;

async function newKeyPair(purpose: KeyPurpose) {
  const { publicKey, privateKey } =
    KEY_ALG[purpose] === 'RS256'
      ? await generate('rsa', { modulusLength: 3072, publicExponent: 0x10001 })
      : await generate('ed25519');
  return { publicKey, privateKey };
}

/** Creates and activates a key for each purpose that has none (first start). Returns the kids created. */
export async function ensureSigningKeys(
  store: Store,
  master: MasterKey,
  now = new Date(),
): Promise<string[]> {
  const created: string[] = [];
  for (const purpose of Object.keys(KEY_ALG) as KeyPurpose[]) {
    if (await store.global((g) => getActiveKey(g, purpose))) continue;
    const { publicKey, privateKey } = await newKeyPair(purpose);
    const kid = `${purpose}-${now.toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
    const alg = KEY_ALG[purpose];
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    await store.global(async (g) => {
      // Another instance may have created one meanwhile: keep theirs.
      if (await getActiveKey(g, purpose)) return;
      await insertSigningKey(g, {
        kid,
        purpose,
        alg,
        publicJwk,
        privateKeyEnc: master.wrap(pkcs8, `signing-key:${kid}`),
        status: 'active',
        activatedAt: now,
        retiredAt: null,
      });
      created.push(kid);
    });
  }
  return created;
}

/** The public JSON Web Key Set: the RS256 keys that verify links and receipts (next, active, retired). */
export async function publicJwks(store: Store): Promise<{ keys: JWK[] }> {
  const rows = await store.global((g) => listPublishedKeys(g));
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
  const row = await store.global((g) => getActiveKey(g, purpose));
  if (!row) throw new Error(`no active ${purpose} signing key: run the server once or \`assay keys rotate\``);
  const der = master.unwrap(row.privateKeyEnc, `signing-key:${row.kid}`);
  return { kid: row.kid, alg: row.alg, key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
}
