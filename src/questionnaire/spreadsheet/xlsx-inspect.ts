import type { ArchiveEntry, ZipArchiveReader } from './archive.js';
import { SpreadsheetError, type SpreadsheetErrorCode, type SpreadsheetLimits } from './errors.js';

/*
 * exceljs hands the whole upload to JSZip, which inflates every entry into memory and only compares the
 * result with the declared size once it is done. A zip bomb (or an entry that lies about its size) would
 * therefore exhaust memory before anything could object. So the upload first goes through a
 * ZipArchiveReader (./archive.ts), which checks the container and inflates each entry with a hard output
 * cap, and then through the checks here on what exceljs will parse (DTDs, rows, cells, the ranges it expands
 * cell by cell). The buffer reaches exceljs only once all of that has passed.
 */

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

const NOT_XLSX =
  'The file is not an Excel workbook (.xlsx). Save it as "Excel Workbook (*.xlsx)" and try again.';

/**
 * Checks an XLSX upload against the limits and returns what it holds. Rejects (a SpreadsheetError) anything
 * that is not a small, plain, honest zip of XML that exceljs can read without expanding it out of bounds.
 */
export async function inspectXlsx(
  bytes: Uint8Array,
  limits: SpreadsheetLimits,
  archive: ZipArchiveReader,
): Promise<InspectedZip> {
  // Password-protected workbooks and old .xls files are OLE compound files, not zips.
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    fail(
      'not-xlsx',
      'The file is a password-protected workbook or an old .xls file. Remove the password and save it as ' +
        '"Excel Workbook (*.xlsx)", then try again.',
    );
  }
  // A workbook starts with its first local header; anything prepended (a script, another file) is refused,
  // because JSZip would silently read past it and shift every offset.
  if (bytes.length < 22 || !startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) fail('not-xlsx', NOT_XLSX);

  const read = await archive.read(bytes, limits);
  const entries: ZipEntryInfo[] = [];
  const worksheets: string[] = [];
  let cells = 0;
  let rangeCells = 0;
  for (const entry of read) {
    entries.push({ name: entry.name, uncompressedSize: entry.uncompressedSize });
    // exceljs reads every part outside xl/media/ as XML text, whatever its extension.
    if (!MEDIA.test(entry.name)) {
      const counted = checkXmlPart(entry, limits);
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
    if (WORKSHEET.test(entry.name)) worksheets.push(entry.name);
  }
  if (worksheets.length > limits.maxSheets) {
    fail(
      'too-many-sheets',
      `The workbook has ${worksheets.length} sheets; at most ${limits.maxSheets} are accepted.`,
    );
  }
  return { entries, worksheets };
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
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
function checkXmlPart(entry: ArchiveEntry, limits: SpreadsheetLimits): { cells: number; rangeCells: number } {
  const name = entry.name;
  const text = new TextDecoder().decode(entry.content);
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
