import ExcelJS from 'exceljs';
import type { Answers, Evaluation, Questionnaire } from '../types.js';
import type { ZipArchiveReader } from './archive.js';
import { formatBytes, resolveLimits, SpreadsheetError, type SpreadsheetLimits } from './errors.js';
import {
  buildExportModel,
  type ExportCell,
  type ExportModel,
  type ExportOptions,
  effectiveLocale,
} from './export-model.js';
import { neutralise, restore } from './formula-guard.js';
import {
  asFailure,
  type Cell,
  cellText,
  checkHeader,
  EMPTY,
  type ImportOptions,
  type ImportResult,
  importRows,
  type SheetRow,
} from './import-rows.js';
import { COLUMNS, type ColumnId, SPREADSHEET_LANGUAGES, wordsFor } from './labels.js';
import { inspectXlsx } from './xlsx-inspect.js';

export type { ExportOptions } from './export-model.js';
export type { ImportOptions, ImportReport, ImportResult, Rejection } from './import-rows.js';

/*
 * XLSX layout (format assay-answers/1):
 *   Overview  hidden column A = machine key, B = label, C = value (questionnaire ref, score, band, …)
 *   Answers   hidden column A = question id (the import key), hidden row 1 = machine column ids,
 *             row 2 = headers in the export's language, one row per question from row 3 on
 *   Lists     hidden; the option labels the answer cells' drop-down lists point at
 * Import finds sheets, rows and columns by the hidden machine ids, so translated headers, re-ordered rows or
 * re-ordered columns do not matter.
 */

const KEY = 'key';
const LISTS = 'Lists';
const DATA_FIRST_ROW = 3;

const WIDTHS: Record<ColumnId, number> = {
  section_id: 10,
  section_title: 22,
  question_id: 24,
  question: 60,
  type: 16,
  allowed_values: 32,
  answer: 32,
  answer_value: 20,
  comment: 40,
  evidence_names: 28,
  evidence_sha256: 24,
  visible: 9,
  required: 9,
  score: 10,
  weight: 8,
  findings: 36,
};
const WRAPPED = new Set<ColumnId>([
  'question',
  'allowed_values',
  'answer',
  'comment',
  'findings',
  'evidence_names',
]);

/** Writes an exported value; text always goes through `neutralise`, and nothing is ever a formula. */
function put(cell: ExcelJS.Cell, value: ExportCell): void {
  cell.value =
    value === null ? null : typeof value === 'number' ? value : escapeXstring(fitCell(neutralise(value)));
}

/** Excel's limit on the text of one cell; longer text makes it report the file as damaged. */
const CELL_MAX = 32_767;
/** Ends a text that was cut to fit a cell; import refuses such a cell rather than store the cut text. */
const TRUNCATION_MARK = ' [… cut to fit a spreadsheet cell; the full text is in the portal]';

function fitCell(text: string): string {
  if (text.length <= CELL_MAX) return text;
  let cut = CELL_MAX - TRUNCATION_MARK.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // never split a surrogate pair
  return text.slice(0, cut) + TRUNCATION_MARK;
}

/** Excel refuses data-validation messages longer than this. */
const MESSAGE_MAX = 225;
const message = (text: string) => (text.length <= MESSAGE_MAX ? text : `${text.slice(0, MESSAGE_MAX - 1)}…`);

/**
 * OOXML text cannot carry a CR (XML turns it into LF) or most control characters (exceljs drops them), and
 * spreadsheet programs decode `_xHHHH_` in cell text as the character HHHH, so "_x003D_1+1" would show as
 * "=1+1" past the neutralising check. The format's own escape covers all three: such characters are written
 * as `_xHHHH_`, and a literal `_xHHHH_` gets its underscore escaped as `_x005F_`. Excel and exceljs decode it.
 */
function escapeXstring(text: string): string {
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, '_x005F_x$1_').replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\x00-\x08\x0B-\x1F\x7F]/g,
    (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
  );
}

export async function exportAnswersXlsx(
  q: Questionnaire,
  answers: Answers,
  evaluation: Evaluation,
  opts: ExportOptions,
): Promise<Uint8Array> {
  const model = buildExportModel(q, answers, evaluation, opts);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Assay';
  const created = opts.meta?.exportedAt === undefined ? null : new Date(opts.meta.exportedAt);
  if (created && !Number.isNaN(created.getTime())) workbook.created = created;
  await writeOverview(workbook, model);
  await writeAnswers(workbook, model);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

const GUARD: Partial<ExcelJS.WorksheetProtection> = {
  selectLockedCells: true,
  selectUnlockedCells: true,
  formatColumns: true,
  formatRows: true,
  autoFilter: true,
};

async function writeOverview(workbook: ExcelJS.Workbook, model: ExportModel): Promise<void> {
  const sheet = workbook.addWorksheet(model.words.sheets.overview);
  sheet.columns = [{ width: 4, hidden: true }, { width: 26 }, { width: 90 }];
  for (const entry of model.info) {
    const row = sheet.addRow([]);
    put(row.getCell(1), entry.key);
    put(row.getCell(2), entry.label);
    put(row.getCell(3), entry.value);
    row.getCell(2).font = { bold: true };
    row.getCell(3).alignment = { wrapText: true, vertical: 'top' };
  }
  // Nothing here is for the vendor to change, least of all the questionnaire ref the import checks.
  await sheet.protect('', GUARD);
}

async function writeAnswers(workbook: ExcelJS.Workbook, model: ExportModel): Promise<void> {
  const sheet = workbook.addWorksheet(model.words.sheets.answers, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 2 }],
  });
  const lists = workbook.addWorksheet(LISTS, { state: 'hidden' });
  sheet.columns = [
    { key: KEY, width: 4, hidden: true },
    ...COLUMNS.map((id) => ({
      key: id,
      width: WIDTHS[id],
      style: WRAPPED.has(id)
        ? { alignment: { wrapText: true, vertical: 'top' as const } }
        : { alignment: { vertical: 'top' as const } },
    })),
  ];
  const machine = sheet.getRow(1);
  machine.values = [KEY, ...COLUMNS];
  machine.hidden = true;
  const header = sheet.getRow(2);
  header.values = ['', ...COLUMNS.map((id) => model.words.columns[id])];
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', wrapText: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EDF2' } };

  const answerColumn = COLUMNS.indexOf('answer') + 2;
  const commentColumn = COLUMNS.indexOf('comment') + 2;
  let listColumn = 0;
  model.rows.forEach((exportRow, i) => {
    const row = sheet.getRow(DATA_FIRST_ROW + i);
    put(row.getCell(1), exportRow.question.id);
    COLUMNS.forEach((id, c) => {
      put(row.getCell(c + 2), exportRow.cells[id]);
    });

    const answer = row.getCell(answerColumn);
    const comment = row.getCell(commentColumn);
    comment.protection = { locked: false };
    if (!exportRow.answerEditable) {
      const hint = exportRow.question.context ? model.words.hints.context : model.words.hints.file;
      answer.dataValidation = {
        type: 'textLength',
        operator: 'equal',
        formulae: [0],
        showInputMessage: true,
        showErrorMessage: true,
        prompt: message(hint),
        error: message(hint),
      };
      return;
    }
    answer.protection = { locked: false };
    const { question } = exportRow;
    const labels = exportRow.choices;
    if (labels && labels.length > 0) {
      listColumn++;
      labels.forEach((label, r) => {
        put(lists.getCell(r + 1, listColumn), label);
      });
      const letter = lists.getColumn(listColumn).letter;
      answer.dataValidation = {
        type: 'list',
        allowBlank: true,
        formulae: [`${LISTS}!$${letter}$1:$${letter}$${labels.length}`],
        showErrorMessage: true,
        errorStyle: 'warning',
        error: message(String(exportRow.cells.allowed_values)),
      };
    } else if (question.type === 'multi') {
      answer.dataValidation = {
        type: 'custom',
        allowBlank: true,
        formulae: ['TRUE'],
        showInputMessage: true,
        prompt: message(model.words.hints.multi),
      };
    } else if (question.type === 'number' && (question.min !== null || question.max !== null)) {
      const both = question.min !== null && question.max !== null;
      answer.dataValidation = {
        type: 'decimal',
        allowBlank: true,
        operator: both ? 'between' : question.min !== null ? 'greaterThanOrEqual' : 'lessThanOrEqual',
        formulae: both ? [question.min, question.max] : [question.min ?? question.max],
        showInputMessage: true,
        showErrorMessage: true,
        prompt: message(String(exportRow.cells.allowed_values)),
        error: message(String(exportRow.cells.allowed_values)),
      };
    } else if (question.type === 'text' && question.maxLength !== null) {
      answer.dataValidation = {
        type: 'textLength',
        allowBlank: true,
        operator: 'lessThanOrEqual',
        formulae: [question.maxLength],
        showInputMessage: true,
        showErrorMessage: true,
        prompt: message(String(exportRow.cells.allowed_values)),
        error: message(String(exportRow.cells.allowed_values)),
      };
    } else if (question.type === 'date') {
      answer.dataValidation = {
        type: 'custom',
        allowBlank: true,
        formulae: ['TRUE'],
        showInputMessage: true,
        prompt: message(model.words.hints.date),
      };
    }
  });
  sheet.autoFilter = { from: { row: 2, column: 2 }, to: { row: 2, column: COLUMNS.length + 1 } };
  // Protection keeps the vendor's edits in the Answer and Comment cells; it is a guard against slips,
  // not a security boundary (import trusts no cell because of it).
  await sheet.protect('', GUARD);
}

// ---- import --------------------------------------------------------------------------------------------

export interface XlsxImportOptions extends ImportOptions {
  /** Reads the upload's zip container safely; on Node, `nodeZipArchive` from src/platform/node/questionnaire-zip.ts. */
  archive: ZipArchiveReader;
  limits?: Partial<SpreadsheetLimits>;
}

/**
 * Reads a filled-in answers export. Never throws for bad content: a file-level problem comes back as
 * `{ ok: false, error }`, row-level problems as `rejected` next to the accepted answers.
 */
export async function importAnswersXlsx(
  q: Questionnaire,
  data: Uint8Array,
  opts: XlsxImportOptions,
): Promise<ImportResult> {
  try {
    const limits = resolveLimits(opts.limits);
    if (!(data instanceof Uint8Array)) {
      throw new SpreadsheetError('not-bytes', 'No file was received.');
    }
    if (data.byteLength > limits.maxBytes) {
      throw new SpreadsheetError(
        'too-large',
        `The file is ${formatBytes(data.byteLength)}; at most ${formatBytes(limits.maxBytes)} is accepted.`,
      );
    }
    await inspectXlsx(data, limits, opts.archive);
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.load(Buffer.from(data.buffer, data.byteOffset, data.byteLength) as never);
    } catch {
      throw new SpreadsheetError('not-xlsx', 'The file could not be read as an Excel workbook (.xlsx).');
    }
    if (workbook.worksheets.length > limits.maxSheets) {
      throw new SpreadsheetError(
        'too-many-sheets',
        `The workbook has ${workbook.worksheets.length} sheets; at most ${limits.maxSheets} are accepted.`,
      );
    }
    const overview = readOverview(workbook);
    checkHeader(q, overview.get('format') ?? null, overview.get('questionnaire') ?? null);
    const locale = effectiveLocale(q, opts.locale ?? overview.get('locale') ?? q.defaultLocale);
    const rows = readAnswerRows(workbook, limits);
    return { ok: true, ...importRows(q, rows, { locale, context: opts.context }) };
  } catch (error) {
    return asFailure(error);
  }
}

function readCell(cell: ExcelJS.Cell): Cell {
  if (cell.type === ExcelJS.ValueType.Merge) return { kind: 'merged' };
  const value = cell.value;
  if (cell.type === ExcelJS.ValueType.Formula) {
    const v = value as { formula?: string; sharedFormula?: string };
    return { kind: 'formula', text: `=${v.formula ?? v.sharedFormula ?? ''}` };
  }
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'string') {
    if (value === '') return EMPTY;
    return value.endsWith(TRUNCATION_MARK) ? { kind: 'truncated' } : { kind: 'text', text: value };
  }
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (value instanceof Date) return { kind: 'date', value };
  if (typeof value === 'object') {
    if ('error' in value) return { kind: 'error', text: String(value.error) };
    if ('richText' in value) return { kind: 'text', text: value.richText.map((r) => r.text).join('') };
    if ('text' in value) {
      const text = value.text as unknown;
      if (typeof text === 'string') return { kind: 'text', text };
      if (text && typeof text === 'object' && 'richText' in text) {
        return {
          kind: 'text',
          text: (text as ExcelJS.CellRichTextValue).richText.map((r) => r.text).join(''),
        };
      }
    }
  }
  return { kind: 'error', text: '(unreadable cell)' };
}

function machineText(cell: ExcelJS.Cell): string {
  const read = readCell(cell);
  return read.kind === 'text' ? restore(read.text).trim() : '';
}

function readOverview(workbook: ExcelJS.Workbook): Map<string, string> {
  for (const sheet of workbook.worksheets) {
    const values = new Map<string, string>();
    sheet.eachRow((row) => {
      const key = machineText(row.getCell(1));
      if (key !== '' && !values.has(key)) values.set(key, restore(cellText(readCell(row.getCell(3)))).trim());
    });
    if (values.has('format')) return values;
  }
  return new Map();
}

function readAnswerRows(workbook: ExcelJS.Workbook, limits: SpreadsheetLimits): SheetRow[] {
  for (const sheet of workbook.worksheets) {
    if (sheet.rowCount > limits.maxRows) {
      throw new SpreadsheetError(
        'too-many-rows',
        `The sheet "${sheet.name}" has ${sheet.rowCount} rows; at most ${limits.maxRows} are accepted.`,
      );
    }
    const found = findMachineHeader(sheet);
    if (!found) continue;
    const { headerRow, columns } = found;
    const keyColumn = columns.get(KEY);
    const idColumn = columns.get('question_id');
    const answerColumn = columns.get('answer')!;
    const commentColumn = columns.get('comment');
    const rows: SheetRow[] = [];
    sheet.eachRow((row, number) => {
      if (number <= headerRow) return;
      const key = keyColumn ? readCell(row.getCell(keyColumn)) : EMPTY;
      const visibleId = idColumn ? readCell(row.getCell(idColumn)) : EMPTY;
      const answer = readCell(row.getCell(answerColumn));
      if (number === headerRow + 1 && key.kind === 'empty' && isTranslatedHeader(answer)) return;
      rows.push({
        row: number,
        questionId: key.kind === 'empty' ? visibleId : key,
        answer,
        comment: commentColumn ? readCell(row.getCell(commentColumn)) : EMPTY,
      });
    });
    return rows;
  }
  throw new SpreadsheetError(
    'missing-column',
    'The workbook has no Answers sheet with its column ids (the hidden first row); ' +
      'fill in the spreadsheet downloaded from the portal without removing rows or sheets.',
  );
}

function findMachineHeader(
  sheet: ExcelJS.Worksheet,
): { headerRow: number; columns: Map<string, number> } | null {
  for (let r = 1; r <= Math.min(5, sheet.rowCount); r++) {
    const columns = new Map<string, number>();
    const duplicates: string[] = [];
    sheet.getRow(r).eachCell((cell, c) => {
      const id = machineText(cell);
      if (id !== KEY && !(COLUMNS as readonly string[]).includes(id)) return;
      if (columns.has(id)) duplicates.push(id);
      columns.set(id, c);
    });
    if (!columns.has('answer') || !(columns.has(KEY) || columns.has('question_id'))) continue;
    if (duplicates.length > 0) {
      throw new SpreadsheetError(
        'duplicate-column',
        `The Answers sheet has the column ${duplicates[0]} twice; remove the copy and import again.`,
      );
    }
    return { headerRow: r, columns };
  }
  return null;
}

const TRANSLATED_ANSWER_HEADERS = new Set(
  SPREADSHEET_LANGUAGES.map((l) => wordsFor(l).columns.answer.toLowerCase()),
);

function isTranslatedHeader(cell: Cell): boolean {
  return cell.kind === 'text' && TRANSLATED_ANSWER_HEADERS.has(cell.text.trim().toLowerCase());
}
