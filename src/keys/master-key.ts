/**
 * The master key wraps every private key and per-tenant data key (AES-256-GCM, Web Crypto, so the same
 * code runs on Node and Workers). Where it comes from is the platform's business: MASTER_KEY, or in
 * development a file under DATA_DIR (src/platform/node/master-key-file.ts).
 */
import { base64UrlToBytes, bytesToBase64Url, utf8 } from '../crypto/encoding.js';
import { randomBytes } from '../crypto/random.js';

export class MasterKey {
  readonly #key: Promise<CryptoKey>;

  constructor(raw: Uint8Array) {
    if (raw.length !== 32) throw new Error('the master key must be 32 bytes');
    this.#key = crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, [
      'encrypt',
      'decrypt',
    ]);
  }

  /** `v1.<iv>.<ciphertext>.<tag>` in base64url; `aad` binds the ciphertext to its purpose and record. */
  async wrap(plaintext: Uint8Array, aad: string): Promise<string> {
    const iv = randomBytes(12);
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        {
          name: 'AES-GCM',
          iv: iv as BufferSource,
          additionalData: utf8(aad) as BufferSource,
          tagLength: 128,
        },
        await this.#key,
        plaintext as BufferSource,
      ),
    );
    const ct = sealed.subarray(0, sealed.length - 16);
    const tag = sealed.subarray(sealed.length - 16);
    return ['v1', bytesToBase64Url(iv), bytesToBase64Url(ct), bytesToBase64Url(tag)].join('.');
  }

  async unwrap(wrapped: string, aad: string): Promise<Uint8Array> {
    const [v, iv, ct, tag] = wrapped.split('.');
    if (v !== 'v1' || !iv || ct === undefined || !tag) throw new Error('wrapped key has an unknown format');
    const sealed = new Uint8Array([...base64UrlToBytes(ct), ...base64UrlToBytes(tag)]);
    return new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: base64UrlToBytes(iv) as BufferSource,
          additionalData: utf8(aad) as BufferSource,
          tagLength: 128,
        },
        await this.#key,
        sealed as BufferSource,
      ),
    );
  }
}
