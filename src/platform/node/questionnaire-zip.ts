import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { ArchiveEntry, ZipArchiveReader } from '../../questionnaire/spreadsheet/archive.js';
import {
  formatBytes,
  SpreadsheetError,
  type SpreadsheetErrorCode,
  type SpreadsheetLimits,
} from '../../questionnaire/spreadsheet/errors.js';

/*
 * The Node implementation of ZipArchiveReader (src/questionnaire/spreadsheet/archive.ts) on yauzl. yauzl reads
 * the central directory, refuses absolute and `..` names and backslashes (strictFileNames), and, with
 * validateEntrySizes, fails an entry's stream as soon as it inflates past its declared size, so a lying
 * entry costs at most one chunk of memory beyond what it declared.
 *
 * It is deliberately stricter than JSZip (which exceljs uses afterwards) and than yauzl's defaults: anything
 * JSZip might read differently from us is refused rather than interpreted. yauzl accepts some of that, so
 * these checks are ours: the end-of-directory record must describe exactly this file (no prepended bytes,
 * no second directory, not spanned, not ZIP64, which yauzl would follow); names are unique and have no `.`
 * segments; no symbolic links; local headers agree with the directory and never overlap (overlapping
 * entries are how the most compact zip bombs reuse one compressed stream many times); checksums hold
 * (yauzl does not check CRC-32).
 */

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_FIELD = 0x0001;

function fail(code: SpreadsheetErrorCode, message: string): never {
  throw new SpreadsheetError(code, message);
}

const NOT_XLSX =
  'The file is not an Excel workbook (.xlsx). Save it as "Excel Workbook (*.xlsx)" and try again.';
const ZIP64 = 'The workbook uses ZIP64, which a questionnaire export never needs; it was refused.';

interface Directory {
  entryCount: number;
  centralSize: number;
  centralOffset: number;
}

/** The end-of-central-directory record, checked to describe this file and nothing more. */
function endOfDirectory(data: Buffer): Directory {
  // The same choice JSZip and yauzl make (the last signature in the file); validated strictly afterwards.
  const lowest = Math.max(0, data.length - EOCD_SIZE - MAX_COMMENT);
  let eocd = -1;
  for (let at = data.length - EOCD_SIZE; at >= lowest; at--) {
    if (data.readUInt32LE(at) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('not-xlsx', NOT_XLSX);
  const disk = data.readUInt16LE(eocd + 4);
  const centralDisk = data.readUInt16LE(eocd + 6);
  const entriesOnDisk = data.readUInt16LE(eocd + 8);
  const entryCount = data.readUInt16LE(eocd + 10);
  const centralSize = data.readUInt32LE(eocd + 12);
  const centralOffset = data.readUInt32LE(eocd + 16);
  const commentLength = data.readUInt16LE(eocd + 20);
  if (entryCount === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    fail('unsupported-zip', ZIP64);
  }
  if (disk !== 0 || centralDisk !== 0 || entriesOnDisk !== entryCount) {
    fail('unsupported-zip', 'The workbook is a multi-part (spanned) zip archive; save it again as one file.');
  }
  if (eocd + EOCD_SIZE + commentLength !== data.length || centralOffset + centralSize !== eocd) {
    fail('corrupt-zip', 'The workbook is damaged: its zip directory does not match the file layout.');
  }
  return { entryCount, centralSize, centralOffset };
}

function isSafeEntryName(name: string): boolean {
  if (name.length === 0 || name.startsWith('/') || name.includes('\\') || name.includes('\0')) return false;
  return !name.split('/').some((segment) => segment === '..' || segment === '.');
}

/** yauzl reports problems as plain Errors; these are the ones a hostile or damaged upload can cause. */
function translate(error: unknown, entry: yauzl.Entry | null): SpreadsheetError {
  if (error instanceof SpreadsheetError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const part = entry ? ` ${entry.fileName}` : '';
  if (/^(invalid characters in fileName|absolute path|invalid relative path): (.*)$/s.test(message)) {
    const name = message.slice(message.indexOf(': ') + 2);
    return new SpreadsheetError(
      'unsafe-entry',
      `The workbook contains a part with an unsafe name (${JSON.stringify(name)}).`,
    );
  }
  if (message.startsWith('too many bytes in the stream') && entry) {
    return new SpreadsheetError(
      'zip-bomb',
      `The workbook part ${entry.fileName} unpacks to more than the ${formatBytes(entry.uncompressedSize)} it declares.`,
    );
  }
  if (message.startsWith('not enough bytes in the stream')) {
    return new SpreadsheetError(
      'corrupt-zip',
      `The workbook is damaged: the part${part} does not unpack to its declared size.`,
    );
  }
  if (message.startsWith('compressed/uncompressed size mismatch for stored file')) {
    return new SpreadsheetError(
      'corrupt-zip',
      'The workbook is damaged: a stored part has inconsistent sizes.',
    );
  }
  if (message.includes('central directory file header signature') || message === 'unexpected EOF') {
    return new SpreadsheetError('corrupt-zip', 'The workbook is damaged: its zip directory is truncated.');
  }
  if (message.includes('encryption')) {
    return new SpreadsheetError(
      'unsupported-zip',
      'The workbook is encrypted or password-protected; save it without.',
    );
  }
  if (
    (error as { errno?: unknown }).errno !== undefined ||
    /invalid|incorrect|unexpected end/i.test(message)
  ) {
    // zlib's own errors: a deflate stream that cannot be decoded.
    return new SpreadsheetError(
      'corrupt-zip',
      `The workbook is damaged: the part${part} cannot be unpacked.`,
    );
  }
  return new SpreadsheetError('corrupt-zip', `The workbook is damaged: ${message}.`);
}

function open(data: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      data,
      {
        lazyEntries: true,
        autoClose: false,
        strictFileNames: true,
        validateEntrySizes: true,
        decodeStrings: true,
      },
      (error, zip) => (error ? reject(error) : resolve(zip)),
    );
  });
}

function directoryEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      out.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(out));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function localHeader(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<yauzl.LocalFileHeader> {
  return new Promise((resolve, reject) => {
    zip.readLocalFileHeader(entry, (error, header) => (error ? reject(error) : resolve(header)));
  });
}

function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error) return reject(error);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', reject);
      stream.once('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

async function read(bytes: Uint8Array, limits: SpreadsheetLimits): Promise<ArchiveEntry[]> {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const directory = endOfDirectory(data);
  if (directory.entryCount > limits.maxEntries) {
    fail(
      'too-many-entries',
      `The workbook contains ${directory.entryCount} parts; at most ${limits.maxEntries} are accepted.`,
    );
  }
  let current: yauzl.Entry | null = null;
  let zip: yauzl.ZipFile | null = null;
  try {
    zip = await open(data);
    const listed = await directoryEntries(zip);
    checkDirectory(listed, directory, limits);

    const byOffset = [...listed].sort(
      (a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader,
    );
    const out: ArchiveEntry[] = [];
    let previousEnd = 0;
    for (const entry of byOffset) {
      current = entry;
      const local = await localHeader(zip, entry);
      const end = local.fileDataStart + entry.compressedSize;
      if (entry.relativeOffsetOfLocalHeader < previousEnd || end > directory.centralOffset) {
        fail(
          'corrupt-zip',
          `The workbook is damaged: the part ${entry.fileName} overlaps another or is missing.`,
        );
      }
      if (
        !local.fileName.equals(entry.fileNameRaw) ||
        local.compressionMethod !== entry.compressionMethod ||
        local.generalPurposeBitFlag & 0x1
      ) {
        fail(
          'corrupt-zip',
          `The workbook is damaged: the part ${entry.fileName} does not match its directory entry.`,
        );
      }
      previousEnd = end;
      const content = await inflate(zip, entry);
      if (crc32(content) !== entry.crc32) {
        fail('corrupt-zip', `The workbook is damaged: the part ${entry.fileName} fails its checksum.`);
      }
      out.push({ name: entry.fileName, uncompressedSize: entry.uncompressedSize, content });
    }
    return out;
  } catch (error) {
    throw translate(error, current);
  } finally {
    zip?.close();
  }
}

/** Checks on the directory as a whole and on each entry, before anything is inflated. */
function checkDirectory(
  entries: readonly yauzl.Entry[],
  directory: Directory,
  limits: SpreadsheetLimits,
): void {
  // yauzl stops after the announced number of entries; bytes left in the directory mean a second listing.
  const listedSize = entries.reduce(
    (n, e) => n + CENTRAL_SIZE + e.fileNameLength + e.extraFieldLength + e.fileCommentLength,
    0,
  );
  if (listedSize !== directory.centralSize) {
    fail('corrupt-zip', 'The workbook is damaged: its zip directory has trailing bytes.');
  }
  const names = new Set<string>();
  let declaredTotal = 0;
  for (const entry of entries) {
    const name = entry.fileName;
    if (!isSafeEntryName(name)) {
      fail('unsafe-entry', `The workbook contains a part with an unsafe name (${JSON.stringify(name)}).`);
    }
    if (names.has(name)) fail('unsafe-entry', `The workbook contains the part ${name} twice.`);
    names.add(name);
    if (
      entry.extraFields.some((f) => f.id === ZIP64_EXTRA_FIELD) ||
      entry.compressedSize === 0xffffffff ||
      entry.uncompressedSize === 0xffffffff ||
      entry.relativeOffsetOfLocalHeader === 0xffffffff
    ) {
      fail('unsupported-zip', ZIP64);
    }
    if (entry.generalPurposeBitFlag & 0x1) {
      fail('unsupported-zip', 'The workbook is encrypted or password-protected; save it without.');
    }
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      fail(
        'unsupported-zip',
        `The workbook part ${name} uses an unsupported compression method (${entry.compressionMethod}).`,
      );
    }
    // Unix host (3) with the symlink file type in the high bits of the external attributes.
    if (entry.versionMadeBy >> 8 === 3 && ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000) {
      fail('unsafe-entry', `The workbook part ${name} is a symbolic link.`);
    }
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      fail(
        'zip-bomb',
        `The workbook part ${name} unpacks to ${formatBytes(entry.uncompressedSize)}; ` +
          `at most ${formatBytes(limits.maxEntryBytes)} per part is accepted.`,
      );
    }
    declaredTotal += entry.uncompressedSize;
    if (declaredTotal > limits.maxTotalBytes) {
      fail(
        'zip-bomb',
        `The workbook unpacks to more than ${formatBytes(limits.maxTotalBytes)}, the most that is accepted.`,
      );
    }
  }
}

/** Spreadsheet import on Node: pass as `archive` to importAnswersXlsx. */
export const nodeZipArchive: ZipArchiveReader = { read };
