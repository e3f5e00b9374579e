/**
 * TOTP seeds at rest: AES-256-GCM under a key derived from the master key for this one purpose (HKDF,
 * src/keys/master-key.ts), so a copy of the users table alone yields no seed. The additional data binds
 * a sealed seed to its user: moved to another row, it no longer opens.
 */
import { base64UrlToBytes, bytesToBase64Url, utf8 } from '../crypto/encoding.js';
import { randomBytes } from '../crypto/random.js';
import type { MasterKey } from '../keys/master-key.js';

const PURPOSE = 'assay/totp-secret/v1';
const keys = new WeakMap<MasterKey, Promise<CryptoKey>>();

function keyOf(master: MasterKey): Promise<CryptoKey> {
  let key = keys.get(master);
  if (!key) {
    key = master
      .deriveSecret(PURPOSE)
      .then((raw) =>
        crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, [
          'encrypt',
          'decrypt',
        ]),
      );
    keys.set(master, key);
  }
  return key;
}

const aad = (userId: string) => utf8(`${PURPOSE}\n${userId}`) as BufferSource;

/** `v1.<iv>.<ciphertext+tag>`, base64url. */
export async function sealTotpSecret(master: MasterKey, userId: string, secret: string): Promise<string> {
  const iv = randomBytes(12);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad(userId) },
    await keyOf(master),
    utf8(secret) as BufferSource,
  );
  return `v1.${bytesToBase64Url(iv)}.${bytesToBase64Url(new Uint8Array(sealed))}`;
}

export async function openTotpSecret(master: MasterKey, userId: string, sealed: string): Promise<string> {
  const [v, iv, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct) throw new Error('sealed TOTP secret has an unknown format');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: base64UrlToBytes(iv) as BufferSource, additionalData: aad(userId) },
    await keyOf(master),
    base64UrlToBytes(ct) as BufferSource,
  );
  return new TextDecoder().decode(plain);
}
