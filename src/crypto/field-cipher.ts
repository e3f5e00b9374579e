/**
 * Encryption of one database field (AES-256-GCM, Web Crypto, the same on Node and Workers). The sealed
 * text names the key it was made with, so data stays readable across key rotation, and `aad` binds it to
 * its row and purpose: a ciphertext copied into another row or tenant does not open there.
 *
 * Format: `f1.<key id>.<iv>.<ciphertext‖tag>` (base64url). Key ids are UUIDs (no dots).
 */
import { base64UrlToBytes, bytesToBase64Url, utf8 } from './encoding.js';
import { randomBytes } from './random.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export async function sealField(
  key: CryptoKey,
  keyId: string,
  plaintext: string,
  aad: string,
): Promise<string> {
  const iv = randomBytes(12);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: utf8(aad) as BufferSource, tagLength: 128 },
    key,
    utf8(plaintext) as BufferSource,
  );
  return ['f1', keyId, bytesToBase64Url(iv), bytesToBase64Url(new Uint8Array(sealed))].join('.');
}

/** The key id a sealed field names, or null when it is not one of ours. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 4 && parts[0] === 'f1' && parts[1] ? parts[1] : null;
}

/** Opens a sealed field; throws when it was changed, made under another key or for another `aad`. */
export async function openField(key: CryptoKey, sealed: string, aad: string): Promise<string> {
  const [v, , iv, ct] = sealed.split('.');
  if (v !== 'f1' || !iv || !ct) throw new Error('the sealed field has an unknown format');
  const plain = await crypto.subtle.decrypt(
    {
      name: 'AES-GCM',
      iv: base64UrlToBytes(iv) as BufferSource,
      additionalData: utf8(aad) as BufferSource,
      tagLength: 128,
    },
    key,
    base64UrlToBytes(ct) as BufferSource,
  );
  return decoder.decode(plain);
}
