/**
 * SHA-256 and HMAC-SHA-256, synchronous and on every runtime. The default is @noble/hashes (pure JS);
 * a platform may install its native implementation at start (`installNativeHashing`), which is several
 * times faster and gives the same bytes. Synchronous matters: the audit chain is hashed inside
 * better-sqlite3's synchronous transaction, and WebCrypto's digest is asynchronous only.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from './encoding.js';

export type Sha256 = (data: string | Uint8Array) => Uint8Array;
export type HmacSha256 = (key: Uint8Array, data: string | Uint8Array) => Uint8Array;
/** An incremental SHA-256 (hashing a stream chunk by chunk). */
export interface Sha256Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

const encoder = new TextEncoder();
const bytes = (data: string | Uint8Array) => (typeof data === 'string' ? encoder.encode(data) : data);

let sha256Impl: Sha256 = (data) => nobleSha256(bytes(data));
let sha256HexImpl: (data: string | Uint8Array) => string = (data) => bytesToHex(sha256Impl(data));
/** SHA-256 written into `out` at `offset` (no fresh buffer: a verify hashes two million Merkle nodes). */
let sha256IntoImpl: (data: string | Uint8Array, out: Uint8Array, offset: number) => Uint8Array = (
  data,
  out,
  offset,
) => {
  out.set(sha256Impl(data), offset);
  return out;
};
let hmacImpl: HmacSha256 = (key, data) => hmac(nobleSha256, key, bytes(data));
let createImpl: () => Sha256Hasher = () => {
  const h = nobleSha256.create();
  return {
    update: (data) => void h.update(data),
    digest: () => h.digest(),
  };
};

/** Replaces the pure-JS implementations with the platform's native ones (same results, faster). */
export function installNativeHashing(impl: {
  sha256: Sha256;
  hmacSha256: HmacSha256;
  createSha256?: () => Sha256Hasher;
  /** The digest as hex, where the platform encodes it natively (a verify compares a million). */
  sha256Hex?: (data: string | Uint8Array) => string;
  /** The digest written into a caller's array (natively cheaper than allocating a buffer per digest). */
  sha256Into?: (data: string | Uint8Array, out: Uint8Array, offset: number) => Uint8Array;
}): void {
  sha256Impl = impl.sha256;
  const native = impl.sha256Hex;
  sha256HexImpl = native ?? ((data) => bytesToHex(sha256Impl(data)));
  const into = impl.sha256Into;
  sha256IntoImpl =
    into ??
    ((data, out, offset) => {
      out.set(sha256Impl(data), offset);
      return out;
    });
  hmacImpl = impl.hmacSha256;
  if (impl.createSha256) createImpl = impl.createSha256;
}

export const sha256 = (data: string | Uint8Array): Uint8Array => sha256Impl(data);
export const sha256Hex = (data: string | Uint8Array): string => sha256HexImpl(data);
/** SHA-256 of `data` written into `out[offset…offset+32)`; `data` may be `out` itself. Returns `out`. */
export const sha256Into = (data: string | Uint8Array, out: Uint8Array, offset = 0): Uint8Array =>
  sha256IntoImpl(data, out, offset);
export const hmacSha256 = (key: Uint8Array, data: string | Uint8Array): Uint8Array => hmacImpl(key, data);
/** A fresh incremental SHA-256 (native on Node). */
export const createSha256 = (): Sha256Hasher => createImpl();
