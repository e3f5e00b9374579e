/**
 * Evidence at rest: AES-256-GCM in 64 KiB chunks (the STREAM construction of Hoang, Reyhanitabar,
 * Rogaway and Vizár, as in Tink's streaming AEAD and age), so files of any size are encrypted and
 * decrypted as they stream and nothing unauthenticated is ever released.
 *
 *   header  = "ASY\x01" | chunk size (u32 BE) | nonce prefix (7 random bytes) | key id (36 ASCII)
 *   chunk i = AES-GCM(key, nonce = prefix | i (u32 BE) | last (0x00 or 0x01), aad = header | binding)
 *
 * Each chunk has its own nonce; the counter in the nonce authenticates the order, the last-flag
 * authenticates the end (a truncated blob has no chunk that decrypts as last, an extended one has data
 * after it), and the header (key id, prefix) and the binding (tenant) are authenticated with every
 * chunk, so a blob moved to another tenant or re-labelled with another key does not decrypt.
 */
import { utf8 } from '../crypto/encoding.js';
import { randomBytes } from '../crypto/random.js';

export const CHUNK = 64 * 1024;
const TAG = 16;
const MAGIC = [0x41, 0x53, 0x59, 0x01] as const;
const KEY_ID_LENGTH = 36;
export const HEADER_LENGTH = 4 + 4 + 7 + KEY_ID_LENGTH;

export class SealedBlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedBlobError';
  }
}

/** The stored size of `plainSize` bytes: header, the bytes, one tag per chunk (at least one chunk). */
export function sealedSize(plainSize: number): number {
  return HEADER_LENGTH + plainSize + TAG * Math.max(1, Math.ceil(plainSize / CHUNK));
}

/** Bytes that arrive in arbitrary pieces, taken out in the sizes we need. */
class ByteQueue {
  #chunks: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    if (b.byteLength === 0) return;
    this.#chunks.push(b);
    this.length += b.byteLength;
  }
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const head = this.#chunks[0]!;
      const need = n - off;
      if (head.byteLength <= need) {
        out.set(head, off);
        off += head.byteLength;
        this.#chunks.shift();
      } else {
        out.set(head.subarray(0, need), off);
        this.#chunks[0] = head.subarray(need);
        off += need;
      }
    }
    this.length -= n;
    return out;
  }
}

function nonce(prefix: Uint8Array, index: number, last: boolean): Uint8Array {
  const n = new Uint8Array(12);
  n.set(prefix, 0);
  new DataView(n.buffer).setUint32(7, index);
  n[11] = last ? 1 : 0;
  return n;
}

function aadOf(header: Uint8Array, binding: string): Uint8Array {
  const b = utf8(binding);
  const out = new Uint8Array(header.byteLength + b.byteLength);
  out.set(header, 0);
  out.set(b, header.byteLength);
  return out;
}

/** Encrypts a byte stream under `key` (whose id goes into the header), bound to `binding`. */
export function encryptStream(
  key: { id: string; key: CryptoKey },
  binding: string,
): TransformStream<Uint8Array, Uint8Array> {
  if (key.id.length !== KEY_ID_LENGTH) throw new Error('a data key id is a UUID');
  const prefix = randomBytes(7);
  const header = new Uint8Array(HEADER_LENGTH);
  header.set(MAGIC, 0);
  new DataView(header.buffer).setUint32(4, CHUNK);
  header.set(prefix, 8);
  header.set(utf8(key.id), 15);
  const aad = aadOf(header, binding);
  const queue = new ByteQueue();
  let index = 0;
  const seal = async (plain: Uint8Array, last: boolean) => {
    if (index > 0xffffffff) throw new Error('too many chunks');
    const ct = await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv: nonce(prefix, index, last) as BufferSource,
        additionalData: aad as BufferSource,
      },
      key.key,
      plain as BufferSource,
    );
    index += 1;
    return new Uint8Array(ct);
  };
  return new TransformStream({
    start(controller) {
      controller.enqueue(header);
    },
    async transform(chunk, controller) {
      queue.push(chunk);
      // A full chunk goes out only once more data follows it: the last one must carry the flag.
      while (queue.length > CHUNK) controller.enqueue(await seal(queue.take(CHUNK), false));
    },
    async flush(controller) {
      controller.enqueue(await seal(queue.take(queue.length), true));
    },
  });
}

/**
 * Decrypts what {@link encryptStream} wrote. `keyFor` finds the key named in the header (only among the
 * tenant's keys). Errors the stream with {@link SealedBlobError} on any tampering, reordering,
 * truncation or trailing data; every chunk it releases has been authenticated.
 */
export function decryptStream(
  keyFor: (keyId: string) => Promise<CryptoKey | null>,
  binding: string,
): TransformStream<Uint8Array, Uint8Array> {
  const queue = new ByteQueue();
  let header: Uint8Array | null = null;
  let prefix: Uint8Array;
  let aad: Uint8Array;
  let key: CryptoKey;
  let size = 0;
  let index = 0;
  const open = async (sealed: Uint8Array, last: boolean) => {
    try {
      const plain = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: nonce(prefix, index, last) as BufferSource,
          additionalData: aad as BufferSource,
        },
        key,
        sealed as BufferSource,
      );
      index += 1;
      return new Uint8Array(plain);
    } catch {
      throw new SealedBlobError(`chunk ${index} does not authenticate`);
    }
  };
  const readHeader = async () => {
    const h = queue.take(HEADER_LENGTH);
    if (!MAGIC.every((b, i) => h[i] === b)) throw new SealedBlobError('not a sealed blob');
    size = new DataView(h.buffer, h.byteOffset).getUint32(4);
    if (size !== CHUNK) throw new SealedBlobError('unexpected chunk size');
    prefix = h.slice(8, 15);
    const keyId = new TextDecoder().decode(h.subarray(15));
    const k = await keyFor(keyId);
    if (!k) throw new SealedBlobError('the data key is not available');
    key = k;
    aad = aadOf(h, binding);
    header = h;
  };
  return new TransformStream({
    async transform(chunk, controller) {
      queue.push(chunk);
      if (header === null) {
        if (queue.length < HEADER_LENGTH) return;
        await readHeader();
      }
      // Hold back one chunk's worth: only the end of the stream says which chunk is the last.
      while (queue.length > size + TAG) controller.enqueue(await open(queue.take(size + TAG), false));
    },
    async flush(controller) {
      if (header === null || queue.length < TAG) throw new SealedBlobError('the blob is truncated');
      controller.enqueue(await open(queue.take(queue.length), true));
    },
  });
}
