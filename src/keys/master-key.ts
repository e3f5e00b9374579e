/**
 * The master key wraps every private key and per-tenant data key (AES-256-GCM, Web Crypto, so the same
 * code runs on Node and Workers). Where it comes from is the platform's business: MASTER_KEY, or in
 * development a file under DATA_DIR (src/platform/node/master-key-file.ts).
 */
import { base64UrlToBytes, bytesToBase64Url, utf8 } from '../crypto/encoding.js';
import { randomBytes } from '../crypto/random.js';

export class MasterKey {
  readonly #key: Promise<CryptoKey>;
  readonly #kdf: Promise<CryptoKey>;

  constructor(raw: Uint8Array) {
    if (raw.length !== 32) throw new Error('the master key must be 32 bytes');
    this.#key = crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM' }, false, [
      'encrypt',
      'decrypt',
    ]);
    this.#kdf = crypto.subtle.importKey('raw', raw as BufferSource, 'HKDF', false, ['deriveBits']);
  }

  /**
   * A 256-bit secret for one purpose (HKDF-SHA-256, `info` = the purpose). Every process holding this
   * master key derives the same bytes — which is the point: instances that must agree on a keyed hash
   * (rate-limit counter keys) share nothing else — and no derived secret reveals the master key or
   * another purpose's secret.
   */
  async deriveSecret(purpose: string): Promise<Uint8Array> {
    const bits = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(purpose) as BufferSource },
      await this.#kdf,
      256,
    );
    return new Uint8Array(bits);
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
