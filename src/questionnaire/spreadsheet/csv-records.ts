import { SpreadsheetError } from './errors.js';

/*
 * RFC 4180 by hand: every field is quoted on output (so no delimiter, quote or line break inside a value can
 * ever split a cell), records end in CRLF. The reader is strict about quotes, because a lenient reader would
 * guess where a damaged file's cells begin and end, and import answers into the wrong questions.
 */

export function encodeCsv(records: readonly (readonly string[])[]): string {
  let out = '';
  for (const record of records) {
    out += record.map((field) => `"${field.replaceAll('"', '""')}"`).join(',');
    out += '\r\n';
  }
  return out;
}

export interface CsvLimits {
  maxRows: number;
  maxCells: number;
}

/**
 * Parses CSV text into records of fields. Accepts CRLF, LF or CR line ends and a final record with or without
 * a line end. Throws SpreadsheetError('bad-csv' | 'too-many-rows' | 'too-many-cells') with the record number.
 */
export function decodeCsv(text: string, delimiter: ',' | ';', limits: CsvLimits): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let cells = 0;
  let i = 0;
  const n = text.length;

  const endField = () => {
    record.push(field);
    field = '';
    cells++;
    if (cells > limits.maxCells) {
      throw new SpreadsheetError(
        'too-many-cells',
        `The file has more than ${limits.maxCells} cells, the most that is accepted.`,
      );
    }
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
    if (records.length > limits.maxRows) {
      throw new SpreadsheetError(
        'too-many-rows',
        `The file has more than ${limits.maxRows} rows, the most that is accepted.`,
      );
    }
  };
  const bad = (what: string): never => {
    throw new SpreadsheetError('bad-csv', `The CSV file is malformed at row ${records.length + 1}: ${what}.`);
  };

  while (i < n) {
    const ch = text[i];
    if (ch === '"' && field === '') {
      // Quoted field: runs to the next quote that is not doubled.
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) bad('a quoted value is never closed');
        field += text.slice(i, close);
        if (text[close + 1] === '"') {
          field += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      const next = text[i];
      if (i < n && next !== delimiter && next !== '\r' && next !== '\n') {
        bad('text follows the closing quote of a value');
      }
      // An empty quoted field must still count as a field even though `field` is ''.
      if (next === delimiter) {
        endField();
        i++;
        if (i === n) endRecord();
      } else if (i >= n) {
        endRecord();
      }
      continue;
    }
    if (ch === delimiter) {
      endField();
      i++;
      if (i === n) endRecord();
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else if (ch === '"') {
      bad('a quote appears inside an unquoted value (quote the whole value and double the quote)');
    } else {
      let stop = i + 1;
      while (stop < n) {
        const c = text[stop];
        if (c === delimiter || c === '\r' || c === '\n' || c === '"') break;
        stop++;
      }
      field += text.slice(i, stop);
      i = stop;
    }
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}
