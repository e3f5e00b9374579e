/** Installs Node's native SHA-256/HMAC (several times faster than the pure-JS default, same bytes). */
import crypto, { createHash, createHmac } from 'node:crypto';
import { installNativeHashing } from '../../crypto/hash.js';

// crypto.hash (Node ≥ 20.12) is the one-shot digest, markedly cheaper than createHash for small inputs.
const oneShot = (
  crypto as {
    hash?: ((alg: string, data: string | Uint8Array, enc: 'buffer') => Buffer) &
      ((alg: string, data: string | Uint8Array, enc: 'hex') => string);
  }
).hash;

installNativeHashing({
  sha256: oneShot
    ? (data) => oneShot('sha256', data, 'buffer')
    : (data) => createHash('sha256').update(data).digest(),
  sha256Hex: oneShot
    ? (data) => oneShot('sha256', data, 'hex')
    : (data) => createHash('sha256').update(data).digest('hex'),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
  createSha256: () => {
    const h = createHash('sha256');
    return {
      update: (data) => void h.update(data),
      digest: () => h.digest(),
    };
  },
});
