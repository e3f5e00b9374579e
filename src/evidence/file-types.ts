/**
 * What the portal accepts as evidence, decided from the bytes (never the client's Content-Type): each
 * type has its signature, and a few checks catch files that are two things at once (a PDF with a ZIP
 * appended, a PNG that opens as HTML). The bytes stream through an {@link Inspector}, which keeps only
 * the head and a bounded tail (the ZIP central directory lives at the end), so nothing is buffered whole.
 *
 * OOXML (docx, xlsx, pptx) is a ZIP: its central directory is checked before anyone could extract it:
 * entry count, declared and per-entry expansion, overlapping entries (non-recursive bombs), nested
 * archives (42.zip), zip-slip paths, symlinks, encryption, ZIP64; and it must hold the parts its type has.
 */

export interface FileType {
  readonly extension: string;
  readonly mime: string;
  readonly kind: 'pdf' | 'ooxml' | 'text' | 'image';
}

export const FILE_TYPES: Readonly<Record<string, FileType>> = {
  pdf: { extension: 'pdf', mime: 'application/pdf', kind: 'pdf' },
  docx: {
    extension: 'docx',
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    kind: 'ooxml',
  },
  xlsx: {
    extension: 'xlsx',
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    kind: 'ooxml',
  },
  pptx: {
    extension: 'pptx',
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    kind: 'ooxml',
  },
  csv: { extension: 'csv', mime: 'text/csv', kind: 'text' },
  txt: { extension: 'txt', mime: 'text/plain', kind: 'text' },
  png: { extension: 'png', mime: 'image/png', kind: 'image' },
  jpg: { extension: 'jpg', mime: 'image/jpeg', kind: 'image' },
  jpeg: { extension: 'jpeg', mime: 'image/jpeg', kind: 'image' },
};

/** The part each OOXML type must contain. */
const OOXML_MAIN: Readonly<Record<string, string>> = {
  docx: 'word/document.xml',
  xlsx: 'xl/workbook.xml',
  pptx: 'ppt/presentation.xml',
};

export const ZIP_LIMITS = {
  maxEntries: 5000,
  /** Declared uncompressed total. */
  maxUncompressed: 512 * 1024 * 1024,
  /** Expansion ratio allowed for an entry past 1 MiB uncompressed (deflate tops out near 1032). */
  maxRatio: 200,
  /** The central directory is read from the tail we keep; a bigger one is refused. */
  maxCentralDirectory: 1024 * 1024,
};

export type TypeProblem = 'signature' | 'polyglot' | 'markup' | 'not-text' | 'archive' | 'malware';

export class TypeCheckError extends Error {
  constructor(
    readonly problem: TypeProblem,
    detail: string,
  ) {
    super(detail);
    this.name = 'TypeCheckError';
  }
}

const HEAD = 8 * 1024;
const EOCD_MAX = 22 + 0xffff;
const TAIL = ZIP_LIMITS.maxCentralDirectory + EOCD_MAX;
const EICAR = 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE';
const MARKUP = /<(?:script|html|svg|iframe|object|embed|body|!doctype\s+html)[\s/>]/i;

const startsWith = (b: Uint8Array, sig: readonly number[]) => sig.every((x, i) => b[i] === x);
const latin1 = new TextDecoder('latin1');

/**
 * Streams the bytes of one upload, checking as they pass what can be checked early (signature,
 * markup, text validity, the EICAR test signature) and the rest at `finish()`. Throws TypeCheckError.
 */
export class Inspector {
  readonly #type: FileType;
  #head = new Uint8Array(0);
  #headChecked = false;
  #tail: Uint8Array[] = [];
  #tailLength = 0;
  #size = 0;
  #scanCarry = '';
  #text: TextDecoder | null;

  constructor(type: FileType) {
    this.#type = type;
    this.#text = type.kind === 'text' ? new TextDecoder('utf-8', { fatal: true }) : null;
  }

  update(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#size += chunk.byteLength;
    if (this.#head.byteLength < HEAD) {
      const take = chunk.subarray(0, HEAD - this.#head.byteLength);
      const head = new Uint8Array(this.#head.byteLength + take.byteLength);
      head.set(this.#head, 0);
      head.set(take, this.#head.byteLength);
      this.#head = head;
      if (this.#head.byteLength === HEAD) this.#checkHead();
    }
    this.#keepTail(chunk);
    this.#scan(chunk);
    if (this.#text) this.#checkText(chunk, false);
  }

  /** Final checks; returns the content type to store. */
  finish(): FileType {
    if (this.#size === 0) throw new TypeCheckError('signature', 'the file is empty');
    if (!this.#headChecked) this.#checkHead();
    if (this.#text) this.#checkText(new Uint8Array(0), true);
    const tail = this.#tailBytes();
    const zip = this.#type.kind === 'ooxml';
    if (zip) this.#checkZip(tail);
    else if (findEocd(tail, this.#size) !== null) {
      throw new TypeCheckError('polyglot', 'the file is also a ZIP archive');
    }
    return this.#type;
  }

  #checkHead(): void {
    this.#headChecked = true;
    const h = this.#head;
    const t = this.#type;
    const ok =
      t.kind === 'pdf'
        ? startsWith(h, [0x25, 0x50, 0x44, 0x46, 0x2d]) // %PDF-
        : t.kind === 'ooxml'
          ? startsWith(h, [0x50, 0x4b, 0x03, 0x04])
          : t.extension === 'png'
            ? startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
            : t.kind === 'image'
              ? startsWith(h, [0xff, 0xd8, 0xff])
              : !isKnownBinary(h);
    if (!ok) throw new TypeCheckError('signature', `the content is not ${t.extension}`);
    // Markup near the start makes a file something a browser might render (polyglot HTML, SVG).
    if (MARKUP.test(latin1.decode(h.subarray(0, 1024)))) {
      throw new TypeCheckError('markup', 'the file contains HTML or SVG markup');
    }
  }

  #checkText(chunk: Uint8Array, end: boolean): void {
    try {
      const s = this.#text!.decode(chunk, { stream: !end });
      // NUL and control characters other than tab, CR, LF and form feed: not a text file.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what is refused
      if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(s)) {
        throw new TypeCheckError('not-text', 'the file holds binary data');
      }
    } catch (err) {
      if (err instanceof TypeCheckError) throw err;
      throw new TypeCheckError('not-text', 'the file is not UTF-8 text');
    }
  }

  // A stand-in for an antivirus port: the EICAR test signature anywhere in the file.
  #scan(chunk: Uint8Array): void {
    const s = this.#scanCarry + latin1.decode(chunk);
    if (s.includes(EICAR)) throw new TypeCheckError('malware', 'the file matches a malware signature');
    this.#scanCarry = s.slice(-(EICAR.length - 1));
  }

  #keepTail(chunk: Uint8Array): void {
    this.#tail.push(chunk);
    this.#tailLength += chunk.byteLength;
    while (this.#tail.length > 1 && this.#tailLength - this.#tail[0]!.byteLength >= TAIL) {
      this.#tailLength -= this.#tail.shift()!.byteLength;
    }
  }

  #tailBytes(): Uint8Array {
    const all = new Uint8Array(this.#tailLength);
    let off = 0;
    for (const c of this.#tail) {
      all.set(c, off);
      off += c.byteLength;
    }
    return all.subarray(Math.max(0, all.byteLength - TAIL));
  }

  #checkZip(tail: Uint8Array): void {
    const names = inspectZip(tail, this.#size);
    const main = OOXML_MAIN[this.#type.extension]!;
    if (!names.has('[Content_Types].xml') || !names.has(main)) {
      throw new TypeCheckError('signature', `the archive is not a ${this.#type.extension} document`);
    }
  }
}

/** MZ, ELF, PDF, ZIP, GZIP, 7z, RAR, OLE, PNG, JPEG, GIF, Mach-O, WASM: a "text" file starting so is not one. */
function isKnownBinary(h: Uint8Array): boolean {
  const sigs: readonly (readonly number[])[] = [
    [0x4d, 0x5a],
    [0x7f, 0x45, 0x4c, 0x46],
    [0x25, 0x50, 0x44, 0x46],
    [0x50, 0x4b],
    [0x1f, 0x8b],
    [0x37, 0x7a, 0xbc, 0xaf],
    [0x52, 0x61, 0x72, 0x21],
    [0xd0, 0xcf, 0x11, 0xe0],
    [0x89, 0x50, 0x4e, 0x47],
    [0xff, 0xd8, 0xff],
    [0x47, 0x49, 0x46, 0x38],
    [0xcf, 0xfa, 0xed, 0xfe],
    [0x00, 0x61, 0x73, 0x6d],
  ];
  return sigs.some((s) => startsWith(h, s));
}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** The end-of-central-directory record's position in `tail` (whose last byte is the file's last), or null. */
function findEocd(tail: Uint8Array, fileSize: number): number | null {
  const from = tail.byteLength - 22;
  const to = Math.max(0, tail.byteLength - EOCD_MAX);
  for (let i = from; i >= to; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
      // Only a record whose comment runs exactly to the end counts; fileSize keeps the arithmetic honest.
      if (i + 22 + u16(tail, i + 20) === tail.byteLength && fileSize >= 22) return i;
    }
  }
  // Any EOCD signature at all in the last 64 KiB still makes a non-ZIP file suspicious.
  for (let i = from; i >= to; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) return i;
  }
  return null;
}

const NESTED_ARCHIVE = /\.(?:zip|jar|war|ear|apk|7z|rar|gz|tgz|bz2|xz|tar|cab|iso|zst)$/i;

/** Checks a ZIP's central directory (from the tail) and returns its entry names. Throws TypeCheckError. */
export function inspectZip(tail: Uint8Array, fileSize: number): Set<string> {
  const bad = (why: string): never => {
    throw new TypeCheckError('archive', why);
  };
  const e = findEocd(tail, fileSize);
  if (e === null || e + 22 + u16(tail, e + 20) !== tail.byteLength) return bad('no valid end of archive');
  const base = fileSize - tail.byteLength; // file offset of tail[0]
  const disk = u16(tail, e + 4);
  const cdDisk = u16(tail, e + 6);
  const onDisk = u16(tail, e + 8);
  const entries = u16(tail, e + 10);
  const cdSize = u32(tail, e + 12);
  const cdOffset = u32(tail, e + 16);
  if (disk !== 0 || cdDisk !== 0 || onDisk !== entries) bad('multi-part archive');
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) bad('ZIP64 archive');
  if (entries === 0) bad('empty archive');
  if (entries > ZIP_LIMITS.maxEntries) bad(`more than ${ZIP_LIMITS.maxEntries} entries`);
  if (cdSize > ZIP_LIMITS.maxCentralDirectory) bad('central directory too large');
  // No gap and nothing hidden between the directory and its end record.
  if (cdOffset + cdSize !== base + e) bad('data between the directory and its end');
  if (cdOffset < base) bad('central directory too large');
  const names = new Set<string>();
  const spans: { start: number; end: number }[] = [];
  let total = 0;
  let p = cdOffset - base;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let n = 0; n < entries; n++) {
    if (p + 46 > e || u32(tail, p) !== 0x02014b50) bad('broken central directory');
    const madeBy = u16(tail, p + 4);
    const flags = u16(tail, p + 8);
    const method = u16(tail, p + 10);
    const comp = u32(tail, p + 20);
    const uncomp = u32(tail, p + 24);
    const nameLen = u16(tail, p + 28);
    const extraLen = u16(tail, p + 30);
    const commentLen = u16(tail, p + 32);
    const ext = u32(tail, p + 38);
    const local = u32(tail, p + 42);
    if (p + 46 + nameLen > e) bad('broken central directory');
    let name: string;
    try {
      name = decoder.decode(tail.subarray(p + 46, p + 46 + nameLen));
    } catch {
      return bad('entry name is not UTF-8');
    }
    if (flags & 1) bad('encrypted entry');
    if (method !== 0 && method !== 8) bad('unsupported compression');
    if (comp === 0xffffffff || uncomp === 0xffffffff || local === 0xffffffff) bad('ZIP64 entry');
    if (
      name === '' ||
      name.includes('\0') ||
      name.includes('\\') ||
      name.startsWith('/') ||
      /^[A-Za-z]:/.test(name) ||
      name.split('/').includes('..')
    ) {
      bad('entry path escapes the archive');
    }
    if (madeBy >> 8 === 3 && ((ext >>> 16) & 0o170000) === 0o120000) bad('symbolic link entry');
    if (NESTED_ARCHIVE.test(name)) bad('archive inside the archive');
    if (names.has(name)) bad('duplicate entry');
    names.add(name);
    total += uncomp;
    if (total > ZIP_LIMITS.maxUncompressed) bad('expands too much');
    if (uncomp > 1024 * 1024 && uncomp > comp * ZIP_LIMITS.maxRatio) bad('entry expands too much');
    if (method === 0 && uncomp !== comp) bad('stored entry with a size mismatch');
    spans.push({ start: local, end: local + 30 + nameLen + comp });
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (p !== e) bad('broken central directory');
  spans.sort((a, b) => a.start - b.start);
  if (spans[0]!.start !== 0) bad('data before the first entry');
  for (let i = 0; i < spans.length; i++) {
    const next = i + 1 < spans.length ? spans[i + 1]!.start : cdOffset;
    if (spans[i]!.end > next) bad('overlapping entries');
  }
  return names;
}
