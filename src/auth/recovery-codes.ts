/**
 * Recovery codes: ten per member, shown once, each good for one sign-in when the authenticator is lost.
 * 120 random bits each (24 base32 letters in four groups), so a keyed hash is enough to store them
 * (ASVS 6.5.2 asks for a password hash only below 112 bits); the HMAC key is derived from the master
 * key and the user id is hashed in, so a leaked table is useless and a code is worth nothing elsewhere.
 */
import { bytesToHex } from '../crypto/encoding.js';
import { hmacSha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import type { MasterKey } from '../keys/master-key.js';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const RECOVERY_SHAPE = /^[a-z2-7]{24}$/;

/** One code as shown: `abcdef-ghijkl-mnopqr-stuvwx` (32 letters, 5 bits each: no modulo bias). */
export function newRecoveryCode(): string {
  const chars = [...randomBytes(24)].map((b) => ALPHABET[b & 31]!).join('');
  return chars.match(/.{6}/g)!.join('-');
}

/** What people type: any case, with or without the dashes or spaces. */
export const normaliseRecoveryCode = (typed: string): string => typed.toLowerCase().replace(/[\s-]/g, '');

const secrets = new WeakMap<MasterKey, Promise<Uint8Array>>();

export async function recoveryCodeHash(master: MasterKey, userId: string, code: string): Promise<string> {
  let secret = secrets.get(master);
  if (!secret) {
    secret = master.deriveSecret('assay/mfa-recovery-code/v1');
    secrets.set(master, secret);
  }
  return bytesToHex(hmacSha256(await secret, `${userId}\n${normaliseRecoveryCode(code)}`));
}
