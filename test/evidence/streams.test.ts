/**
 * The two streaming parts on their own: the chunked AES-GCM format (order, end and binding
 * authenticated) and the multipart reader (boundaries split anywhere across chunks, limits as bytes arrive).
 */
import { describe, expect, it } from 'vitest';
import { cleanFileName } from '../../src/evidence/file-names.js';
import { openFilePart } from '../../src/evidence/multipart.js';
import {
  CHUNK,
  decryptStream,
  encryptStream,
  HEADER_LENGTH,
  SealedBlobError,
  sealedSize,
} from '../../src/evidence/sealed-stream.js';
import { rawUpload } from './support.js';

const KEY_ID = '00000000-0000-4000-8000-000000000001';
const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const other = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
  'encrypt',
  'decrypt',
]);

const streamOf = (b: Uint8Array, piece = 1000) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < b.length; i += piece) c.enqueue(b.slice(i, i + piece));
      if (b.length === 0) c.enqueue(new Uint8Array(0));
      c.close();
    },
  });
const collect = async (s: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(s).arrayBuffer());
const seal = (plain: Uint8Array, binding = 'evidence:t1') =>
  collect(streamOf(plain).pipeThrough(encryptStream({ id: KEY_ID, key }, binding)));
const open = (sealed: Uint8Array, binding = 'evidence:t1', k: CryptoKey | null = key) =>
  collect(
    streamOf(sealed, 777).pipeThrough(decryptStream(async (id) => (id === KEY_ID ? k : null), binding)),
  );

describe('sealed blobs (chunked AES-256-GCM)', () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5]) {
    it(`round-trips ${size} bytes at the predicted size`, async () => {
      const plain = crypto.getRandomValues(new Uint8Array(size > 65536 ? 65536 : size));
      const big = new Uint8Array(size);
      for (let i = 0; i < size; i += plain.length || 1)
        big.set(plain.subarray(0, Math.min(plain.length, size - i)), i);
      const sealed = await seal(big);
      expect(sealed.length).toBe(sealedSize(size));
      expect(await open(sealed)).toEqual(big);
    });
  }

  it('uses a fresh nonce prefix per blob: the same plaintext seals differently', async () => {
    const p = new Uint8Array(100).fill(1);
    expect(await seal(p)).not.toEqual(await seal(p));
  });

  const plain = new Uint8Array(3 * CHUNK + 10).map((_, i) => i & 0xff);
  const refuses = async (mutate: (b: Uint8Array) => Uint8Array, binding?: string, k?: CryptoKey | null) => {
    const sealed = await seal(plain);
    await expect(open(mutate(sealed.slice()), binding, k)).rejects.toBeInstanceOf(SealedBlobError);
  };
  const C = CHUNK + 16;
  it('refuses a flipped bit anywhere: header, any chunk, any tag', async () => {
    for (const at of [
      0,
      10,
      HEADER_LENGTH - 1,
      HEADER_LENGTH,
      HEADER_LENGTH + C + 3,
      HEADER_LENGTH + 3 * C + 1,
    ]) {
      await refuses((b) => {
        b[at]! ^= 0x80;
        return b;
      });
    }
  });
  it('refuses the last chunk dropped (truncation at a chunk boundary), a cut inside a chunk, and an empty body', async () => {
    await refuses((b) => b.subarray(0, HEADER_LENGTH + 3 * C));
    await refuses((b) => b.subarray(0, b.length - 1));
    await refuses((b) => b.subarray(0, HEADER_LENGTH));
    await refuses(() => new Uint8Array(0));
  });
  it('refuses reordered or duplicated chunks and trailing data', async () => {
    await refuses((b) => {
      const out = b.slice();
      out.set(b.subarray(HEADER_LENGTH + C, HEADER_LENGTH + 2 * C), HEADER_LENGTH);
      out.set(b.subarray(HEADER_LENGTH, HEADER_LENGTH + C), HEADER_LENGTH + C);
      return out;
    });
    await refuses((b) => {
      const out = b.slice();
      out.set(b.subarray(HEADER_LENGTH, HEADER_LENGTH + C), HEADER_LENGTH + C);
      return out;
    });
    await refuses((b) => new Uint8Array([...b, 0]));
  });
  it('refuses another binding (another tenant), another key, an unknown key', async () => {
    await refuses((b) => b, 'evidence:t2');
    await refuses((b) => b, undefined, other);
    await refuses((b) => b, undefined, null);
  });
});

const enc = new TextEncoder();
const body = (file: Uint8Array, name = 'a.pdf', extra = '') =>
  new Uint8Array([
    ...enc.encode(`preamble\r\n--BND\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
    ...enc.encode(`--BND\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n`),
    ...enc.encode('Content-Type: application/pdf\r\n\r\n'),
    ...file,
    ...enc.encode(
      `\r\n--BND${extra}\r\nContent-Disposition: form-data; name="after"\r\n\r\nlater\r\n--BND--\r\n`,
    ),
  ]);
const limits = {
  maxBodyBytes: 1 << 20,
  maxFileBytes: 1 << 19,
  maxParts: 10,
  maxHeaderBytes: 8192,
  maxFieldBytes: 8192,
};

describe('multipart reader', () => {
  // File content full of near-boundaries: CR, LF, dashes, the boundary without its CRLF.
  const tricky = new Uint8Array([
    ...enc.encode('--BND\r\n-\r\n--BN\r\n--BN-x\r'),
    ...new Uint8Array(300).fill(0x2d),
    13,
    10,
    45,
  ]);
  for (const piece of [1, 2, 3, 7, 64, 4096]) {
    it(`reads the file exactly when the body arrives in ${piece}-byte pieces`, async () => {
      const part = await openFilePart(rawUpload(streamOfPieces(body(tricky), piece), 'BND'), limits);
      expect(part.filename).toBe('a.pdf');
      expect(part.fields.get('note')).toBe('hello');
      expect(await collect(part.body)).toEqual(tricky);
      expect((await part.rest()).get('after')).toBe('later');
    });
  }

  it('reads RFC 5987 filename* and the WHATWG %22 escape', async () => {
    const star = enc.encode(
      '--B\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"; filename*=UTF-8\'\'%C3%BC%22.pdf\r\n\r\n%PDF\r\n--B--',
    );
    const p = await openFilePart(rawUpload(star, 'B'), limits);
    expect(p.filename).toBe('ü".pdf');
    const quoted = enc.encode(
      '--B\r\nContent-Disposition: form-data; name="file"; filename="a%22b.pdf"\r\n\r\nx\r\n--B--',
    );
    expect((await openFilePart(rawUpload(quoted, 'B'), limits)).filename).toBe('a"b.pdf');
  });

  it('refuses an oversized part header, too many parts, an oversized field', async () => {
    const header = enc.encode(
      `--B\r\nContent-Disposition: form-data; name="f"; x="${'a'.repeat(9000)}"\r\n\r\n`,
    );
    await expect(openFilePart(rawUpload(header, 'B'), limits)).rejects.toMatchObject({ status: 400 });
    const many = enc.encode(
      `${Array.from({ length: 12 }, (_, i) => `--B\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('')}--B--`,
    );
    await expect(openFilePart(rawUpload(many, 'B'), limits)).rejects.toMatchObject({
      status: 413,
      code: 'too-many-parts',
    });
    const field = enc.encode(
      `--B\r\nContent-Disposition: form-data; name="f"\r\n\r\n${'v'.repeat(9000)}\r\n--B--`,
    );
    await expect(openFilePart(rawUpload(field, 'B'), limits)).rejects.toMatchObject({ status: 413 });
  });

  it('refuses a missing or odd boundary parameter with 415', async () => {
    for (const type of [
      'multipart/form-data',
      'multipart/mixed; boundary=B',
      'text/plain',
      `multipart/form-data; boundary=${'b'.repeat(71)}`,
    ]) {
      const req = new Request('https://assay.test/u', {
        method: 'POST',
        body: 'x',
        headers: { 'Content-Type': type },
      });
      await expect(openFilePart(req, limits)).rejects.toMatchObject({ status: 415 });
    }
  });
});

function streamOfPieces(b: Uint8Array, piece: number) {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= b.length) return c.close();
      c.enqueue(b.slice(at, at + piece));
      at += piece;
    },
  });
}

describe('file names', () => {
  it('keeps the last segment, trims dots and spaces, caps the length but keeps the extension', () => {
    expect(cleanFileName('  ..hidden.pdf. ')).toEqual({ ok: true, name: 'hidden.pdf', extension: 'pdf' });
    const long = cleanFileName(`${'x'.repeat(500)}.PDF`);
    expect(long.ok && long.name.length).toBeLessThanOrEqual(200);
    expect(long.ok && long.extension).toBe('pdf');
    expect(cleanFileName('SOC2.v1.2.final.pdf')).toMatchObject({ ok: true, name: 'SOC2.v1.2.final.pdf' });
    expect(cleanFileName('x.HTML.pdf')).toEqual({ ok: false, problem: 'double-extension' });
    expect(cleanFileName('a\u200b.pdf')).toEqual({ ok: false, problem: 'control' });
    expect(cleanFileName('..')).toEqual({ ok: false, problem: 'missing' });
  });
});

describe('download paths in logs', () => {
  it('are logged as /files/:token (the token is a bearer credential for five minutes)', async () => {
    const { sanitizePath } = await import('../../src/http/sanitize-path.js');
    const { downloadPath } = await import('../../src/evidence/download.js');
    const { TEST_MASTER_KEY } = await import('../support/app.js');
    const p = await downloadPath(
      { master: TEST_MASTER_KEY, clock: { now: () => new Date() } },
      { tenantId: crypto.randomUUID(), evidenceId: crypto.randomUUID() },
    );
    expect(sanitizePath(p)).toBe('/files/:token');
  });
});
