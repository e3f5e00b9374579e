/**
 * What the portal templates show, built from the portal state in the vendor's language: the section
 * list with progress, each question as a field (or a read-only context fact), its help, marks and
 * revision. Templates escape everything; nothing here builds HTML.
 */

import { CARRIED_OVER } from '../db/repo/answers.js';
import { type AnswerValue, type Evaluation, localize, type Question } from '../questionnaire/index.js';
import {
  COMMENT_SUFFIX,
  type Conflict,
  type PortalState,
  type Progress,
  progressOf,
  type SaveResult,
} from './answers.js';

import { localeSwitch, type Words, words } from './words.js';

export { words };

/** Element ids from answer keys: injective, and only characters a CSS id selector takes unescaped. */
export function domId(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, (c) => `-${c.charCodeAt(0).toString(16)}-`);
}

export interface FieldView {
  key: string;
  dom: string;
  revision: number;
  value: string;
  values: string[];
  error: string | null;
}

export interface QuestionView {
  id: string;
  dom: string;
  visible: boolean;
  type: Question['type'];
  text: string;
  help: string;
  required: boolean;
  multiline: boolean;
  maxLength: number | null;
  min: number | null;
  max: number | null;
  unit: string;
  options: Array<{ value: string; label: string }>;
  answer: FieldView | null;
  comment: (FieldView & { label: string; required: boolean; maxLength: number }) | null;
  /** Engine messages: the error shown next to the field, warnings beside it. */
  invalid: string | null;
  warnings: string[];
  /** A context fact: the requester's value, shown read-only. */
  context: { value: string } | null;
  conflict: (Conflict & { shown: string; when: string }) | null;
  /** File questions and questions with an evidence rule: their files, with signed download links. */
  evidence: { files: EvidenceFile[]; required: boolean; accept: string } | null;
  /** The reviewer's open comments asking for a change to this question. */
  changeRequests: readonly string[];
  /** The answer was copied from the previous assessment and not touched since. */
  carried: boolean;
}

export type EvidenceFile = { id: string; name: string; size: number; sha256: string; href: string };
/** Each question's files with their download links (minted per rendering). */
export type EvidenceFiles = Readonly<Record<string, EvidenceFile[]>>;

function display(question: Question, value: unknown, locale: string, state: PortalState, w: Words): string {
  if (value === null || value === undefined || value === '') return '';
  const label = (v: string) => {
    if (question.type === 'yes_no_na') return v === 'yes' ? w.yes : v === 'no' ? w.no : v === 'na' ? w.na : v;
    const o = question.options?.find((x) => x.value === v);
    return o ? localize(o.label, locale, state.q) : v;
  };
  if (Array.isArray(value)) return value.map((v) => label(String(v))).join(', ');
  return label(String(value));
}

function field(state: PortalState, key: string, overrides: Overrides): FieldView {
  const raw = key in overrides.values ? overrides.values[key] : state.rows[key]?.value;
  const values = Array.isArray(raw)
    ? raw.map(String)
    : raw === null || raw === undefined
      ? []
      : [String(raw)];
  return {
    key,
    dom: domId(key),
    revision: state.rows[key]?.revision ?? 0,
    value: values[0] ?? '',
    values,
    error: overrides.errors[key] ?? null,
  };
}

export interface Overrides {
  /** Values as the vendor typed them (a refused post shows them back). */
  values: Record<string, AnswerValue | string | string[]>;
  errors: Record<string, string>;
  conflict?: Conflict;
  files?: EvidenceFiles;
}
const NONE: Overrides = { values: {}, errors: {} };

export function questionView(
  state: PortalState,
  question: Question,
  locale: string,
  overrides: Overrides = NONE,
): QuestionView {
  const { q, evaluation } = state;
  const w = words(locale);
  const r = evaluation.questions[question.id];
  const visible = r?.visible ?? false;
  const messages = r?.messages ?? [];
  const options =
    question.type === 'yes_no_na'
      ? [
          { value: 'yes', label: w.yes },
          { value: 'no', label: w.no },
          ...(question.hasNa && question.na !== 'forbidden' ? [{ value: 'na', label: w.na }] : []),
        ]
      : (question.options ?? [])
          .filter((o) => o.value !== 'na' || question.na !== 'forbidden')
          .map((o) => ({ value: o.value, label: localize(o.label, locale, q) }));
  const commentKey = question.id + COMMENT_SUFFIX;
  const c = overrides.conflict;
  const conflictKey = c && (c.key === question.id || c.key === commentKey) ? c : null;
  return {
    id: question.id,
    dom: domId(question.id),
    visible,
    type: question.type,
    text: localize(question.text, locale, q),
    help: localize(question.help, locale, q),
    required: r?.required ?? false,
    multiline: question.multiline,
    maxLength: question.maxLength,
    min: question.min,
    max: question.max,
    unit: localize(question.unit, locale, q),
    options,
    answer: question.context || question.type === 'file' ? null : field(state, question.id, overrides),
    comment: question.comment
      ? {
          ...field(state, commentKey, overrides),
          label: localize(question.comment.label, locale, q) || w.comment,
          required: r?.commentRequired ?? false,
          maxLength: question.comment.maxLength,
        }
      : null,
    invalid: messages.find((m) => m.level === 'error')
      ? localize(messages.find((m) => m.level === 'error')!.message, locale, q)
      : null,
    warnings: messages.filter((m) => m.level === 'warning').map((m) => localize(m.message, locale, q)),
    context: question.context
      ? { value: display(question, state.context[question.id], locale, state, w) || w.notSet }
      : null,
    evidence:
      question.type === 'file' || question.evidence
        ? {
            files: overrides.files?.[question.id] ?? [],
            required: (r?.evidenceRequired ?? false) || (question.type === 'file' && (r?.required ?? false)),
            accept: (question.type === 'file' ? question.accept : (question.evidence?.accept ?? []))
              .map((x) => `.${x}`)
              .join(','),
          }
        : null,
    changeRequests: state.changeRequests[question.id] ?? [],
    carried: state.rows[question.id]?.updatedBy === CARRIED_OVER,
    conflict: conflictKey
      ? {
          ...conflictKey,
          shown: display(question, conflictKey.value, locale, state, w) || w.empty,
          when: conflictKey.updatedAt
            ? conflictKey.updatedAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
            : '',
        }
      : null,
  };
}

export interface PageView {
  lang: string;
  locales: Array<{ code: string; current: boolean }>;
  w: Words;
  assessmentId: string;
  tenantName: string;
  title: string;
  description: string;
  dueDate: string | null;
  editable: boolean;
  progress: Progress;
  section: { id: string; title: string; description: string; questions: QuestionView[] };
  next: string | null;
  /** A re-assessment: how many answers are still as copied from the previous submission. */
  carried: number;
  /** While changes are requested: the questions sent back, with where they are. */
  changesRequested: Array<{ id: string; dom: string; sectionId: string; text: string }>;
}

/** The page of one section. */
export function sectionPage(
  state: PortalState,
  sectionId: string,
  locale: string,
  overrides: Overrides = NONE,
): PageView {
  const { q } = state;
  const section = q.sections.find((s) => s.id === sectionId)!;
  const progress = progressOf(state, locale);
  const visible = progress.sections.filter((s) => s.visible);
  const at = visible.findIndex((s) => s.id === sectionId);
  const w = words(locale);
  return {
    lang: locale,
    locales: localeSwitch(q.locales, locale),
    w,
    assessmentId: state.assessment.id,
    tenantName: state.tenantName,
    title: localize(q.title, locale, q),
    description: localize(q.description, locale, q),
    dueDate: state.assessment.dueDate,
    editable: state.editable,
    progress,
    section: {
      id: section.id,
      title: localize(section.title, locale, q),
      description: localize(section.description, locale, q),
      questions: section.questions.map((question) => questionView(state, question, locale, overrides)),
    },
    next: at >= 0 && at + 1 < visible.length ? visible[at + 1]!.id : null,
    carried: state.editable
      ? Object.values(state.rows).filter((r) => r.updatedBy === CARRIED_OVER && r.value !== null).length
      : 0,
    changesRequested: Object.keys(state.changeRequests).flatMap((id) => {
      const question = q.questions.get(id);
      return question
        ? [{ id, dom: domId(id), sectionId: question.sectionId, text: localize(question.text, locale, q) }]
        : [];
    }),
  };
}

/**
 * After one autosave: the questions of the section whose visibility changed (swapped whole) and those
 * whose marks changed (required, invalid, warnings: only their marks are swapped, so a field being typed
 * in is never replaced under the cursor).
 */
export function changedQuestions(
  state: PortalState,
  before: Evaluation,
  sectionId: string,
): { toggled: Question[]; marked: Question[] } {
  const section = state.q.sections.find((s) => s.id === sectionId);
  const toggled: Question[] = [];
  const marked: Question[] = [];
  for (const question of section?.questions ?? []) {
    const a = before.questions[question.id];
    const b = state.evaluation.questions[question.id];
    if (!a || !b) continue;
    if (a.visible !== b.visible) toggled.push(question);
    else if (a.required !== b.required || a.commentRequired !== b.commentRequired || !sameMessages(a, b))
      marked.push(question);
  }
  return { toggled, marked };
}

type Messages = Evaluation['questions'][string]['messages'];

/**
 * Whether two evaluations gave a question the same messages. Most are the same objects (a rule's message
 * and the engine's constants are made once per questionnaire); others are compared as JSON, as before.
 * Called for every question of the section on every save, where stringifying both lists was most of it.
 */
function sameMessages(a: { messages: Messages }, b: { messages: Messages }): boolean {
  const x = a.messages;
  const y = b.messages;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const m = x[i]!;
    const n = y[i]!;
    if (m.level !== n.level) return false;
    if (m.message !== n.message && JSON.stringify(m.message) !== JSON.stringify(n.message)) return false;
  }
  return true;
}

export interface MarksView {
  dom: string;
  required: boolean;
  error: string | null;
  warnings: string[];
  conflict: (NonNullable<QuestionView['conflict']> & { reload: string }) | null;
}

/** The marks of a question's fields (answer, comment), as swapped after an autosave. */
export function marksOf(v: QuestionView, reload: string): MarksView[] {
  const conflictFor = (key: string) =>
    v.conflict && v.conflict.key === key ? { ...v.conflict, reload } : null;
  const out: MarksView[] = [];
  if (v.answer)
    out.push({
      dom: v.answer.dom,
      required: v.required,
      error: v.answer.error || v.invalid,
      warnings: v.warnings,
      conflict: conflictFor(v.answer.key),
    });
  if (v.comment)
    out.push({
      dom: v.comment.dom,
      required: v.comment.required,
      error: v.comment.error,
      warnings: [],
      conflict: conflictFor(v.comment.key),
    });
  return out;
}

/**
 * What one autosave answers, as out-of-band swaps: a refused value or a stale write gets only the
 * field's marks; a save gets the field's new revision and marks, the questions of the section whose
 * visibility changed (whole), the marks of those whose requirements or messages changed, progress
 * and the section list.
 */
export function autosaveView(result: SaveResult, key: string, locale: string) {
  const { state } = result;
  const questionId = key.endsWith(COMMENT_SUFFIX) ? key.slice(0, -COMMENT_SUFFIX.length) : key;
  const question = state.q.questions.get(questionId)!;
  const aid = state.assessment.id;
  const reload = `/v/a/${aid}/s/${encodeURIComponent(question.sectionId)}`;
  const data = {
    w: words(locale),
    aid,
    reload,
    current: question.sectionId,
    revs: [] as Array<{ key: string; dom: string; revision: number }>,
    marks: [] as MarksView[],
    toggled: [] as QuestionView[],
    progress: null as Progress | null,
  };
  const only = (marks: MarksView[]) => marks.filter((m) => m.dom === domId(key));
  if (result.kind === 'invalid') {
    const v = questionView(state, question, locale, { values: {}, errors: { [key]: result.message } });
    data.marks = only(marksOf(v, reload)).map((m) => ({ ...m, error: result.message }));
    return data;
  }
  if (result.kind === 'conflict') {
    data.marks = only(
      marksOf(
        questionView(state, question, locale, { values: {}, errors: {}, conflict: result.conflict }),
        reload,
      ),
    );
    return data;
  }
  data.revs = [{ key, dom: domId(key), revision: result.revision }];
  data.marks = plainMarks(state, question, locale);
  if (result.kind === 'saved') {
    const { toggled, marked } = changedQuestions(state, result.before, question.sectionId);
    data.toggled = toggled.map((q) => questionView(state, q, locale));
    for (const q of marked) if (q !== question) data.marks.push(...plainMarks(state, q, locale));
    data.progress = progressOf(state, locale);
  }
  return data;
}

/**
 * `marksOf(questionView(state, question, locale), reload)` without the rest of the question's view (its
 * text, help, options, files…): a question's marks with no typed-back values, errors or conflict, which
 * is what a save swaps. test/vendor/portal-view.test.ts holds the two equal.
 */
export function plainMarks(state: PortalState, question: Question, locale: string): MarksView[] {
  const r = state.evaluation.questions[question.id];
  const out: MarksView[] = [];
  if (!question.context && question.type !== 'file') {
    const messages = r?.messages ?? [];
    const error = messages.find((m) => m.level === 'error');
    out.push({
      dom: domId(question.id),
      required: r?.required ?? false,
      error: error ? localize(error.message, locale, state.q) : null,
      warnings: messages
        .filter((m) => m.level === 'warning')
        .map((m) => localize(m.message, locale, state.q)),
      conflict: null,
    });
  }
  if (question.comment)
    out.push({
      dom: domId(question.id + COMMENT_SUFFIX),
      required: r?.commentRequired ?? false,
      error: null,
      warnings: [],
      conflict: null,
    });
  return out;
}
