/**
 * A file-level problem with an imported spreadsheet: the whole file is refused and nothing is imported.
 * Row-level problems are not errors; they are reported as rejections next to the accepted answers.
 */
export type SpreadsheetErrorCode =
  | 'not-bytes'
  | 'too-large'
  | 'not-xlsx'
  | 'corrupt-zip'
  | 'unsupported-zip'
  | 'zip-bomb'
  | 'too-many-entries'
  | 'unsafe-entry'
  | 'unsafe-xml'
  | 'too-many-sheets'
  | 'too-many-rows'
  | 'too-many-cells'
  | 'not-an-export'
  | 'unsupported-format'
  | 'missing-questionnaire-ref'
  | 'other-questionnaire'
  | 'other-version'
  | 'missing-column'
  | 'duplicate-column'
  | 'bad-encoding'
  | 'bad-csv';

export class SpreadsheetError extends Error {
  override readonly name = 'SpreadsheetError';
  constructor(
    readonly code: SpreadsheetErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Bounds on what an import will even look at; every one is checked before the expensive step it protects. */
export interface SpreadsheetLimits {
  /** Size of the uploaded file, checked before any parsing. */
  maxBytes: number;
  /** Entries in the zip central directory. */
  maxEntries: number;
  /** Uncompressed size of any one zip entry. */
  maxEntryBytes: number;
  /** Uncompressed size of all zip entries together (exceljs inflates every entry into memory). */
  maxTotalBytes: number;
  maxSheets: number;
  /** Rows per sheet (XLSX) or records (CSV). */
  maxRows: number;
  /** Cells in the whole workbook, or fields in the whole CSV file. */
  maxCells: number;
}

export const DEFAULT_SPREADSHEET_LIMITS: Readonly<SpreadsheetLimits> = Object.freeze({
  maxBytes: 5 * 1024 * 1024,
  maxEntries: 200,
  maxEntryBytes: 16 * 1024 * 1024,
  maxTotalBytes: 40 * 1024 * 1024,
  maxSheets: 16,
  maxRows: 10_000,
  maxCells: 100_000,
});

export function resolveLimits(overrides: Partial<SpreadsheetLimits> | undefined): SpreadsheetLimits {
  const limits = { ...DEFAULT_SPREADSHEET_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`spreadsheet limit ${key} must be a positive integer`);
    }
  }
  return limits;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
