/**
 * Offline answering: the assessment downloaded as XLSX or CSV (the engine's export: every text
 * neutralised against formula injection), filled in, uploaded back. The upload is only previewed:
 * a per-row report (accepted, unchanged, rejected with the reason) and nothing saved. "Apply" then
 * saves the accepted rows in one unit, each over the revision it was previewed against, so a row
 * whose answer someone changed since the preview is reported instead of overwritten.
 */

import type { Said } from '../errors.js';
import { type AnswerValue, evaluate, localize } from '../questionnaire/index.js';
import type { ZipArchiveReader } from '../questionnaire/spreadsheet/archive.js';
import type { ExportOptions } from '../questionnaire/spreadsheet/index.js';
import {
  type AnswerScope,
  type Conflict,
  checkValue,
  type PortalState,
  resolveKey,
  saveChecked,
  writableKeys,
} from './answers.js';
import { withEvidence } from './evidence-answers.js';
import { english, refuse } from './refusals.js';
import { words } from './words.js';

/** The spreadsheet entry (exceljs, csv-parse) is loaded on the first offline request, not at start-up. */
const spreadsheets = () => import('../questionnaire/spreadsheet/index.js');

/** What an upload may be: the app-wide body limit (1 MiB) also holds, which is ample for any export. */
export const OFFLINE_MAX_BYTES = 1024 * 1024;

function exportOptions(state: PortalState, locale: string, now: Date): ExportOptions {
  return {
    locale,
    evidence: Object.fromEntries(state.evidence.map((e) => [e.id, { name: e.name, sha256: e.sha256 }])),
    context: state.context,
    meta: {
      vendor: state.vendorName,
      requester: state.tenantName,
      assessmentId: state.assessment.id,
      exportedAt: now,
    },
  };
}

export async function exportXlsx(state: PortalState, locale: string, now: Date): Promise<Uint8Array> {
  const { exportAnswersXlsx } = await spreadsheets();
  return exportAnswersXlsx(
    state.q,
    withEvidence(state.q, state.answers, state.evidence),
    state.evaluation,
    exportOptions(state, locale, now),
  );
}

export async function exportCsv(state: PortalState, locale: string, now: Date): Promise<string> {
  const { exportAnswersCsv } = await spreadsheets();
  return exportAnswersCsv(
    state.q,
    withEvidence(state.q, state.answers, state.evidence),
    state.evaluation,
    exportOptions(state, locale, now),
  );
}

export interface PreviewRow {
  key: string;
  question: string;
  /** The value as the portal shows it. */
  shown: string;
  value: AnswerValue;
  /** The stored revision the preview was made against (0: none). */
  revision: number;
}

export interface PreviewRejection {
  row: number | null;
  questionId: string | null;
  column: string;
  value: string;
  /** The reason in English, and which sentence it is (the page says it in the vendor's language). */
  reason: string;
  said?: Said;
}

export type Preview =
  | { ok: false; message: string; said?: Said }
  | { ok: true; accepted: PreviewRow[]; unchanged: PreviewRow[]; rejected: PreviewRejection[] };

const isZip = (b: Uint8Array) =>
  b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function shown(value: AnswerValue): string {
  if (value === null) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** Reads an upload (XLSX by its zip signature, otherwise CSV) into the report; saves nothing. */
export async function previewImport(
  state: PortalState,
  bytes: Uint8Array,
  locale: string,
  archive: ZipArchiveReader | undefined,
): Promise<Preview> {
  if (bytes.byteLength === 0)
    return { ok: false, said: { key: 'vendor.fileEmpty' }, message: english('vendor.fileEmpty') };
  const { importAnswersCsv, importAnswersXlsx } = await spreadsheets();
  let result: Awaited<ReturnType<typeof importAnswersXlsx>>;
  if (isZip(bytes)) {
    if (!archive)
      return {
        ok: false,
        said: { key: 'vendor.xlsxUnavailable' },
        message: english('vendor.xlsxUnavailable'),
      };
    result = await importAnswersXlsx(state.q, bytes, { archive, locale, context: state.context });
  } else {
    result = importAnswersCsv(state.q, bytes, { locale, context: state.context });
  }
  // The file's problem in English in detail; other languages say what kind of problem it is.
  if (!result.ok)
    return { ok: false, message: result.error.message, said: { key: `sheet.${result.error.code}` } };

  const rejected: PreviewRejection[] = result.rejected.map((r) => ({ ...r }));
  const candidates: Array<{ key: string; value: AnswerValue }> = [];
  for (const [key, value] of Object.entries(result.answers)) {
    const target = resolveKey(state.q, key);
    if (!target || !writableKeys(target.question).includes(key)) {
      rejected.push({
        row: null,
        questionId: key,
        column: 'answer',
        value: shown(value),
        reason: english('vendor.notFromSheet'),
        said: { key: 'vendor.notFromSheet' },
      });
      continue;
    }
    candidates.push({ key, value });
  }
  // Validation rules may read other answers: check each value against the answers as they would be.
  const merged: Record<string, AnswerValue> = Object.assign(Object.create(null), state.answers);
  for (const c of candidates) {
    if (c.value === null) delete merged[c.key];
    else merged[c.key] = c.value;
  }
  const after = evaluate(state.q, withEvidence(state.q, merged, state.evidence), state.today, {
    context: state.context,
  });
  const accepted: PreviewRow[] = [];
  const unchanged: PreviewRow[] = [];
  for (const { key, value } of candidates) {
    const { question, side } = resolveKey(state.q, key)!;
    const row: PreviewRow = {
      key,
      question:
        localize(question.text, locale, state.q) +
        (side === 'comment' ? ` ${words(locale).commentMark}` : ''),
      shown: shown(value),
      value,
      revision: state.rows[key]?.revision ?? 0,
    };
    if (same(state.rows[key]?.value, value)) {
      unchanged.push(row);
      continue;
    }
    // As the autosave refuses it: a question the answers (with the sheet's) hide takes no value.
    if (value !== null && !after.questions[question.id]?.visible) {
      rejected.push({
        row: null,
        questionId: question.id,
        column: side,
        value: row.shown,
        reason: english('vendor.questionHidden'),
        said: { key: 'vendor.questionHidden' },
      });
      continue;
    }
    const message = checkValue(state, question, side, value, locale, after);
    if (message)
      rejected.push({ row: null, questionId: question.id, column: side, value: row.shown, reason: message });
    else accepted.push(row);
  }
  // The requester's facts, as the export wrote them: listed as unchanged, never written.
  for (const id of result.contextUnchanged) {
    const question = state.q.questions.get(id);
    if (!question) continue;
    const value = (state.context as Record<string, AnswerValue>)[id] ?? null;
    unchanged.push({
      key: id,
      question: localize(question.text, locale, state.q),
      shown: shown(value),
      value,
      revision: 0,
    });
  }
  return { ok: true, accepted, unchanged, rejected };
}

/**
 * Applies a previewed import: `fields` carries `v.<key>` (the value as JSON) and `_rev.<key>` (the
 * revision previewed). Every value is checked again (the form came back from the browser); one bad
 * value refuses the whole apply with 400.
 */
export async function applyImport(
  scope: AnswerScope,
  state: PortalState,
  fields: Record<string, string | string[]>,
  locale: string,
  now: Date,
): Promise<{ saved: string[]; conflicts: Conflict[] }> {
  const writes: Array<{ key: string; value: AnswerValue; seen: number }> = [];
  const merged: Record<string, AnswerValue> = Object.assign(Object.create(null), state.answers);
  for (const [name, raw] of Object.entries(fields)) {
    if (!name.startsWith('v.')) continue;
    const key = name.slice(2);
    const target = resolveKey(state.q, key);
    const rev = fields[`_rev.${key}`];
    if (
      !target ||
      !writableKeys(target.question).includes(key) ||
      typeof raw !== 'string' ||
      typeof rev !== 'string' ||
      !/^\d{1,9}$/.test(rev)
    )
      throw refuse(400, 'vendor.importFormChanged');
    let value: AnswerValue;
    try {
      value = JSON.parse(raw) as AnswerValue;
    } catch {
      throw refuse(400, 'vendor.importFormChanged');
    }
    writes.push({ key, value, seen: Number(rev) });
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (writes.length === 0) throw refuse(400, 'vendor.nothingToApply');
  const after = evaluate(state.q, withEvidence(state.q, merged, state.evidence), state.today, {
    context: state.context,
  });
  for (const w of writes) {
    const { question, side } = resolveKey(state.q, w.key)!;
    // The preview never offers a hidden question: one in the form was put there by hand.
    if (w.value !== null && !after.questions[question.id]?.visible)
      throw refuse(400, 'vendor.importFormChanged');
    const message = checkValue(state, question, side, w.value, locale, after);
    if (message) throw refuse(400, 'vendor.importInvalid', { params: { reason: message } });
  }
  return saveChecked(scope, writes, now);
}
