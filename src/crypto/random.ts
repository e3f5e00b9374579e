/** Randomness from the platform's CSPRNG (Web Crypto, on Node and Workers alike). */
import { bytesToBase64Url } from './encoding.js';

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  crypto.getRandomValues(out);
  return out;
}

/** Random, unguessable ids (UUIDv4: 122 random bits). Never sequential. */
export const newId = (): string => crypto.randomUUID();

/** A 256-bit random secret for links and sessions, base64url (43 characters). Only its hash is stored. */
export const newSecret = (): string => bytesToBase64Url(randomBytes(32));
