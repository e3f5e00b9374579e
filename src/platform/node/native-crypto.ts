/** Installs Node's native SHA-256/HMAC (several times faster than the pure-JS default, same bytes). */
import { createHash, createHmac } from 'node:crypto';
import { installNativeHashing } from '../../crypto/hash.js';

installNativeHashing({
  sha256: (data) => createHash('sha256').update(data).digest(),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
  createSha256: () => {
    const h = createHash('sha256');
    return {
      update: (data) => void h.update(data),
      digest: () => h.digest(),
    };
  },
});
