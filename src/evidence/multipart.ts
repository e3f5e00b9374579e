/**
 * A streaming `multipart/form-data` reader for one file upload (RFC 7578, the WHATWG form encoding).
 *
 * Why our own: the maintained web-standard parsers (@remix-run/multipart-parser 0.16, and
 * @mjackson/multipart-parser from 0.8 on) hold every part in memory (`part.content: Uint8Array[]`,
 * bounded only by their `maxFileSize`); the versions that streamed parts are unmaintained; busboy and
 * @fastify/busboy are Node-only, and this must run on Workers too. One file and a few small fields is
 * all an evidence upload has, which keeps this small: the body is pulled chunk by chunk, at most a
 * boundary's length (plus one part header) is held, and the limits are counted as bytes arrive, so a
 * 2 GB body costs the limit and no more.
 */
import { HttpError } from '../errors.js';
import { EVIDENCE_MESSAGES, type EvidenceMessage } from './messages.js';

export interface MultipartLimits {
  /** Whole request body, multipart framing included. */
  maxBodyBytes: number;
  /** The file part's content. */
  maxFileBytes: number;
  maxParts: number;
  maxHeaderBytes: number;
  /** Each non-file field. */
  maxFieldBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: Omit<MultipartLimits, 'maxFileBytes' | 'maxBodyBytes'> = {
  maxParts: 10,
  maxHeaderBytes: 8 * 1024,
  maxFieldBytes: 8 * 1024,
};

/** A refused upload: the status, a code for the caller, and the sentence by its key (messages.ts). */
export class UploadError extends HttpError {
  constructor(
    status: number,
    readonly code: string,
    readonly key: EvidenceMessage,
  ) {
    super(status, EVIDENCE_MESSAGES[key], {
      said: { key },
      ...(status === 413 ? { headers: { Connection: 'close' } } : {}),
    });
    this.name = 'UploadError';
  }
}

export interface FilePart {
  /** The form field's name. */
  field: string;
  /** The name the client gave, as sent (not cleaned: see file-names.ts). */
  filename: string;
  /** Only the file's bytes; errors with UploadError(413) once it passes `maxFileBytes`. */
  body: ReadableStream<Uint8Array>;
  /** After `body` has been read to its end: reads the rest of the request (fields after the file). */
  rest(): Promise<Map<string, string>>;
  /** The fields that came before the file. */
  fields: Map<string, string>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType) return null;
  const [type, ...params] = splitParams(contentType);
  if (type?.toLowerCase() !== 'multipart/form-data') return null;
  const b = params.find((p) => p.key === 'boundary')?.value;
  return b && /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(b) && !b.endsWith(' ') ? b : null;
}

/** `a; k=v; k2="v 2"` → [a, {k,v}, …]. Quoted values end at the next quote (WHATWG sends `"` as %22). */
function splitParams(header: string): [string | undefined, ...{ key: string; value: string }[]] {
  const out: { key: string; value: string }[] = [];
  let i = header.indexOf(';');
  const head = (i === -1 ? header : header.slice(0, i)).trim();
  while (i !== -1 && i < header.length) {
    i += 1;
    const eq = header.indexOf('=', i);
    if (eq === -1) break;
    const key = header.slice(i, eq).trim().toLowerCase();
    let value: string;
    let j = eq + 1;
    while (header[j] === ' ') j++;
    if (header[j] === '"') {
      const close = header.indexOf('"', j + 1);
      if (close === -1) throw new UploadError(400, 'bad-part', 'evidence.partMalformed');
      value = header.slice(j + 1, close);
      i = header.indexOf(';', close);
    } else {
      const semi = header.indexOf(';', j);
      value = (semi === -1 ? header.slice(j) : header.slice(j, semi)).trim();
      i = semi;
    }
    out.push({ key, value });
  }
  return [head, ...out];
}

interface PartHead {
  name: string;
  filename: string | null;
}

function parsePartHeaders(raw: string): PartHead {
  let disposition: string | null = null;
  for (const line of raw.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UploadError(400, 'bad-part', 'evidence.partMalformed');
    if (line.slice(0, colon).trim().toLowerCase() === 'content-disposition') {
      if (disposition !== null) throw new UploadError(400, 'bad-part', 'evidence.partRepeated');
      disposition = line.slice(colon + 1);
    }
  }
  if (disposition === null) throw new UploadError(400, 'bad-part', 'evidence.noDisposition');
  const [kind, ...params] = splitParams(disposition);
  if (kind?.toLowerCase() !== 'form-data') throw new UploadError(400, 'bad-part', 'evidence.notFormData');
  const get = (k: string) => params.find((p) => p.key === k)?.value;
  const name = get('name');
  if (name === undefined) throw new UploadError(400, 'bad-part', 'evidence.noFieldName');
  const star = get('filename*');
  let filename = get('filename') ?? null;
  if (star !== undefined) {
    const m = /^utf-8''(.*)$/i.exec(star);
    if (!m) throw new UploadError(400, 'bad-part', 'evidence.nameMalformed');
    try {
      filename = decodeURIComponent(m[1]!);
    } catch {
      throw new UploadError(400, 'bad-part', 'evidence.nameMalformed');
    }
  } else if (filename !== null) {
    // The WHATWG encoding escapes these three; nothing else is percent-decoded (a literal %00 stays
    // text, and file-names.ts refuses it).
    filename = filename.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
  }
  return { name, filename };
}

/** Pulls the request body and cuts it at `\r\n--boundary`, holding at most the bytes it must. */
class Cutter {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #delim: Uint8Array;
  readonly #max: number;
  // The body is read as if it began with CRLF, so the first boundary looks like every other.
  #buf: Uint8Array = enc.encode('\r\n');
  #read = 0;
  #eof = false;

  constructor(body: ReadableStream<Uint8Array>, boundary: string, maxBodyBytes: number) {
    this.#reader = body.getReader();
    this.#delim = enc.encode(`\r\n--${boundary}`);
    this.#max = maxBodyBytes;
  }

  async #more(): Promise<boolean> {
    if (this.#eof) return false;
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#eof = true;
      return false;
    }
    this.#read += value.byteLength;
    if (this.#read > this.#max) {
      await this.cancel();
      throw new UploadError(413, 'too-large', 'evidence.uploadTooLarge');
    }
    const next = new Uint8Array(this.#buf.byteLength + value.byteLength);
    next.set(this.#buf, 0);
    next.set(value, this.#buf.byteLength);
    this.#buf = next;
    return true;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }

  #find(): number {
    const d = this.#delim;
    const b = this.#buf;
    let i = b.indexOf(d[0]!);
    while (i !== -1 && i + d.byteLength <= b.byteLength) {
      let k = 1;
      while (k < d.byteLength && b[i + k] === d[k]) k++;
      if (k === d.byteLength) return i;
      i = b.indexOf(d[0]!, i + 1);
    }
    return -1;
  }

  /**
   * The next piece of the current part's content: `{ bytes }`, or `{ end: true }` at the boundary
   * (which is then consumed). `null` if the body ended without one.
   */
  async data(): Promise<{ bytes: Uint8Array } | { end: true } | null> {
    for (;;) {
      const at = this.#find();
      if (at === 0) {
        this.#buf = this.#buf.subarray(this.#delim.byteLength);
        return { end: true };
      }
      if (at > 0) {
        const bytes = this.#buf.slice(0, at);
        this.#buf = this.#buf.subarray(at);
        return { bytes };
      }
      // Everything but a possible start of the delimiter at the end is content.
      const safe = this.#buf.byteLength - (this.#delim.byteLength - 1);
      if (safe > 0) {
        const bytes = this.#buf.slice(0, safe);
        this.#buf = this.#buf.subarray(safe);
        return { bytes };
      }
      if (!(await this.#more())) return null;
    }
  }

  /** After a boundary: `"--"` (the last one) or CRLF and a part's headers. Null at the final boundary. */
  async afterBoundary(maxHeaderBytes: number): Promise<string | null> {
    while (this.#buf.byteLength < 2) {
      if (!(await this.#more())) throw incomplete();
    }
    if (this.#buf[0] === 0x2d && this.#buf[1] === 0x2d) {
      // Whatever follows the closing boundary (an epilogue, usually CRLF) is ignored, but still counted.
      while (await this.#more()) this.#buf = new Uint8Array(0);
      return null;
    }
    // Transport padding (spaces, tabs) may sit between the boundary and its CRLF.
    for (;;) {
      const b = this.#buf;
      let i = 0;
      while (i < b.byteLength && (b[i] === 0x20 || b[i] === 0x09)) i++;
      if (i > 64) throw new UploadError(400, 'bad-part', 'evidence.uploadMalformed');
      if (i + 1 < b.byteLength) {
        if (b[i] !== 0x0d || b[i + 1] !== 0x0a)
          throw new UploadError(400, 'bad-part', 'evidence.uploadMalformed');
        const start = i + 2;
        const end = indexOfCrlfCrlf(b, start);
        if (end !== -1) {
          if (end - start > maxHeaderBytes) throw new UploadError(400, 'bad-part', 'evidence.headerTooLarge');
          this.#buf = b.subarray(end + 4);
          return dec.decode(b.subarray(start, end));
        }
        if (b.byteLength - start > maxHeaderBytes) {
          throw new UploadError(400, 'bad-part', 'evidence.headerTooLarge');
        }
      }
      if (!(await this.#more())) throw incomplete();
    }
  }
}

function indexOfCrlfCrlf(b: Uint8Array, from: number): number {
  // An empty header block: the blank line follows the boundary's CRLF at once.
  if (b[from] === 0x0d && b[from + 1] === 0x0a) return from - 2;
  for (let i = b.indexOf(0x0d, from); i !== -1 && i + 3 < b.byteLength; i = b.indexOf(0x0d, i + 1)) {
    if (b[i + 1] === 0x0a && b[i + 2] === 0x0d && b[i + 3] === 0x0a) return i;
  }
  return -1;
}

const incomplete = () => new UploadError(400, 'incomplete', 'evidence.incomplete');

/**
 * Reads `request` up to its file part and hands the part over as a stream. Refuses (UploadError) what is
 * not multipart/form-data, bodies and files past their limits, more than one file, no file at all.
 */
export async function openFilePart(request: Request, limits: MultipartLimits): Promise<FilePart> {
  const boundary = multipartBoundary(request.headers.get('content-type'));
  if (!boundary) {
    await request.body?.cancel().catch(() => {});
    throw new UploadError(415, 'not-multipart', 'evidence.notMultipart');
  }
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limits.maxBodyBytes) {
    await request.body?.cancel().catch(() => {});
    throw new UploadError(413, 'too-large', 'evidence.uploadTooLarge');
  }
  if (!request.body) throw new UploadError(400, 'no-file', 'evidence.noFile');
  const cut = new Cutter(request.body, boundary, limits.maxBodyBytes);
  let parts = 0;

  const readField = async (fields: Map<string, string>, name: string) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const d = await cut.data();
      if (d === null) throw incomplete();
      if ('end' in d) break;
      size += d.bytes.byteLength;
      if (size > limits.maxFieldBytes)
        throw new UploadError(413, 'field-too-large', 'evidence.fieldTooLarge');
      chunks.push(d.bytes);
    }
    const all = new Uint8Array(size);
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.byteLength;
    }
    fields.set(name, dec.decode(all));
  };

  /** Reads parts until a file part starts (returned) or the body ends (null). */
  const nextFile = async (fields: Map<string, string>): Promise<PartHead | null> => {
    for (;;) {
      const raw = await cut.afterBoundary(limits.maxHeaderBytes);
      if (raw === null) return null;
      if (++parts > limits.maxParts) throw new UploadError(413, 'too-many-parts', 'evidence.tooManyParts');
      const head = parsePartHeaders(raw);
      if (head.filename !== null) return head;
      await readField(fields, head.name);
    }
  };

  try {
    // The preamble (before the first boundary) is skipped.
    for (;;) {
      const d = await cut.data();
      if (d === null) throw new UploadError(400, 'bad-part', 'evidence.uploadMalformed');
      if ('end' in d) break;
    }
    const fields = new Map<string, string>();
    const head = await nextFile(fields);
    if (head === null) throw new UploadError(400, 'no-file', 'evidence.noFile');
    let fileBytes = 0;
    let ended = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const d = await cut.data();
          if (d === null) throw incomplete();
          if ('end' in d) {
            ended = true;
            controller.close();
            return;
          }
          fileBytes += d.bytes.byteLength;
          if (fileBytes > limits.maxFileBytes) {
            throw new UploadError(413, 'file-too-large', 'evidence.fileTooLarge');
          }
          controller.enqueue(d.bytes);
        } catch (err) {
          await cut.cancel();
          controller.error(err);
        }
      },
      cancel: () => cut.cancel(),
    });
    return {
      field: head.name,
      filename: head.filename ?? '',
      body,
      fields,
      async rest() {
        if (!ended) throw new Error('read the file before the rest of the upload');
        try {
          const after = new Map<string, string>();
          if ((await nextFile(after)) !== null) {
            throw new UploadError(400, 'many-files', 'evidence.manyFiles');
          }
          return after;
        } catch (err) {
          await cut.cancel();
          throw err;
        }
      },
    };
  } catch (err) {
    await cut.cancel();
    throw err;
  }
}
