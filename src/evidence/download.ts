/**
 * Downloads go only through short-lived signed URLs, `/files/<token>`: the token names tenant and
 * evidence, an expiry of at most five minutes, and an HMAC-SHA-256 under a secret derived from the master
 * key, so it cannot be forged, widened to another tenant or file, or kept. The route decrypts as it
 * streams; every chunk is authenticated before it is sent, and the plaintext's SHA-256 and size are
 * checked against the row at the end (a small file is checked whole before the response starts).
 */
import { base64UrlToBytes, bytesToBase64Url, bytesToHex } from '../crypto/encoding.js';
import { createSha256, hmacSha256 } from '../crypto/hash.js';
import { isId } from '../db/ids.js';
import * as repo from '../db/repo/index.js';
import type { Ports } from '../platform/ports.js';
import { dataKeysFor } from './data-keys.js';
import { evidenceBlobAddress, sealBinding } from './evidence.js';
import { openFileKey } from './file-keys.js';
import { CHUNK, decryptStream, sealedSize } from './sealed-stream.js';

export const MAX_DOWNLOAD_TTL_SECONDS = 300;
const PURPOSE = 'evidence-download-url';

const secrets = new WeakMap<object, Promise<Uint8Array>>();
function secret(master: Ports['master']): Promise<Uint8Array> {
  let s = secrets.get(master);
  if (!s) {
    s = master.deriveSecret(PURPOSE);
    secrets.set(master, s);
  }
  return s;
}

const macInput = (tenantId: string, evidenceId: string, exp: number) =>
  `files/v1\n${tenantId}\n${evidenceId}\n${exp}`;

/**
 * A path (`/files/<token>`) that serves one file for at most `ttlSeconds` (≤ 300). The caller has
 * already decided that its user may see the file; the URL is a bearer credential for that long.
 */
export async function downloadPath(
  ports: Pick<Ports, 'master' | 'clock'>,
  target: { tenantId: string; evidenceId: string },
  options: { ttlSeconds?: number } = {},
): Promise<string> {
  const ttl = Math.min(options.ttlSeconds ?? MAX_DOWNLOAD_TTL_SECONDS, MAX_DOWNLOAD_TTL_SECONDS);
  if (!(ttl > 0)) throw new RangeError('ttlSeconds must be positive');
  const { tenantId, evidenceId } = target;
  if (!isId(tenantId) || !isId(evidenceId)) throw new RangeError('not an id');
  const exp = Math.floor(ports.clock.now().getTime() / 1000) + Math.floor(ttl);
  const mac = hmacSha256(await secret(ports.master), macInput(tenantId, evidenceId, exp));
  return `/files/${tenantId}.${evidenceId}.${exp.toString(36)}.${bytesToBase64Url(mac)}`;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let d = 0;
  for (let i = 0; i < a.byteLength; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** The tenant and evidence a token grants, or null (malformed, forged, expired: all alike). */
export async function verifyDownloadToken(
  ports: Pick<Ports, 'master' | 'clock'>,
  token: string,
): Promise<{ tenantId: string; evidenceId: string } | null> {
  const parts = token.split('.');
  if (parts.length !== 4) return null;
  const [tenantId, evidenceId, expText, macText] = parts as [string, string, string, string];
  if (!isId(tenantId) || !isId(evidenceId) || !/^[0-9a-z]{1,10}$/.test(expText)) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(macText)) return null;
  const exp = Number.parseInt(expText, 36);
  const expected = hmacSha256(await secret(ports.master), macInput(tenantId, evidenceId, exp));
  if (!equal(expected, base64UrlToBytes(macText))) return null;
  const now = ports.clock.now().getTime() / 1000;
  // Expired, or minted with a lifetime past the cap (a clock far ahead): refused.
  if (now >= exp || exp - now > MAX_DOWNLOAD_TTL_SECONDS + 1) return null;
  return { tenantId, evidenceId };
}

export interface OpenedDownload {
  name: string;
  type: string;
  size: number;
  body: ReadableStream<Uint8Array>;
}

export class IntegrityError extends Error {
  /** The SHA-256 recorded at upload, once the row is known: what the stored copy should have had. */
  expected: string | null = null;
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/** The row is there but its blob is not in storage (lost, or removed behind the application's back). */
export class MissingBlobError extends IntegrityError {
  constructor() {
    super('the blob is missing');
    this.name = 'MissingBlobError';
  }
}

/** The stored row a file is opened from (a live one for downloads, any undestroyed one for `evidence verify`). */
export type StoredFile = Pick<
  repo.EvidenceRow,
  'id' | 'fileName' | 'contentType' | 'size' | 'sha256' | 'keyId' | 'fileKey'
>;

/**
 * Opens a granted file for sending: null when the row is gone (removed, or not this tenant's); throws
 * IntegrityError when the stored blob is missing, truncated or does not authenticate (found before the
 * response starts where that is possible: size, first chunk, whole small files).
 */
export async function openDownload(
  ports: Pick<Ports, 'store' | 'master' | 'blobs'>,
  grant: { tenantId: string; evidenceId: string },
): Promise<OpenedDownload | null> {
  const { tenantId, evidenceId } = grant;
  const row = await ports.store.tenant(tenantId).read((tx) => repo.getEvidence(tx, evidenceId));
  if (!row) return null;
  return openStoredFile(ports, tenantId, row);
}

/**
 * Opens one stored file's blob, decrypting and checking it as it is read; an IntegrityError (found
 * early, or from the stream) carries the row's SHA-256 as `expected`.
 */
export async function openStoredFile(
  ports: Pick<Ports, 'store' | 'master' | 'blobs'>,
  tenantId: string,
  row: StoredFile,
): Promise<OpenedDownload> {
  try {
    return await openBlob(ports, tenantId, row);
  } catch (err) {
    if (err instanceof IntegrityError) err.expected = row.sha256;
    throw err;
  }
}

async function openBlob(
  ports: Pick<Ports, 'store' | 'master' | 'blobs'>,
  tenantId: string,
  row: StoredFile,
): Promise<OpenedDownload> {
  const blob = await ports.blobs.get(await evidenceBlobAddress(ports, tenantId, row));
  if (!blob) throw new MissingBlobError();
  if (blob.size !== sealedSize(row.size)) {
    await blob.body.cancel().catch(() => {});
    throw new IntegrityError('the blob has the wrong size');
  }
  const keys = dataKeysFor(ports);
  // A file with its own key names its own id in the blob header; only that key opens it.
  const keyFor = async (keyId: string): Promise<CryptoKey | null> => {
    if (row.fileKey === null) return keys.byId(tenantId, keyId);
    if (keyId !== row.id || row.keyId === null) return null;
    const tenantKey = await keys.byId(tenantId, row.keyId);
    return tenantKey && openFileKey(tenantKey, tenantId, row.id, row.fileKey);
  };
  const hasher = createSha256();
  let size = 0;
  const verify = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hasher.update(chunk);
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush() {
      if (size !== row.size || bytesToHex(hasher.digest()) !== row.sha256) {
        const err = new IntegrityError('the content does not match its SHA-256');
        err.expected = row.sha256;
        throw err;
      }
    },
  });
  const reader = blob.body
    .pipeThrough(decryptStream(keyFor, sealBinding(tenantId)))
    .pipeThrough(verify)
    .getReader();
  // Read ahead: the first chunk, and a small file whole, so these failures never start a response.
  const ahead: Uint8Array[] = [];
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      ahead.push(r.value);
      if (row.size > CHUNK) break;
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err instanceof IntegrityError ? err : new IntegrityError('the blob does not authenticate');
  }
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = ahead.shift();
      if (next) return controller.enqueue(next);
      if (done) return controller.close();
      // A failure past the first chunk aborts the response: the client gets a broken download, never
      // unauthenticated bytes.
      try {
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (err) {
        // A chunk past the first that fails to authenticate: named as such for `evidence verify`.
        if (err instanceof IntegrityError) throw err;
        const failed = new IntegrityError('the blob does not authenticate');
        failed.expected = row.sha256;
        throw failed;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { name: row.fileName, type: row.contentType, size: row.size, body };
}
