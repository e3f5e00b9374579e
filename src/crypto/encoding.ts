/** Byte encodings on every runtime (no Buffer: it is Node's). */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

// Nibble value of each char code ('0'-'9', 'a'-'f', 'A'-'F'), 255 for anything else.
const NIBBLE = new Uint8Array(128).fill(255);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Hex into `out` at `offset` (hot in the audit trail: a checkpoint decodes thousands of hashes). */
export function hexInto(hex: string, out: Uint8Array, offset = 0): Uint8Array {
  if (hex.length % 2) throw new TypeError('not a hex string');
  for (let i = 0, j = offset; i < hex.length; i += 2, j++) {
    const hi = NIBBLE[hex.charCodeAt(i)] ?? 255;
    const lo = NIBBLE[hex.charCodeAt(i + 1)] ?? 255;
    if (hi === 255 || lo === 255) throw new TypeError('not a hex string');
    out[j] = (hi << 4) | lo;
  }
  return out;
}

export const hexToBytes = (hex: string): Uint8Array => hexInto(hex, new Uint8Array(hex.length >> 1));

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export const bytesToBase64Url = (bytes: Uint8Array): string =>
  bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export function base64UrlToBytes(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new TypeError('not a base64url string');
  const padded = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  return base64ToBytes(padded);
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
