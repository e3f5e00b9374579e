/**
 * How counter keys are written down: `<limiter name>:<HMAC-SHA-256(secret, name ‖ subject)>`, so no
 * store ever holds an email or an address. Every process must hash a key the same way or two
 * instances would count one client apart: the secret is derived from the master key
 * (`MasterKey.deriveSecret(RATE_KEY_PURPOSE)`), which all instances of one deployment share.
 */
import { bytesToBase64Url } from '../crypto/encoding.js';
import { hmacSha256 } from '../crypto/hash.js';
import { checkName, type RateKey } from './rate-limit-store.js';

/** What the rate-limit secret is derived for; a new version would start every counter afresh. */
export const RATE_KEY_PURPOSE = 'assay/rate-limit-keys/v1';

export type RateKeyHasher = (key: RateKey) => string;

export function rateKeyHasher(secret: Uint8Array): RateKeyHasher {
  if (secret.length < 32) throw new RangeError('the rate-limit key secret must be at least 32 bytes');
  const own = new Uint8Array(secret);
  return (key) => {
    checkName(key.name);
    return `${key.name}:${bytesToBase64Url(hmacSha256(own, `${key.name}\n${key.subject}`))}`;
  };
}
