import { textLength } from '../answers.js';
import { isIsoDate } from '../dates.js';
import { DEFAULT_COMMENT_MAX_LENGTH } from '../load/questions.js';
import type { Answers, AnswerValue, Question, Questionnaire } from '../types.js';
import { SpreadsheetError } from './errors.js';
import { restore } from './formula-guard.js';
import { FORMAT, yesNoNaSynonyms } from './labels.js';
import { type ImportReason, type ReasonParams, type ReasonSaid, reasonText } from './reasons.js';

/*
 * Turning the rows of a filled-in export (XLSX or CSV, already read into cells) into answers. Every cell is
 * checked against its question; a bad cell becomes a rejection with its row, column and reason, and never
 * a partial or guessed answer. Nothing here evaluates anything: a formula cell is refused, not computed.
 */

/** One cell as read from the file, before any interpretation. */
export type Cell =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'date'; value: Date }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'formula'; text: string }
  | { kind: 'error'; text: string }
  /** A cell covered by a merge: it shows another cell's value, which must not answer two questions. */
  | { kind: 'merged' }
  /** A text the export had to cut to fit a cell: importing it would replace the full answer with the cut one. */
  | { kind: 'truncated' };

export const EMPTY: Cell = { kind: 'empty' };

export interface SheetRow {
  /** 1-based row number as the vendor's spreadsheet program shows it. */
  row: number;
  questionId: Cell;
  answer: Cell;
  comment: Cell;
}

export interface Rejection {
  row: number;
  questionId: string | null;
  /** Machine id of the column: 'question_id', 'answer' or 'comment'. */
  column: string;
  /** The cell as read (shortened to 200 characters). */
  value: string;
  /** Why, in English; `said` is the same by key and parameters (reasons.ts), for other languages. */
  reason: string;
  said: ReasonSaid;
}

export interface ImportReport {
  answers: Answers;
  /** Number of values imported (answers and comments). */
  accepted: number;
  rejected: Rejection[];
  /** Context facts whose row carries exactly the requester's value (an untouched export): not changes. */
  contextUnchanged: string[];
}

export type ImportResult = ({ ok: true } & ImportReport) | { ok: false; error: SpreadsheetError };

export interface ImportOptions {
  /** Preferred language for matching option labels and reading decimal commas; labels of every language are accepted. */
  locale?: string;
  /** The requester's context facts: a row that repeats one unchanged is no attempt to change it. */
  context?: Readonly<Record<string, unknown>>;
}

const REPORT_VALUE_MAX = 200;

/** Checks the overview values of a file against the questionnaire the answers are for. */
export function checkHeader(q: Questionnaire, format: string | null, ref: string | null): void {
  if (format === null) {
    throw new SpreadsheetError(
      'not-an-export',
      'This file is not an Assay answers export: its overview does not name the export format. ' +
        'Download the spreadsheet from the portal and fill in that file.',
    );
  }
  if (format !== FORMAT) {
    throw new SpreadsheetError(
      'unsupported-format',
      `This file uses the export format "${format}", which this version of Assay cannot read (it reads ${FORMAT}).`,
    );
  }
  if (ref === null || ref === '') {
    throw new SpreadsheetError(
      'missing-questionnaire-ref',
      'This file does not say which questionnaire it belongs to (the Questionnaire row of the overview is empty).',
    );
  }
  const at = ref.lastIndexOf('@');
  const id = at > 0 ? ref.slice(0, at) : ref;
  if (id !== q.id) {
    throw new SpreadsheetError(
      'other-questionnaire',
      `This file holds answers to the questionnaire ${ref}, not to ${q.ref}. Nothing was imported.`,
    );
  }
  if (ref !== q.ref) {
    throw new SpreadsheetError(
      'other-version',
      `This file was exported from ${ref}, but this assessment uses ${q.ref}. Nothing was imported: ` +
        'download a fresh spreadsheet for this assessment and copy your answers into it.',
    );
  }
}

/** The text of a cell as the vendor sees it, for reports and for the header fields. */
export function cellText(cell: Cell): string {
  switch (cell.kind) {
    case 'empty':
    case 'merged':
      return '';
    case 'truncated':
      return '(text cut to fit a spreadsheet cell)';
    case 'text':
    case 'formula':
    case 'error':
      return cell.text;
    case 'number':
      return String(cell.value);
    case 'boolean':
      return cell.value ? 'TRUE' : 'FALSE';
    case 'date':
      return isoDay(cell.value);
  }
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function isBlank(cell: Cell): boolean {
  return cell.kind === 'empty' || (cell.kind === 'text' && cell.text.trim() === '');
}

type Parsed = { ok: true; value: AnswerValue | undefined } | { ok: false; reason: ReasonSaid };
const ok = (value: AnswerValue | undefined): Parsed => ({ ok: true, value });
const no = (key: ImportReason, params?: ReasonParams): Parsed => ({
  ok: false,
  reason: params ? { key, params } : { key },
});
const said = (key: ImportReason, params?: ReasonParams): ReasonSaid => (params ? { key, params } : { key });

export function importRows(
  q: Questionnaire,
  rows: readonly SheetRow[],
  opts: { locale: string; context?: Readonly<Record<string, unknown>> | undefined },
): ImportReport {
  const answers: Record<string, AnswerValue> = {};
  const rejected: Rejection[] = [];
  const contextUnchanged: string[] = [];
  const reject = (row: number, questionId: string | null, column: string, cell: Cell, reason: ReasonSaid) =>
    rejected.push({
      row,
      questionId,
      column,
      value: shorten(cellText(cell)),
      reason: reasonText(reason),
      said: reason,
    });

  // First pass: identify each row's question, so that duplicates are known before anything is taken.
  // A row contributes only through its answer and comment cells; without either it carries nothing
  // (an untouched export row, a copied id), so it can neither be rejected nor make another row a duplicate.
  const byId = new Map<string, SheetRow[]>();
  for (const row of rows) {
    if (isBlank(row.answer) && isBlank(row.comment)) continue;
    const idCell = row.questionId;
    if (idCell.kind === 'formula') {
      reject(row.row, null, 'question_id', idCell, said('import.formula'));
      continue;
    }
    if (idCell.kind === 'error') {
      reject(row.row, null, 'question_id', idCell, said('import.idCellError', { error: idCell.text }));
      continue;
    }
    const id = restore(cellText(idCell)).trim();
    if (id === '') {
      reject(row.row, null, 'question_id', idCell, said('import.noQuestionId'));
      continue;
    }
    if (!q.questions.has(id)) {
      reject(row.row, id, 'question_id', idCell, said('import.unknownQuestion', { id, ref: q.ref }));
      continue;
    }
    const list = byId.get(id) ?? [];
    list.push(row);
    byId.set(id, list);
  }

  for (const [id, list] of byId) {
    if (list.length > 1) {
      const where = list.map((r) => r.row).join(', ');
      for (const row of list) {
        reject(row.row, id, 'question_id', row.questionId, said('import.duplicate', { id, rows: where }));
      }
      continue;
    }
    const row = list[0]!;
    const question = q.questions.get(id)!;

    if (question.context) {
      // Set by the requester: the vendor's spreadsheet cannot change it (evaluate would ignore it anyway).
      // The export writes the requester's value into the row; the same value back is no change.
      if (isBlank(row.comment) && !isBlank(row.answer) && opts.context && id in opts.context) {
        const parsed = parseAnswer(q, question, row.answer, opts.locale);
        if (parsed.ok && JSON.stringify(parsed.value ?? null) === JSON.stringify(opts.context[id] ?? null)) {
          contextUnchanged.push(id);
          continue;
        }
      }
      for (const [column, cell] of [
        ['answer', row.answer],
        ['comment', row.comment],
      ] as const) {
        if (!isBlank(cell)) {
          reject(
            row.row,
            id,
            column,
            cell,
            said(column === 'answer' ? 'import.contextAnswerSkipped' : 'import.contextCommentSkipped', {
              id,
            }),
          );
        }
      }
      continue;
    }
    if (question.type === 'file') {
      if (!isBlank(row.answer)) {
        reject(row.row, id, 'answer', row.answer, said('import.fileSkipped'));
      }
    } else {
      const parsed = parseAnswer(q, question, row.answer, opts.locale);
      if (!parsed.ok) reject(row.row, id, 'answer', row.answer, parsed.reason);
      else if (parsed.value !== undefined) answers[id] = parsed.value;
    }

    const comment = parseComment(question, row.comment);
    if (!comment.ok) reject(row.row, id, 'comment', row.comment, comment.reason);
    else if (comment.value !== undefined) answers[`${id}#comment`] = comment.value;
  }

  rejected.sort((a, b) => a.row - b.row || a.column.localeCompare(b.column));
  return { answers, accepted: Object.keys(answers).length, rejected, contextUnchanged };
}

function shorten(text: string): string {
  return text.length > REPORT_VALUE_MAX ? `${text.slice(0, REPORT_VALUE_MAX - 1)}…` : text;
}

/** Refusals that apply to a cell of any question type. */
function unusable(cell: Cell): ReasonSaid | null {
  if (cell.kind === 'formula') return said('import.formula');
  if (cell.kind === 'error') return said('import.cellError', { error: cell.text });
  if (cell.kind === 'merged') return said('import.merged');
  if (cell.kind === 'truncated') return said('import.truncated');
  return null;
}

function parseComment(question: Question, cell: Cell): Parsed {
  if (isBlank(cell)) return ok(undefined);
  const refusal = unusable(cell);
  if (refusal) return { ok: false, reason: refusal };
  const text = restore(cellText(cell));
  // The engine's limit, counted the engine's way (code points), so an imported comment is never invalid.
  const max = question.comment?.maxLength ?? DEFAULT_COMMENT_MAX_LENGTH;
  const length = textLength(text);
  if (length > max) return no('import.commentTooLong', { length, max });
  return ok(text);
}

function parseAnswer(q: Questionnaire, question: Question, cell: Cell, locale: string): Parsed {
  if (isBlank(cell)) return ok(undefined);
  const refusal = unusable(cell);
  if (refusal) return { ok: false, reason: refusal };
  switch (question.type) {
    case 'yes_no_na':
    case 'single':
      return parseSingle(q, question, cell, locale);
    case 'multi':
      return parseMulti(q, question, cell, locale);
    case 'number':
      return parseNumber(question, cell, locale);
    case 'date':
      return parseDate(cell);
    case 'text':
      return parseText(question, cell);
    case 'file':
      return no('import.fileAnswer');
  }
}

// ---- choices -------------------------------------------------------------------------------------------

interface ChoiceIndex {
  /** Normalised spelling → option values, by priority: 0 stored value, 1 label in the preferred locale, 2 others. */
  tiers: Array<Map<string, Set<string>>>;
  /** Every normalised spelling, longest first, for splitting multi-choice cells. */
  spellings: string[];
  exclusive: Set<string>;
  labelOf: (value: string) => string;
}

const normalise = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

const indexCache = new WeakMap<Question, Map<string, ChoiceIndex>>();

function choiceIndex(q: Questionnaire, question: Question, locale: string): ChoiceIndex {
  let perLocale = indexCache.get(question);
  if (!perLocale) {
    perLocale = new Map();
    indexCache.set(question, perLocale);
  }
  const cached = perLocale.get(locale);
  if (cached) return cached;

  const tiers = [
    new Map<string, Set<string>>(),
    new Map<string, Set<string>>(),
    new Map<string, Set<string>>(),
  ];
  const put = (tier: number, spelling: string, value: string) => {
    const key = normalise(spelling);
    if (key === '') return;
    const set = tiers[tier]!.get(key) ?? new Set<string>();
    set.add(value);
    tiers[tier]!.set(key, set);
  };
  const exclusive = new Set<string>();
  const labels = new Map<string, string>();
  if (question.type === 'yes_no_na') {
    for (const [value, synonyms] of yesNoNaSynonyms()) {
      put(0, value, value);
      for (const s of synonyms) put(2, s, value);
      labels.set(value, value);
    }
  } else {
    for (const option of question.options ?? []) {
      put(0, option.value, option.value);
      for (const [lang, label] of Object.entries(option.label))
        put(lang === locale ? 1 : 2, label, option.value);
      if (option.exclusive) exclusive.add(option.value);
      labels.set(option.value, option.label[locale] ?? option.label[q.defaultLocale] ?? option.value);
    }
  }
  const spellings = [...new Set(tiers.flatMap((t) => [...t.keys()]))].sort((a, b) => b.length - a.length);
  const index: ChoiceIndex = { tiers, spellings, exclusive, labelOf: (v) => labels.get(v) ?? v };
  perLocale.set(locale, index);
  return index;
}

type Resolved = { value: string } | { error: ImportReason; params: ReasonParams };

function resolveChoice(index: ChoiceIndex, token: string): Resolved {
  const key = normalise(token);
  for (const tier of index.tiers) {
    const values = tier.get(key);
    if (!values) continue;
    if (values.size === 1) return { value: [...values][0]! };
    const labels = [...values].map((v) => `"${index.labelOf(v)}"`);
    return {
      error: 'import.ambiguousChoice',
      params: { token, matches: labels.join(' and '), options: labels.join(', ') },
    };
  }
  return { error: 'import.notAllowed', params: { token } };
}

function allowedList(q: Questionnaire, question: Question, locale: string): string {
  if (question.type === 'yes_no_na') return question.na === 'forbidden' ? 'yes, no' : 'yes, no, na';
  return (question.options ?? [])
    .map((o) => `"${o.label[locale] ?? o.label[q.defaultLocale] ?? o.value}" (${o.value})`)
    .join(', ');
}

function parseSingle(q: Questionnaire, question: Question, cell: Cell, locale: string): Parsed {
  if (cell.kind === 'boolean' && question.type === 'yes_no_na') return ok(cell.value ? 'yes' : 'no');
  if (cell.kind !== 'text' && cell.kind !== 'number') {
    return no('import.expectedOneOf', { allowed: allowedList(q, question, locale) });
  }
  const text = restore(cellText(cell)).trim();
  const resolved = resolveChoice(choiceIndex(q, question, locale), text);
  if ('error' in resolved)
    return no(resolved.error, { ...resolved.params, allowed: allowedList(q, question, locale) });
  // vrq/1.1 na: forbidden — refused here, with the reason, rather than imported as an invalid answer.
  if (resolved.value === 'na' && question.type === 'yes_no_na' && question.na === 'forbidden') {
    return no('import.naForbidden');
  }
  return ok(resolved.value);
}

/**
 * Splits a multi-choice cell on ";" and line breaks. Labels may themselves contain ";", so at each position the
 * longest known spelling with a ";" that ends at a separator wins before falling back to a plain split.
 */
function splitChoices(text: string, spellings: readonly string[]): string[] {
  const withSemicolon = spellings.filter((s) => s.includes(';'));
  const tokens: string[] = [];
  for (const line of text.normalize('NFC').split(/\r\n|\r|\n/)) {
    const lower = line.toLowerCase();
    // A few characters change length when lower-cased (İ); positions in `lower` then do not match `line`.
    const aligned = lower.length === line.length;
    let i = 0;
    while (i < line.length) {
      while (i < line.length && (line[i] === ';' || /\s/.test(line[i]!))) i++;
      if (i >= line.length) break;
      let end = -1;
      for (const spelling of aligned ? withSemicolon : []) {
        if (!lower.startsWith(spelling, i)) continue;
        let after = i + spelling.length;
        while (after < lower.length && /\s/.test(lower[after]!)) after++;
        if (after === lower.length || lower[after] === ';') {
          end = i + spelling.length;
          break;
        }
      }
      if (end < 0) {
        const semicolon = line.indexOf(';', i);
        end = semicolon < 0 ? line.length : semicolon;
      }
      const token = line.slice(i, end).trim();
      if (token !== '') tokens.push(token);
      i = end;
    }
  }
  return tokens;
}

function parseMulti(q: Questionnaire, question: Question, cell: Cell, locale: string): Parsed {
  if (cell.kind !== 'text' && cell.kind !== 'number') {
    return no('import.expectedOneOrMore', { allowed: allowedList(q, question, locale) });
  }
  const index = choiceIndex(q, question, locale);
  const values: string[] = [];
  for (const token of splitChoices(restore(cellText(cell)), index.spellings)) {
    const resolved = resolveChoice(index, token);
    if ('error' in resolved)
      return no(resolved.error, { ...resolved.params, allowed: allowedList(q, question, locale) });
    if (!values.includes(resolved.value)) values.push(resolved.value);
  }
  if (values.length === 0) return ok(undefined);
  const exclusive = values.find((v) => index.exclusive.has(v));
  if (exclusive !== undefined && values.length > 1) {
    return no('import.exclusive', { label: index.labelOf(exclusive) });
  }
  return ok(values);
}

// ---- numbers, dates, text ------------------------------------------------------------------------------

const separatorCache = new Map<string, { decimal: string; group: string }>();

function separators(locale: string): { decimal: string; group: string } {
  let found = separatorCache.get(locale);
  if (!found) {
    let parts: Intl.NumberFormatPart[];
    try {
      parts = new Intl.NumberFormat(locale).formatToParts(12345.5);
    } catch {
      parts = new Intl.NumberFormat('en').formatToParts(12345.5);
    }
    found = {
      decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
      group: parts.find((p) => p.type === 'group')?.value ?? ',',
    };
    separatorCache.set(locale, found);
  }
  return found;
}

const PLAIN_NUMBER = /^[+-]?(\d+([.,]\d+)?|[.,]\d+)([eE][+-]?\d+)?$/;

function parseNumber(question: Question, cell: Cell, locale: string): Parsed {
  let value: number;
  if (cell.kind === 'number') {
    value = cell.value;
  } else if (cell.kind === 'text') {
    const text = restore(cell.text).trim();
    if (!PLAIN_NUMBER.test(text)) {
      return no('import.notNumber', { text });
    }
    const { decimal, group } = separators(locale);
    const separator = /[.,]/.exec(text)?.[0];
    if (separator !== undefined) {
      // "1,500" means 1500 to an English reader and 1.5 to a German one: refuse what reads as grouping.
      if (separator === group && /^[+-]?\d{1,3}[.,]\d{3}$/.test(text)) {
        return no('import.ambiguousNumber', { text });
      }
      if (separator === ',' && decimal !== ',') {
        return no('import.useDecimalPoint', { text });
      }
    }
    value = Number(text.replace(',', '.'));
  } else {
    return no('import.expectedNumber');
  }
  if (!Number.isFinite(value)) return no('import.outOfRange');
  if (question.min !== null && value < question.min)
    return no('import.belowMin', { value, min: question.min });
  if (question.max !== null && value > question.max)
    return no('import.aboveMax', { value, max: question.max });
  return ok(value);
}

function parseDate(cell: Cell): Parsed {
  if (cell.kind === 'date') {
    if (Number.isNaN(cell.value.getTime())) return no('import.badDateCell');
    const iso = isoDay(cell.value);
    return isIsoDate(iso) ? ok(iso) : no('import.dateOutOfRange', { date: iso });
  }
  if (cell.kind !== 'text') return no('import.expectedDate');
  const text = restore(cell.text).trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return no('import.notDate', { text });
  if (!isIsoDate(text)) return no('import.notCalendarDate', { text });
  return ok(text);
}

function parseText(question: Question, cell: Cell): Parsed {
  const text = cell.kind === 'text' ? restore(cell.text) : cellText(cell);
  if (!question.multiline && /[\r\n]/.test(text)) {
    return no('import.singleLine');
  }
  const length = textLength(text);
  if (question.maxLength !== null && length > question.maxLength) {
    return no('import.textTooLong', { length, max: question.maxLength });
  }
  return ok(text);
}

/** Maps SpreadsheetError to the import result; anything else is a bug and propagates. */
export function asFailure(error: unknown): ImportResult {
  if (error instanceof SpreadsheetError) return { ok: false, error };
  throw error;
}
