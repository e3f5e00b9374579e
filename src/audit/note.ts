/**
 * Checkpoints in the C2SP tlog-checkpoint format, as C2SP signed notes:
 *
 *     <origin>\n<tree size>\n<base64 RFC 6962 root>\n\n— <key name> <base64(key id ‖ Ed25519 signature)>\n
 *
 * The signature covers the body (the three lines, final newline included). The key name is the origin
 * (`<BASE_URL host>/audit/<tenant id>`), and the key id is the signed-note one:
 * `SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]`. No extension lines (NOT RECOMMENDED by
 * the spec). Web Crypto Ed25519 only, so this runs on Node and Workers; `openssl pkeyutl -verify
 * -rawin` checks the same signature (docs/audit.md).
 */

import { base64ToBytes, base64UrlToBytes, utf8 } from '../crypto/encoding.js';
import { sha256 } from '../crypto/hash.js';

const DASH = '\u2014';
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Far longer than a checkpoint; short enough that no one parses megabytes. */
const MAX_NOTE = 4096;

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** `<host>/audit/<tenant id>`: the log's name, and the signing key's name. */
export function auditOrigin(baseUrl: string, tenantId: string): string {
  return `${new URL(baseUrl).host}/audit/${tenantId}`;
}

export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${bytesToBase64(root)}\n`;
}

/** The signed-note key id for an Ed25519 key under a name. */
export function noteKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  const buf = new Uint8Array([...utf8(name), 0x0a, 0x01, ...publicKey]);
  return sha256(buf).subarray(0, 4);
}

/** The 32 raw bytes of an Ed25519 public JWK (`x`). */
export function rawEd25519(jwk: Record<string, unknown>): Uint8Array {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new Error('not an Ed25519 public key');
  const raw = base64UrlToBytes(jwk.x);
  if (raw.length !== 32) throw new Error('not an Ed25519 public key');
  return raw;
}

export interface NoteSigner {
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  key: CryptoKey;
}

/** Signs a checkpoint body; returns the whole note. */
export async function signCheckpoint(signer: NoteSigner, origin: string, size: number, root: Uint8Array) {
  const body = checkpointBody(origin, size, root);
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: 'Ed25519' }, signer.key, utf8(body) as BufferSource),
  );
  const keyId = noteKeyId(origin, signer.publicKey);
  return `${body}\n${DASH} ${origin} ${bytesToBase64(new Uint8Array([...keyId, ...sig]))}\n`;
}

export interface ParsedCheckpoint {
  body: string;
  origin: string;
  size: number;
  root: Uint8Array;
  signatures: { name: string; keyId: Uint8Array; sig: Uint8Array }[];
}

/** Parses a note's shape (nothing is trusted yet). Null when it is not a checkpoint. */
export function parseCheckpoint(note: string): ParsedCheckpoint | null {
  if (note.length > MAX_NOTE) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the spec forbids control characters but newline.
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) return null;
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return null;
  const body = note.slice(0, split + 1);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length !== 3) return null;
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!origin || /\s|\+/.test(origin) || !/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) return null;
  if (!B64.test(rootText)) return null;
  const root = base64ToBytes(rootText);
  if (root.length !== 32) return null;
  const signatures: ParsedCheckpoint['signatures'] = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    if (!m) return null;
    const bytes = base64ToBytes(m[2]!);
    if (bytes.length < 5) return null;
    signatures.push({ name: m[1]!, keyId: bytes.subarray(0, 4), sig: bytes.subarray(4) });
  }
  if (signatures.length === 0) return null;
  return { body, origin, size: Number(sizeText), root, signatures };
}

export interface NoteVerifier {
  name: string;
  publicKey: Uint8Array;
  /** The key table's id of the key (informational). */
  kid?: string;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether one of `verifiers` (name + key id match) signed the note. The first matching signature line
 * decides (the spec: a failed signature by a known key rejects the note).
 */
export async function verifyCheckpointSignature(
  parsed: ParsedCheckpoint,
  verifiers: readonly NoteVerifier[],
): Promise<boolean> {
  for (const s of parsed.signatures) {
    for (const v of verifiers) {
      if (s.name !== v.name || !same(s.keyId, noteKeyId(v.name, v.publicKey))) continue;
      if (s.sig.length !== 64) return false;
      const key = await crypto.subtle.importKey(
        'raw',
        v.publicKey as BufferSource,
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
      return crypto.subtle.verify(
        { name: 'Ed25519' },
        key,
        s.sig as BufferSource,
        utf8(parsed.body) as BufferSource,
      );
    }
  }
  return false;
}
