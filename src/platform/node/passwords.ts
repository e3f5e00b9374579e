/** argon2id with @node-rs/argon2 (native, off the event loop on libuv's thread pool). */
import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../ports.js';

// Verifying against this when the account does not exist keeps sign-in timing the same (ASVS 6.3.8).
let dummyHash: Promise<string> | null = null;

export function nodePasswords(): PasswordHasher {
  return {
    hash: (password) => hash(password),
    async verify(stored, password) {
      if (!stored) {
        dummyHash ??= hash('assay-timing-equaliser');
        await verify(await dummyHash, password).catch(() => false);
        return false;
      }
      return verify(stored, password).catch(() => false);
    },
  };
}
