import { localize } from '../localize.js';
import type { Answers, AnswerValue, Evaluation, Question, Questionnaire, Section, Text } from '../types.js';
import { type ColumnId, FORMAT, type InfoKey, wordsFor } from './labels.js';

/*
 * The content of an answers export, independent of the file format: xlsx.ts and csv.ts only lay it out.
 * Cells hold raw text here; the writers neutralise every text cell on its way out, in one place each.
 */

export interface EvidenceInfo {
  name: string;
  sha256: string;
}

export interface ExportOptions {
  /** Language of the questionnaire texts and labels; falls back to the questionnaire's default. */
  locale: string;
  /** Names and hashes of the evidence files the answers refer to, by evidence id. */
  evidence: Readonly<Record<string, EvidenceInfo>>;
  /** vendor: who answers; requester: the tenant that asked (two rows, never one for the other). */
  meta?: { vendor?: string; requester?: string; assessmentId?: string; exportedAt?: string | Date };
  /** The requester's values of the context facts (as given to evaluate); shown, never editable. */
  context?: Answers;
}

export type ExportCell = string | number | null;

export interface ExportRow {
  question: Question;
  section: Section;
  /** Whether the vendor may fill in the answer cell (false for file questions). */
  answerEditable: boolean;
  /** The labels a single-answer choice question offers, in the export's language (for drop-down lists). */
  choices: string[] | null;
  cells: Record<ColumnId, ExportCell>;
}

export interface ExportModel {
  locale: string;
  words: ReturnType<typeof wordsFor>;
  info: Array<{ key: InfoKey; label: string; value: ExportCell }>;
  rows: ExportRow[];
}

const MULTI_SEPARATOR = '; ';

export function effectiveLocale(q: Questionnaire, locale: string): string {
  if (q.locales.includes(locale)) return locale;
  const base = locale.split('-')[0]!.toLowerCase();
  return q.locales.includes(base) ? base : q.defaultLocale;
}

export function buildExportModel(
  q: Questionnaire,
  answers: Answers,
  evaluation: Evaluation,
  opts: ExportOptions,
): ExportModel {
  if (typeof opts?.locale !== 'string') throw new TypeError('exportAnswers: opts.locale must be a string');
  if (opts.evidence === null || typeof opts.evidence !== 'object') {
    throw new TypeError('exportAnswers: opts.evidence must be an object of evidence id → { name, sha256 }');
  }
  const locale = effectiveLocale(q, opts.locale);
  const words = wordsFor(locale);
  const t = (text: Text | null | undefined) => (text ? localize(text, locale, q) : '');
  const flag = (b: boolean) => (b ? words.flag.yes : words.flag.no);

  const info: ExportModel['info'] = [];
  const add = (key: InfoKey, value: ExportCell) => info.push({ key, label: words.info[key], value });
  add('format', FORMAT);
  add('questionnaire', q.ref);
  add('title', t(q.title));
  add('locale', locale);
  if (opts.meta?.vendor !== undefined) add('vendor', opts.meta.vendor);
  if (opts.meta?.requester !== undefined) add('requester', opts.meta.requester);
  if (opts.meta?.assessmentId !== undefined) add('assessment_id', opts.meta.assessmentId);
  if (opts.meta?.exportedAt !== undefined) add('exported_at', isoTimestamp(opts.meta.exportedAt));
  add('score', evaluation.score);
  add('band', evaluation.band);
  add('rating', evaluation.rating);
  add('complete', flag(evaluation.canSubmit));
  add('findings', evaluation.findings.length);
  add('instructions', words.instructions);

  const findingsByQuestion = new Map<string, string[]>();
  for (const finding of evaluation.findings) {
    const list = findingsByQuestion.get(finding.questionId) ?? [];
    list.push(`${finding.id}: ${t(finding.title)}`);
    findingsByQuestion.set(finding.questionId, list);
  }

  const rows: ExportRow[] = [];
  for (const section of q.sections) {
    for (const question of section.questions) {
      const result = evaluation.questions[question.id];
      if (!result) {
        throw new TypeError(
          `exportAnswers: the evaluation has no result for ${question.id}; evaluate ${q.ref} first`,
        );
      }
      const value = question.context ? opts.context?.[question.id] : answers[question.id];
      const evidence = evidenceOf(question, answers).map(
        (id) => opts.evidence[id] ?? { name: `${id} (file record not found)`, sha256: '' },
      );
      const comment = answers[`${question.id}#comment`];
      rows.push({
        question,
        section,
        answerEditable: question.type !== 'file' && !question.context,
        choices: singleChoices(question, words, t),
        cells: {
          section_id: section.id,
          section_title: t(section.title),
          question_id: question.id,
          question: t(question.text),
          type: words.types[question.type],
          allowed_values: allowedValues(question, words, t),
          answer: displayAnswer(question, value, words, t),
          answer_value: storedAnswer(value),
          comment: typeof comment === 'string' && comment !== '' ? comment : null,
          evidence_names: evidence.length > 0 ? evidence.map((e) => e.name).join('\n') : null,
          evidence_sha256: evidence.length > 0 ? evidence.map((e) => e.sha256).join('\n') : null,
          visible: flag(result.visible),
          required: flag(result.required),
          score: result.score,
          weight: result.weight,
          findings: findingsByQuestion.get(question.id)?.join('\n') ?? null,
        },
      });
    }
  }
  return { locale, words, info, rows };
}

function isoTimestamp(at: string | Date): string {
  if (at instanceof Date) {
    if (Number.isNaN(at.getTime())) throw new TypeError('exportAnswers: meta.exportedAt is an invalid Date');
    return at.toISOString();
  }
  return at;
}

function evidenceOf(question: Question, answers: Answers): string[] {
  const ids: string[] = [];
  const take = (v: AnswerValue | undefined) => {
    if (Array.isArray(v)) for (const id of v) if (typeof id === 'string' && !ids.includes(id)) ids.push(id);
  };
  if (question.type === 'file') take(answers[question.id]);
  take(answers[`${question.id}#evidence`]);
  return ids;
}

type Words = ReturnType<typeof wordsFor>;
type Localize = (text: Text | null | undefined) => string;

function singleChoices(question: Question, words: Words, t: Localize): string[] | null {
  if (question.type === 'yes_no_na') {
    // na: forbidden (vrq/1.1): the drop-down offers only yes and no.
    return question.na === 'forbidden'
      ? [words.yesNoNa.yes, words.yesNoNa.no]
      : [words.yesNoNa.yes, words.yesNoNa.no, words.yesNoNa.na];
  }
  if (question.type === 'single') return (question.options ?? []).map((o) => t(o.label));
  return null;
}

/** Labels a choice question offers, in the export's language; for other types, a short hint. */
function allowedValues(question: Question, words: Words, t: Localize): string {
  switch (question.type) {
    case 'yes_no_na':
      return (
        question.na === 'forbidden'
          ? [words.yesNoNa.yes, words.yesNoNa.no]
          : [words.yesNoNa.yes, words.yesNoNa.no, words.yesNoNa.na]
      ).join('\n');
    case 'single':
      return (question.options ?? []).map((o) => t(o.label)).join('\n');
    case 'multi':
      return [...(question.options ?? []).map((o) => t(o.label)), `(${words.hints.multi})`].join('\n');
    case 'number':
      return words.hints.number(question.min, question.max);
    case 'date':
      return words.hints.date;
    case 'text':
      return words.hints.text(question.maxLength);
    case 'file':
      return words.hints.file;
  }
}

function optionLabel(question: Question, value: string, t: Localize): string {
  const option = question.options?.find((o) => o.value === value);
  return option ? t(option.label) : value;
}

/** The answer as a person reads it: option labels, not stored values. A stale value is shown as it is. */
function displayAnswer(
  question: Question,
  value: AnswerValue | undefined,
  words: Words,
  t: Localize,
): ExportCell {
  if (value === undefined || value === null) return null;
  switch (question.type) {
    case 'yes_no_na':
      return value === 'yes' || value === 'no' || value === 'na' ? words.yesNoNa[value] : String(value);
    case 'single':
      return typeof value === 'string' ? optionLabel(question, value, t) : String(value);
    case 'multi':
      return Array.isArray(value)
        ? value.map((v) => optionLabel(question, v, t)).join(MULTI_SEPARATOR)
        : String(value);
    case 'number':
      return typeof value === 'number' ? value : String(value);
    case 'file':
      return null;
    default:
      return Array.isArray(value) ? value.join(MULTI_SEPARATOR) : String(value);
  }
}

/** The answer as it is stored (option values, evidence ids), for analysts and tools. */
function storedAnswer(value: AnswerValue | undefined): ExportCell {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.length > 0 ? value.join(MULTI_SEPARATOR) : null;
  return String(value);
}
