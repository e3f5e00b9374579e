/**
 * Each evidence file is encrypted under its own random AES-256-GCM key, stored only wrapped by the
 * tenant's data key (AES-GCM, AAD binding tenant and evidence id) in the file's own row. Destroying one
 * file is then a matter of forgetting one small value (evidence.file_key) and deleting one blob: no
 * other file shares the key, and a copy of the blob left anywhere (a disk block, an object-store
 * version) no longer decrypts. Destroying the tenant data key shreds every file of the tenant at once.
 *
 * Wrapped form: base64url(12-byte nonce ‖ ciphertext ‖ tag).
 */
import { base64UrlToBytes, bytesToBase64Url } from '../crypto/encoding.js';
import { randomBytes } from '../crypto/random.js';

const aad = (tenantId: string, evidenceId: string) =>
  new TextEncoder().encode(`evidence-file-key:${tenantId}:${evidenceId}`);

const importKey = (raw: Uint8Array) =>
  crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);

/** A fresh key for one file: the CryptoKey to encrypt with, and its wrapped form to store. */
export async function newFileKey(
  tenantKey: CryptoKey,
  tenantId: string,
  evidenceId: string,
): Promise<{ key: CryptoKey; wrapped: string }> {
  const raw = randomBytes(32);
  try {
    const iv = randomBytes(12);
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        {
          name: 'AES-GCM',
          iv: iv as BufferSource,
          additionalData: aad(tenantId, evidenceId) as BufferSource,
        },
        tenantKey,
        raw as BufferSource,
      ),
    );
    const out = new Uint8Array(12 + ct.byteLength);
    out.set(iv, 0);
    out.set(ct, 12);
    return { key: await importKey(raw), wrapped: bytesToBase64Url(out) };
  } finally {
    raw.fill(0);
  }
}

/** The file's key, or null when it does not unwrap (another tenant's or file's value, or tampered). */
export async function openFileKey(
  tenantKey: CryptoKey,
  tenantId: string,
  evidenceId: string,
  wrapped: string,
): Promise<CryptoKey | null> {
  let bytes: Uint8Array;
  try {
    bytes = base64UrlToBytes(wrapped);
  } catch {
    return null;
  }
  if (bytes.byteLength !== 12 + 32 + 16) return null;
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: bytes.subarray(0, 12) as BufferSource,
          additionalData: aad(tenantId, evidenceId) as BufferSource,
        },
        tenantKey,
        bytes.subarray(12) as BufferSource,
      ),
    );
  } catch {
    return null;
  }
  try {
    return await importKey(raw);
  } finally {
    raw.fill(0);
  }
}
