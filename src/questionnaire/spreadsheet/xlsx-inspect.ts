import { crc32, inflateRawSync } from 'node:zlib';
import {
  formatBytes,
  SpreadsheetError,
  type SpreadsheetErrorCode,
  type SpreadsheetLimits,
} from './errors.js';

/*
 * exceljs hands the whole upload to JSZip, which inflates every entry into memory and only compares the
 * result with the declared size once it is done. A zip bomb (or an entry that lies about its size) would
 * therefore exhaust memory before anything could object. This module reads the zip structure itself and
 * inflates each entry with a hard output cap, so the buffer reaches exceljs only once every entry is known
 * to be small, well-formed and honest about its size.
 *
 * It is deliberately stricter than JSZip: anything JSZip would read differently from us (prepended bytes,
 * ZIP64, overlapping entries, duplicate names) is refused rather than interpreted.
 */

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

export interface ZipEntryInfo {
  name: string;
  uncompressedSize: number;
}

export interface InspectedZip {
  entries: ZipEntryInfo[];
  /** Names of the parts exceljs reads as worksheets. */
  worksheets: string[];
}

function fail(code: SpreadsheetErrorCode, message: string): never {
  throw new SpreadsheetError(code, message);
}

function findEndOfCentralDirectory(data: Buffer): number {
  // The same choice JSZip makes (the last signature in the file); validated strictly afterwards.
  const lowest = Math.max(0, data.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = data.length - EOCD_SIZE; at >= lowest; at--) {
    if (data.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  return -1;
}

function isSafeEntryName(name: string): boolean {
  if (name.length === 0 || name.startsWith('/') || name.includes('\\') || name.includes('\0')) return false;
  return !name.split('/').some((segment) => segment === '..' || segment === '.');
}

/**
 * Checks the zip container of an XLSX upload against the limits and returns what it holds. Throws
 * SpreadsheetError for anything that is not a small, plain, honest zip.
 */
export function inspectXlsxZip(bytes: Uint8Array, limits: SpreadsheetLimits): InspectedZip {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notXlsx =
    'The file is not an Excel workbook (.xlsx). Save it as "Excel Workbook (*.xlsx)" and try again.';
  // Password-protected workbooks and old .xls files are OLE compound files, not zips.
  if (data.length >= 8 && data.readUInt32BE(0) === 0xd0cf11e0 && data.readUInt32BE(4) === 0xa1b11ae1) {
    fail(
      'not-xlsx',
      'The file is a password-protected workbook or an old .xls file. Remove the password and save it as ' +
        '"Excel Workbook (*.xlsx)", then try again.',
    );
  }
  if (data.length < EOCD_SIZE || data.readUInt32LE(0) !== LOCAL_SIGNATURE) fail('not-xlsx', notXlsx);

  const eocd = findEndOfCentralDirectory(data);
  if (eocd < 0) fail('not-xlsx', notXlsx);
  const disk = data.readUInt16LE(eocd + 4);
  const centralDisk = data.readUInt16LE(eocd + 6);
  const entriesOnDisk = data.readUInt16LE(eocd + 8);
  const entryCount = data.readUInt16LE(eocd + 10);
  const centralSize = data.readUInt32LE(eocd + 12);
  const centralOffset = data.readUInt32LE(eocd + 16);
  const commentLength = data.readUInt16LE(eocd + 20);

  if (entryCount === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    fail(
      'unsupported-zip',
      'The workbook uses ZIP64, which a questionnaire export never needs; it was refused.',
    );
  }
  if (disk !== 0 || centralDisk !== 0 || entriesOnDisk !== entryCount) {
    fail('unsupported-zip', 'The workbook is a multi-part (spanned) zip archive; save it again as one file.');
  }
  if (eocd + EOCD_SIZE + commentLength !== data.length || centralOffset + centralSize !== eocd) {
    fail('corrupt-zip', 'The workbook is damaged: its zip directory does not match the file layout.');
  }
  if (entryCount > limits.maxEntries) {
    fail(
      'too-many-entries',
      `The workbook contains ${entryCount} parts; at most ${limits.maxEntries} are accepted.`,
    );
  }

  interface Raw {
    name: string;
    method: number;
    crc: number;
    compressedSize: number;
    uncompressedSize: number;
    localOffset: number;
  }
  const raws: Raw[] = [];
  const names = new Set<string>();
  let declaredTotal = 0;
  let at = centralOffset;
  for (let i = 0; i < entryCount; i++) {
    if (at + CENTRAL_SIZE > eocd || data.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      fail('corrupt-zip', 'The workbook is damaged: its zip directory is truncated.');
    }
    const madeBy = data.readUInt16LE(at + 4);
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const crc = data.readUInt32LE(at + 16);
    const compressedSize = data.readUInt32LE(at + 20);
    const uncompressedSize = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const entryCommentLength = data.readUInt16LE(at + 32);
    const startDisk = data.readUInt16LE(at + 34);
    const externalAttributes = data.readUInt32LE(at + 38);
    const localOffset = data.readUInt32LE(at + 42);
    const end = at + CENTRAL_SIZE + nameLength + extraLength + entryCommentLength;
    if (end > eocd) fail('corrupt-zip', 'The workbook is damaged: its zip directory is truncated.');
    const name = data.toString('utf8', at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength);
    at = end;

    if (!isSafeEntryName(name)) {
      fail('unsafe-entry', `The workbook contains a part with an unsafe name (${JSON.stringify(name)}).`);
    }
    if (names.has(name)) fail('unsafe-entry', `The workbook contains the part ${name} twice.`);
    names.add(name);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      fail(
        'unsupported-zip',
        'The workbook uses ZIP64, which a questionnaire export never needs; it was refused.',
      );
    }
    if (startDisk !== 0) fail('unsupported-zip', 'The workbook is a multi-part (spanned) zip archive.');
    if (flags & 0x1)
      fail('unsupported-zip', 'The workbook is encrypted or password-protected; save it without.');
    if (method !== 0 && method !== 8) {
      fail(
        'unsupported-zip',
        `The workbook part ${name} uses an unsupported compression method (${method}).`,
      );
    }
    // Unix host (3) with the symlink file type in the high bits of the external attributes.
    if (madeBy >> 8 === 3 && ((externalAttributes >>> 16) & 0o170000) === 0o120000) {
      fail('unsafe-entry', `The workbook part ${name} is a symbolic link.`);
    }
    if (uncompressedSize > limits.maxEntryBytes) {
      fail(
        'zip-bomb',
        `The workbook part ${name} unpacks to ${formatBytes(uncompressedSize)}; ` +
          `at most ${formatBytes(limits.maxEntryBytes)} per part is accepted.`,
      );
    }
    declaredTotal += uncompressedSize;
    if (declaredTotal > limits.maxTotalBytes) {
      fail(
        'zip-bomb',
        `The workbook unpacks to more than ${formatBytes(limits.maxTotalBytes)}, the most that is accepted.`,
      );
    }
    if (method === 0 && compressedSize !== uncompressedSize) {
      fail('corrupt-zip', `The workbook is damaged: the stored part ${name} has inconsistent sizes.`);
    }
    raws.push({ name, method, crc, compressedSize, uncompressedSize, localOffset });
  }
  if (at !== eocd) fail('corrupt-zip', 'The workbook is damaged: its zip directory has trailing bytes.');

  // Local headers and their data must sit one after another before the directory, never overlapping:
  // overlapping entries are how the most compact zip bombs reuse one compressed stream many times.
  const byOffset = [...raws].sort((a, b) => a.localOffset - b.localOffset);
  let previousEnd = 0;
  const entries: ZipEntryInfo[] = [];
  const worksheets: string[] = [];
  let cells = 0;
  let rangeCells = 0;
  for (const raw of byOffset) {
    const local = raw.localOffset;
    if (
      local < previousEnd ||
      local + LOCAL_SIZE > centralOffset ||
      data.readUInt32LE(local) !== LOCAL_SIGNATURE
    ) {
      fail('corrupt-zip', `The workbook is damaged: the part ${raw.name} overlaps another or is missing.`);
    }
    const localFlags = data.readUInt16LE(local + 6);
    const localMethod = data.readUInt16LE(local + 8);
    const localNameLength = data.readUInt16LE(local + 26);
    const localExtraLength = data.readUInt16LE(local + 28);
    const localName = data.toString('utf8', local + LOCAL_SIZE, local + LOCAL_SIZE + localNameLength);
    const start = local + LOCAL_SIZE + localNameLength + localExtraLength;
    const end = start + raw.compressedSize;
    if (localName !== raw.name || localMethod !== raw.method || localFlags & 0x1 || end > centralOffset) {
      fail(
        'corrupt-zip',
        `The workbook is damaged: the part ${raw.name} does not match its directory entry.`,
      );
    }
    previousEnd = end;

    const content = inflateEntry(raw.name, raw.method, data.subarray(start, end), raw.uncompressedSize);
    if (crc32(content) !== raw.crc) {
      fail('corrupt-zip', `The workbook is damaged: the part ${raw.name} fails its checksum.`);
    }
    entries.push({ name: raw.name, uncompressedSize: raw.uncompressedSize });
    // exceljs reads every part outside xl/media/ as XML text, whatever its extension.
    if (!MEDIA.test(raw.name)) {
      const counted = checkXmlPart(raw.name, content, limits);
      cells += counted.cells;
      rangeCells += counted.rangeCells;
      if (cells > limits.maxCells) {
        fail(
          'too-many-cells',
          `The workbook has more than ${limits.maxCells} cells, the most that is accepted.`,
        );
      }
      if (rangeCells > limits.maxCells) {
        fail(
          'too-many-cells',
          `The workbook merges, validates or names ranges covering more than ${limits.maxCells} cells, ` +
            'the most that is accepted.',
        );
      }
    }
    if (WORKSHEET.test(raw.name)) worksheets.push(raw.name);
  }
  if (worksheets.length > limits.maxSheets) {
    fail(
      'too-many-sheets',
      `The workbook has ${worksheets.length} sheets; at most ${limits.maxSheets} are accepted.`,
    );
  }
  return { entries, worksheets };
}

function inflateEntry(name: string, method: number, compressed: Buffer, declaredSize: number): Buffer {
  if (method === 0) return compressed;
  let out: Buffer;
  try {
    // One byte of head-room so that a stream longer than declared is caught as such, not as truncation.
    out = inflateRawSync(compressed, { maxOutputLength: declaredSize + 1 });
  } catch (error) {
    if (error instanceof RangeError) {
      fail(
        'zip-bomb',
        `The workbook part ${name} unpacks to more than the ${formatBytes(declaredSize)} it declares.`,
      );
    }
    fail('corrupt-zip', `The workbook is damaged: the part ${name} cannot be unpacked.`);
  }
  if (out.length !== declaredSize) {
    fail('corrupt-zip', `The workbook is damaged: the part ${name} does not unpack to its declared size.`);
  }
  return out;
}

// The same unanchored patterns exceljs uses to route parts (lib/xlsx/xlsx.js), so that nothing exceljs
// would parse as a worksheet escapes the row and cell counts.
const WORKSHEET = /xl\/worksheets\/sheet\d+[.]xml/;
const MEDIA = /xl\/media\//;
const DTD = /<!(DOCTYPE|ENTITY)/i;

/*
 * exceljs expands some ranges cell by cell while loading: merged ranges, data-validation ranges, defined names
 * (lib/doc/worksheet.js _mergeCellsInternal, data-validations-xform.js, defined-names.js) and <col min max>
 * definitions (column.js fromModel). One `<mergeCell ref="A1:XFD1048576"/>` is 17 billion iterations, so those
 * ranges are measured here, generously, before exceljs sees them.
 */
const MAX_COLUMN = 16_384;
const MAX_ROW = 1_048_576;

/**
 * Refuses DTDs (entity expansion), counts rows and cells of worksheets, and measures ranges exceljs expands.
 * Uploaded XML is read with one linear scan over its tags, never with regular expressions that could
 * backtrack over a crafted part (a megabyte of unterminated `<mergeCell ` would make such a scan quadratic).
 */
function checkXmlPart(
  name: string,
  content: Buffer,
  limits: SpreadsheetLimits,
): { cells: number; rangeCells: number } {
  const text = content.toString('utf8');
  if (DTD.test(text)) {
    fail('unsafe-xml', `The workbook part ${name} declares a DTD or entities, which is refused.`);
  }
  const workbook = name === 'xl/workbook.xml';
  const worksheet = WORKSHEET.test(name);
  if (!workbook && !worksheet) return { cells: 0, rangeCells: 0 };

  let rows = 0;
  let cells = 0;
  let rangeCells = 0;
  const addRanges = (list: string | undefined) => {
    for (const token of (list ?? '').split(/[\s,]+/)) {
      if (token !== '') rangeCells += rangeArea(token.slice(token.lastIndexOf('!') + 1));
    }
  };
  eachStartTag(text, (element, tag, end) => {
    if (workbook) {
      if (element === 'definedName') {
        const close = text.indexOf('<', end + 1);
        addRanges(text.slice(end + 1, close < 0 ? text.length : close));
      }
      return;
    }
    switch (element) {
      case 'row':
        rows++;
        break;
      case 'c':
        cells++;
        break;
      case 'col': {
        const max = attributes(tag).get('max')?.trim();
        if (max !== undefined && !(/^\d{1,5}$/.test(max) && Number(max) <= MAX_COLUMN)) {
          fail(
            'too-many-cells',
            'A sheet of the workbook defines columns beyond the last one a spreadsheet has (XFD).',
          );
        }
        break;
      }
      case 'mergeCell':
        addRanges(attributes(tag).get('ref'));
        break;
      case 'dataValidation':
        addRanges(attributes(tag).get('sqref'));
        break;
    }
  });
  if (rows > limits.maxRows) {
    fail(
      'too-many-rows',
      `A sheet of the workbook has ${rows} rows; at most ${limits.maxRows} are accepted.`,
    );
  }
  return { cells, rangeCells };
}

const NAME_CHAR = /[\w:.-]/;

/** Visits every start or empty-element tag with its local name (prefix dropped), its text and where it ends. */
function eachStartTag(text: string, visit: (element: string, tag: string, end: number) => void): void {
  let start = text.indexOf('<');
  while (start >= 0) {
    const end = text.indexOf('>', start + 1);
    if (end < 0) return;
    const tag = text.slice(start + 1, end);
    let n = 0;
    while (n < tag.length && NAME_CHAR.test(tag[n]!)) n++;
    if (n > 0) {
      const qualified = tag.slice(0, n);
      visit(qualified.slice(qualified.lastIndexOf(':') + 1), tag, end);
    }
    start = text.indexOf('<', end + 1);
  }
}

/** The attributes of one tag, read in a single pass (names keep any prefix; values are not entity-decoded). */
export function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < tag.length) {
    const eq = tag.indexOf('=', i);
    if (eq < 0) break;
    let nameEnd = eq;
    while (nameEnd > i && tag[nameEnd - 1] === ' ') nameEnd--;
    let nameStart = nameEnd;
    while (nameStart > i && NAME_CHAR.test(tag[nameStart - 1]!)) nameStart--;
    let q = eq + 1;
    while (q < tag.length && /\s/.test(tag[q]!)) q++;
    const quote = tag[q];
    if (quote !== '"' && quote !== "'") {
      i = q; // an unquoted value: whatever follows may start the next attribute
      continue;
    }
    const close = tag.indexOf(quote, q + 1);
    if (close < 0) break;
    const key = tag.slice(nameStart, nameEnd);
    if (key !== '' && !out.has(key)) out.set(key, tag.slice(q + 1, close));
    i = close + 1;
  }
  return out;
}

/** Column number of "A".."XFD" (any length, so absurd references measure as absurdly large). */
function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/**
 * Cells an A1-style reference covers: "B2" is 1, "A1:C3" is 9, a whole column "B:B" or a whole row "2:2"
 * covers the full height or width. Anything unreadable counts as nothing (exceljs cannot expand it either).
 */
export function rangeArea(token: string): number {
  const ends = token.trim().split(':');
  if (ends.length > 2) return Number.POSITIVE_INFINITY;
  const refs = ends.map((end) => /^\$?([A-Za-z]*)\$?(\d*)$/.exec(end));
  if (refs.some((r) => r === null || (r[1] === '' && r[2] === ''))) return 0;
  if (refs.length === 1) return 1;
  const [a, b] = refs as [RegExpExecArray, RegExpExecArray];
  const columns =
    a[1] === '' || b[1] === '' ? MAX_COLUMN : Math.abs(columnNumber(a[1]!) - columnNumber(b[1]!)) + 1;
  const rows = a[2] === '' || b[2] === '' ? MAX_ROW : Math.abs(Number(a[2]) - Number(b[2])) + 1;
  return columns * rows;
}
