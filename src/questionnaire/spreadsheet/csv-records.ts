import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { SpreadsheetError } from './errors.js';

/*
 * RFC 4180 records through csv-parse and csv-stringify (their sync APIs). Every field is quoted on output (so
 * no delimiter, quote or line break inside a value can ever split a cell), records end in CRLF. The reader
 * is strict about quotes (csv-parse's default: no relax_quotes), because a lenient reader would guess where a
 * damaged file's cells begin and end, and import answers into the wrong questions.
 */

export function encodeCsv(records: readonly (readonly string[])[]): string {
  return stringify(records as string[][], { quoted: true, quoted_empty: true, record_delimiter: 'windows' });
}

export interface CsvLimits {
  maxRows: number;
  maxCells: number;
}

/** What went wrong, in the words of an import message, for csv-parse's error codes. */
const REASONS: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted value is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'text follows the closing quote of a value',
  INVALID_OPENING_QUOTE:
    'a quote appears inside an unquoted value (quote the whole value and double the quote)',
};

/**
 * Parses CSV text into records of fields. Accepts CRLF, LF or CR line ends (mixed, as editors leave them)
 * and a final record with or without a line end; an empty line is a record of one empty field. Throws
 * SpreadsheetError('bad-csv' | 'too-many-rows' | 'too-many-cells') with the record number.
 */
export function decodeCsv(text: string, delimiter: ',' | ';', limits: CsvLimits): string[][] {
  let rows = 0;
  let cells = 0;
  try {
    return parse(text, {
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      skip_empty_lines: false,
      // Counted as records arrive, so a huge file stops at the limit instead of being parsed whole first.
      on_record: (record: string[]) => {
        cells += record.length;
        if (cells > limits.maxCells) {
          throw new SpreadsheetError(
            'too-many-cells',
            `The file has more than ${limits.maxCells} cells, the most that is accepted.`,
          );
        }
        if (++rows > limits.maxRows) {
          throw new SpreadsheetError(
            'too-many-rows',
            `The file has more than ${limits.maxRows} rows, the most that is accepted.`,
          );
        }
        return record;
      },
    }) as string[][];
  } catch (error) {
    if (error instanceof SpreadsheetError) throw error;
    if (error instanceof CsvError) {
      const reason = REASONS[error.code] ?? error.message.replace(/\.$/, '');
      const records = typeof error.records === 'number' ? error.records : rows;
      throw new SpreadsheetError('bad-csv', `The CSV file is malformed at row ${records + 1}: ${reason}.`);
    }
    throw error;
  }
}
