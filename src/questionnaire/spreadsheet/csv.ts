import type { Answers, Evaluation, Questionnaire } from '../types.js';
import { decodeCsv, encodeCsv } from './csv-records.js';
import { formatBytes, resolveLimits, SpreadsheetError, type SpreadsheetLimits } from './errors.js';
import { buildExportModel, type ExportCell, type ExportOptions, effectiveLocale } from './export-model.js';
import { neutralise, restore } from './formula-guard.js';
import {
  asFailure,
  type Cell,
  checkHeader,
  EMPTY,
  type ImportOptions,
  type ImportResult,
  importRows,
  type SheetRow,
} from './import-rows.js';
import { COLUMNS } from './labels.js';

/*
 * CSV layout (format assay-answers/1, RFC 4180, UTF-8 with a byte-order mark so that Excel reads it as
 * UTF-8): overview records "key","value" (format, questionnaire ref, score, band, …), one empty record, then
 * a header record of the machine column ids and one record per question. Every record has the same number
 * of fields; every field is quoted; every text field is neutralised against formula injection.
 */

const BOM = '\uFEFF';

export function exportAnswersCsv(
  q: Questionnaire,
  answers: Answers,
  evaluation: Evaluation,
  opts: ExportOptions,
): string {
  const model = buildExportModel(q, answers, evaluation, opts);
  const width = COLUMNS.length;
  const field = (value: ExportCell) => (value === null ? '' : neutralise(String(value)));
  const pad = (fields: string[]) => [...fields, ...Array<string>(width - fields.length).fill('')];
  const records: string[][] = [];
  for (const entry of model.info) records.push(pad([field(entry.key), field(entry.value)]));
  records.push(pad([]));
  records.push([...COLUMNS]);
  for (const row of model.rows) records.push(COLUMNS.map((id) => field(row.cells[id])));
  return BOM + encodeCsv(records);
}

export interface CsvImportOptions extends ImportOptions {
  limits?: Partial<SpreadsheetLimits>;
}

/**
 * Reads a filled-in CSV export (comma- or semicolon-separated, as Excel saves it in a German locale).
 * Never throws for bad content: a file-level problem comes back as `{ ok: false, error }`.
 */
export function importAnswersCsv(
  q: Questionnaire,
  data: string | Uint8Array,
  opts: CsvImportOptions = {},
): ImportResult {
  try {
    const limits = resolveLimits(opts.limits);
    const text = decodeText(data, limits);
    const { records, headerIndex } = parseWithHeader(text, limits);

    const overview = new Map<string, string>();
    for (const record of records.slice(0, headerIndex)) {
      const key = restore(record[0] ?? '').trim();
      if (key !== '' && !overview.has(key)) overview.set(key, restore(record[1] ?? '').trim());
    }
    checkHeader(q, overview.get('format') ?? null, overview.get('questionnaire') ?? null);
    const locale = effectiveLocale(q, opts.locale ?? overview.get('locale') ?? q.defaultLocale);

    const header = records[headerIndex]!.map((h) => h.trim());
    const duplicate = header.find((h, i) => h !== '' && header.indexOf(h) !== i);
    if (duplicate !== undefined) {
      throw new SpreadsheetError(
        'duplicate-column',
        `The column ${duplicate} appears twice in the header row.`,
      );
    }
    const idAt = header.indexOf('question_id');
    const answerAt = header.indexOf('answer');
    const commentAt = header.indexOf('comment');
    const cell = (record: string[], at: number): Cell => {
      const value = at < 0 ? '' : (record[at] ?? '');
      return value === '' ? EMPTY : { kind: 'text', text: value };
    };
    const rows: SheetRow[] = [];
    for (let i = headerIndex + 1; i < records.length; i++) {
      const record = records[i]!;
      rows.push({
        row: i + 1,
        questionId: cell(record, idAt),
        answer: cell(record, answerAt),
        comment: cell(record, commentAt),
      });
    }
    return { ok: true, ...importRows(q, rows, { locale, context: opts.context }) };
  } catch (error) {
    return asFailure(error);
  }
}

function decodeText(data: string | Uint8Array, limits: SpreadsheetLimits): string {
  if (typeof data === 'string') {
    if (data.length > limits.maxBytes) {
      throw new SpreadsheetError('too-large', `The file is larger than ${formatBytes(limits.maxBytes)}.`);
    }
    return data.startsWith(BOM) ? data.slice(1) : data;
  }
  if (!(data instanceof Uint8Array)) throw new SpreadsheetError('not-bytes', 'No file was received.');
  if (data.byteLength > limits.maxBytes) {
    throw new SpreadsheetError(
      'too-large',
      `The file is ${formatBytes(data.byteLength)}; at most ${formatBytes(limits.maxBytes)} is accepted.`,
    );
  }
  try {
    // ignoreBOM: false strips a leading UTF-8 byte-order mark.
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new SpreadsheetError(
      'bad-encoding',
      'The file is not UTF-8 text. In Excel, save it as "CSV UTF-8 (Comma delimited)" and import it again.',
    );
  }
}

/** Finds the header record, trying a comma first and then a semicolon as the delimiter. */
function parseWithHeader(
  text: string,
  limits: SpreadsheetLimits,
): { records: string[][]; headerIndex: number } {
  let firstError: unknown = null;
  for (const delimiter of [',', ';'] as const) {
    let records: string[][];
    try {
      records = decodeCsv(text, delimiter, limits);
    } catch (error) {
      // Limits do not depend on the delimiter guess; a syntax error might.
      if (error instanceof SpreadsheetError && error.code !== 'bad-csv') throw error;
      firstError ??= error;
      continue;
    }
    const headerIndex = records.findIndex((r) => r.includes('question_id') && r.includes('answer'));
    if (headerIndex >= 0) return { records, headerIndex };
  }
  if (firstError) throw firstError;
  throw new SpreadsheetError(
    'not-an-export',
    'This file is not an Assay answers export: no header row with the columns question_id and answer was found.',
  );
}
