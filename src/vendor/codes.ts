/**
 * Six-digit codes (fresh access, submission confirmation): uniformly random, stored only as an HMAC under
 * a secret derived from the master key (six digits are a million guesses offline; the key makes a
 * leaked table useless), bound to the asking browser or session, at most 10 minutes (ASVS 6.5.5).
 */
import { bytesToHex } from '../crypto/encoding.js';
import { hmacSha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import type { MasterKey } from '../keys/master-key.js';

export const CODE_TTL_MS = 10 * 60_000;
/** Tries per assessment and day, across codes and sessions; re-sending never resets it (OTP-01). */
export const CODE_TRIES_PER_DAY = 10;
export const CODE_SHAPE = /^\d{6}$/;

/** A uniform six-digit code (rejection sampling: no modulo bias). */
export function newCode(): string {
  for (;;) {
    const b = randomBytes(4);
    const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (n < 4_294_000_000) return String(n % 1_000_000).padStart(6, '0');
  }
}

/** Accepts what people type: spaces and dashes between digits ("123 456", "123-456"). */
export const normaliseCode = (typed: string): string => typed.replace(/[\s-]/g, '');

const secrets = new WeakMap<MasterKey, Promise<Uint8Array>>();

/** The code's HMAC, bound to the tenant, assessment and purpose so a code is worth nothing elsewhere (OTP-07). */
export async function codeHash(
  master: MasterKey,
  scope: { tenantId: string; assessmentId: string; purpose: 'access' | 'submit' },
  code: string,
): Promise<string> {
  let secret = secrets.get(master);
  if (!secret) {
    secret = master.deriveSecret('assay/access-code/v1');
    secrets.set(master, secret);
  }
  return bytesToHex(
    hmacSha256(await secret, `${scope.tenantId}\n${scope.assessmentId}\n${scope.purpose}\n${code}`),
  );
}
