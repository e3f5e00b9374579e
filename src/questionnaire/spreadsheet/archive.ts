import type { SpreadsheetLimits } from './errors.js';

/*
 * The one thing spreadsheet import needs from the runtime: reading a zip archive (an XLSX file) safely. Unzipping
 * needs an inflater with a hard output cap, which is Node's zlib on the server (src/platform/node/
 * questionnaire-zip.ts, on yauzl); a Workers build must pass an implementation of its own (for example on
 * DecompressionStream with a byte counter) or leave XLSX upload off. The domain only asks: is this archive
 * safe, and what are its entries?
 */

export interface ArchiveEntry {
  readonly name: string;
  readonly uncompressedSize: number;
  /** The inflated bytes; never longer than `uncompressedSize`, which the reader has checked. */
  readonly content: Uint8Array;
}

export interface ZipArchiveReader {
  /**
   * Every entry of a zip archive, inflated. Refuses, with a SpreadsheetError, anything that is not a small,
   * plain and honest archive: more entries or unpacked bytes than `limits` allow (`too-many-entries`,
   * `zip-bomb`, checked before inflating and again while inflating, so an entry that lies about its size
   * is stopped at the lie), unsafe or duplicate names and symbolic links (`unsafe-entry`), ZIP64, spanned,
   * encrypted or unknown-method archives (`unsupported-zip`), and overlapping, truncated or mis-checksummed
   * entries (`corrupt-zip`).
   */
  read(bytes: Uint8Array, limits: SpreadsheetLimits): Promise<readonly ArchiveEntry[]>;
}
