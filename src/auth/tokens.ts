/** Secrets in links and cookies: 256-bit random, base64url; only their SHA-256 is ever stored. */
import { sha256Hex } from '../crypto/hash.js';

export { newSecret } from '../crypto/random.js';

/** The stored form of a secret: its SHA-256, hex. A database leak yields no usable link or session. */
export const hashToken = (token: string): string => sha256Hex(token);

/** Whether a string can be one of our secrets (checked before any lookup). */
export const isSecretShape = (token: string | undefined): token is string =>
  typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
