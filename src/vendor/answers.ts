/**
 * Answering an assessment, as the vendor sees it: the pinned questionnaire, the stored answers with
 * their revisions, the buyer's context facts, and what the engine makes of them (visibility, required
 * and invalid marks, progress). Writes are per answer and revision-checked: a write names the revision
 * it saw and is refused, never merged, when someone saved in between (two tabs, two colleagues).
 */

import { type DigestSecret, keyedValue } from '../audit/keyed-digest.js';
import { type AnswerRow, answerRevisionGuard, loadAnswerRows, saveAnswerAt } from '../db/repo/answers.js';
import {
  ASSESSMENT_OPEN,
  type Assessment,
  OPEN_STATUSES,
  readPortalHead,
  touchAnswers,
} from '../db/repo/assessments.js';
import { openChangeRequests } from '../db/repo/review-notes.js';
import { type ContactRow, getContact } from '../db/repo/vendor-contacts.js';
import { GuardError, type TenantReadCtx, type TenantWriteCtx } from '../db/store.js';
import { Invalid, normalizeAnswer, textLength } from '../questionnaire/answers.js';
import {
  type Answers,
  type AnswerValue,
  type Evaluation,
  localize,
  type Option,
  type Question,
  type Questionnaire,
} from '../questionnaire/index.js';
import { MESSAGES } from '../questionnaire/messages.js';
import { assessmentQuestionnaire } from '../workspace/questionnaires.js';
import { portalEvaluation } from './portal-evaluation.js';
import { refuse } from './refusals.js';

/** What the answering functions need of a portal scope (require-vendor.ts puts one on the context). */
export interface AnswerScope {
  assessmentId: string;
  contactId: string;
  read<T>(fn: (ctx: TenantReadCtx) => Promise<T> | T): Promise<T>;
  write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T>;
  /** The tenant's keyed-digest secret (src/audit/keyed-digest.ts), fetched before a unit, cached. */
  digestSecret(): Promise<DigestSecret>;
  /** Opens a contact's sealed name and email (the portal scope has it); without it a conflict names no one. */
  openContact?(row: ContactRow): Promise<{ name: string | null; email: string | null }>;
}

export interface PortalState {
  assessment: Assessment;
  /** The requester (the tenant that sent the assessment). */
  tenantName: string;
  /** The vendor answering it. */
  vendorName: string;
  q: Questionnaire;
  rows: Record<string, AnswerRow>;
  /** The stored values as the engine takes them (side keys included). */
  answers: Record<string, AnswerValue>;
  /** The question's files (the evidence table is their one record; their answer keys are derived). */
  evidence: Array<{ id: string; questionId: string; name: string; size: number; sha256: string }>;
  context: Answers;
  evaluation: Evaluation;
  today: string;
  /** Still taking answers (sent, in progress, or changes requested). */
  editable: boolean;
  /** The reviewer's open requests for changes, by question id (only while changes are requested). */
  changeRequests: Readonly<Record<string, readonly string[]>>;
}

export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Which assessment an evaluation is kept for (portal-evaluation.ts). */
const placeOf = (a: Pick<Assessment, 'tenantId' | 'id'>) => `${a.tenantId}:${a.id}`;

/** The assessment as the vendor sees it, or null when this tenant has no such assessment. */
export async function loadPortal(
  ctx: TenantReadCtx,
  assessmentId: string,
  now: Date,
): Promise<PortalState | null> {
  // The assessment (every column: the context facts come with it), the version's hash, the tenant's and
  // vendor's names, the answer rows and the live files: one statement.
  const head = await readPortalHead(ctx, assessmentId);
  // A draft was never sent, a revoked one was withdrawn: no vendor may see it, whatever session they hold.
  if (!head || head.assessment.status === 'draft' || head.assessment.status === 'revoked') return null;
  const { assessment, files } = head;
  // One after the other: a unit's statements share one connection (pg deprecates overlapping queries).
  // With the hash in hand, a cached questionnaire costs no statement.
  const q = await assessmentQuestionnaire(ctx, assessment, head.sourceHash);
  if (!q) return null;
  const rows: Record<string, AnswerRow> = Object.create(null);
  for (const r of head.answers) rows[r.key] = r;
  const context = (assessment as Assessment & { context?: Record<string, unknown> }).context ?? {};
  // Read only while changes are requested: every other portal request keeps its statement budget.
  const changeRequests: Record<string, string[]> = Object.create(null);
  if (assessment.status === 'changes_requested')
    for (const cr of await openChangeRequests(ctx, assessmentId))
      if (cr.questionId) changeRequests[cr.questionId] = [...(changeRequests[cr.questionId] ?? []), cr.body];
  const answers: Record<string, AnswerValue> = Object.create(null);
  for (const [k, r] of Object.entries(rows)) if (r.value !== null) answers[k] = r.value as AnswerValue;
  const today = isoDay(now);
  const ctxAnswers = context as Answers;
  const evidence = files.map((f) => ({
    id: f.id,
    questionId: f.questionId,
    name: f.fileName,
    size: f.size,
    sha256: f.sha256,
  }));
  return {
    assessment,
    tenantName: head.tenantName ?? '',
    vendorName: head.vendorName ?? '',
    q,
    rows,
    answers,
    evidence,
    context: ctxAnswers,
    evaluation: portalEvaluation(placeOf(assessment), q, answers, evidence, today, ctxAnswers),
    today,
    editable: OPEN_STATUSES.includes(assessment.status),
    changeRequests,
  };
}

/** Loads the portal state through a scope; 404 when the assessment is not there to answer. */
export async function portalState(scope: AnswerScope, now: Date): Promise<PortalState> {
  const state = await scope.read((ctx) => loadPortal(ctx, scope.assessmentId, now));
  if (!state) throw refuse(404, 'vendor.assessmentNotFound');
  return state;
}

// ---- keys and values -------------------------------------------------------------------------------

export const COMMENT_SUFFIX = '#comment';

/** The question an answer key belongs to, and which side of it (answer or comment) the key is. */
export function resolveKey(
  q: Questionnaire,
  key: string,
): { question: Question; side: 'answer' | 'comment' } | null {
  const comment = key.endsWith(COMMENT_SUFFIX);
  const id = comment ? key.slice(0, -COMMENT_SUFFIX.length) : key;
  const question = q.questions.get(id);
  if (!question) return null;
  if (comment) return question.comment ? { question, side: 'comment' } : null;
  return { question, side: 'answer' };
}

/** Keys a vendor may write for a question: its answer (unless a context fact or a file) and its comment. */
export function writableKeys(question: Question): string[] {
  const keys: string[] = [];
  if (!question.context && question.type !== 'file') keys.push(question.id);
  if (question.comment) keys.push(question.id + COMMENT_SUFFIX);
  return keys;
}

const optionMaps = new WeakMap<Question, ReadonlyMap<string, Option>>();
function optionsOf(question: Question): ReadonlyMap<string, Option> | null {
  if (!question.options) return null;
  let m = optionMaps.get(question);
  if (!m) {
    m = new Map(question.options.map((o) => [o.value, o]));
    optionMaps.set(question, m);
  }
  return m;
}

const NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/;
const ONE_VALUE = {
  en: 'Send one value for this field.',
  de: 'Senden Sie einen einzigen Wert für dieses Feld.',
  fr: 'Envoyez une seule valeur pour ce champ.',
};

export type Parsed = { ok: true; value: AnswerValue } | { ok: false; message: string };

/**
 * A form field's raw value(s) as the stored answer value (what the engine's types say is stored), or a
 * message. Shape only: whether the value is acceptable is {@link checkValue}'s.
 */
export function parseField(
  question: Question,
  side: 'answer' | 'comment',
  raw: string | string[] | undefined,
  locale: string,
  q: Questionnaire,
): Parsed {
  const msg = (t: Readonly<Record<string, string>>) => ({
    ok: false as const,
    message: localize(t, locale, q),
  });
  if (question.type === 'multi' && side === 'answer') {
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const values = list.filter((v) => v !== '');
    return { ok: true, value: values.length ? values : null };
  }
  if (Array.isArray(raw)) return msg(ONE_VALUE);
  const s = raw ?? '';
  if (side === 'comment' || question.type === 'text')
    return { ok: true, value: s.trim() === '' ? null : s.replace(/\r\n?/g, '\n') };
  const v = s.trim();
  if (v === '') return { ok: true, value: null };
  if (question.type === 'number') {
    if (!NUMBER.test(v)) return msg(MESSAGES.notNumber);
    const n = Number(v.replace(',', '.'));
    return Number.isFinite(n) ? { ok: true, value: n } : msg(MESSAGES.notNumber);
  }
  return { ok: true, value: v };
}

/**
 * Whether `value` may be stored under `key`: the engine's type check (options, lengths, ranges, dates),
 * then the question's own error-level validation rules evaluated on `after` (the answers with it).
 * Returns the message to show next to the field, or null.
 */
export function checkValue(
  state: Pick<PortalState, 'q' | 'context' | 'today'>,
  question: Question,
  side: 'answer' | 'comment',
  value: AnswerValue,
  locale: string,
  after?: Evaluation,
): string | null {
  const { q } = state;
  if (value === null) return null;
  if (side === 'comment') {
    const max = question.comment!.maxLength;
    if (typeof value !== 'string') return localize(MESSAGES.notText, locale, q);
    return textLength(value) > max ? localize(MESSAGES.tooLong(max), locale, q) : null;
  }
  const normal = normalizeAnswer(question, value, optionsOf(question));
  if (normal instanceof Invalid) return localize(normal.message, locale, q);
  const result = after?.questions[question.id];
  const error = result?.messages.find((m) => m.level === 'error');
  return error ? localize(error.message, locale, q) : null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// ---- writes --------------------------------------------------------------------------------------

/** Someone else's newer revision of an answer, shown instead of overwriting it. */
export interface Conflict {
  key: string;
  value: AnswerValue;
  revision: number;
  updatedAt: Date | null;
  /** Name or email of the contact who saved it, when a vendor did. */
  by: string | null;
}

export type SaveResult =
  | { kind: 'saved' | 'unchanged'; key: string; revision: number; before: Evaluation; state: PortalState }
  | { kind: 'invalid'; key: string; message: string; state: PortalState }
  | { kind: 'conflict'; conflict: Conflict; state: PortalState };

async function readConflict(scope: AnswerScope, key: string): Promise<Conflict> {
  const { row, stored } = await scope.read(async (ctx) => {
    const row = (await loadAnswerRows(ctx, scope.assessmentId))[key];
    return { row, stored: row?.updatedBy ? await getContact(ctx, row.updatedBy) : null };
  });
  // Opened after the unit: decrypting is not database work.
  const contact = stored && scope.openContact ? await scope.openContact(stored) : null;
  return {
    key,
    value: (row?.value ?? null) as AnswerValue,
    revision: row?.revision ?? 0,
    updatedAt: row?.updatedAt ?? null,
    by: contact ? contact.name || contact.email : null,
  };
}

/** The revision a form field carried: 0 (no row when it was rendered) or a positive integer. */
export function parseRevision(raw: string | string[] | undefined): number {
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) throw refuse(400, 'vendor.revisionsMissing');
  return Number(raw);
}

function refuseClosed(state: PortalState): void {
  if (!state.editable) throw refuse(409, 'vendor.submitted');
}

/** Queues a set of changed answers, each with its audit entry, in the caller's write unit. */
function queueAnswers(
  tx: TenantWriteCtx,
  scope: AnswerScope,
  secret: DigestSecret,
  writes: Array<{ key: string; value: AnswerValue; seen: number }>,
  now: Date,
  status?: Assessment['status'],
): void {
  touchAnswers(tx, scope.assessmentId, now, `vendor:${scope.contactId}`, status);
  for (const w of writes) {
    saveAnswerAt(tx, scope.assessmentId, w.key, w.value, w.seen, scope.contactId, now);
    // The trail records which answer changed and a digest of its value, never the value (issue 9); keyed,
    // since a plain SHA-256 of "yes" or an email is read back by trying candidates (docs/audit.md).
    tx.audit(
      {
        actor: `vendor:${scope.contactId}`,
        action: 'answer.saved',
        target: `assessment:${scope.assessmentId}`,
        data: {
          question: w.key,
          ...keyedValue(
            secret,
            ['answer.saved', `assessment:${scope.assessmentId}`, w.key, w.seen + 1],
            w.value ?? null,
          ),
          revision: w.seen + 1,
        },
      },
      now,
    );
  }
}

/**
 * What a refused commit means: 409 when the assessment left the open statuses meanwhile, the key whose
 * revision check failed (someone saved it in between), or the error itself.
 */
function lostKey(err: unknown, writes: ReadonlyArray<{ key: string }>): string {
  if (err instanceof GuardError) {
    if (err.guard === ASSESSMENT_OPEN) throw refuse(409, 'vendor.submitted');
    const lost = writes.find((w) => answerRevisionGuard(w.key) === err.guard);
    if (lost) return lost.key;
  }
  throw err;
}

/** Writes a set of changed answers in one unit; returns the key whose revision check failed, if any. */
async function commit(
  scope: AnswerScope,
  writes: Array<{ key: string; value: AnswerValue; seen: number }>,
  now: Date,
): Promise<string | null> {
  const secret = await scope.digestSecret();
  try {
    await scope.write((tx) => queueAnswers(tx, scope, secret, writes, now));
    return null;
  } catch (err) {
    return lostKey(err, writes);
  }
}

function withValues(
  state: PortalState,
  changes: Record<string, AnswerValue>,
  revisions: Record<string, number>,
  now: Date,
  by: string,
): PortalState {
  const answers: Record<string, AnswerValue> = Object.assign(Object.create(null), state.answers);
  const rows: Record<string, AnswerRow> = Object.assign(Object.create(null), state.rows);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete answers[k];
    else answers[k] = v;
    rows[k] = { key: k, value: v, revision: revisions[k]!, updatedAt: now, updatedBy: by };
  }
  // Kept for the assessment's next request, whose "before" it is (portal-evaluation.ts).
  const evaluation = portalEvaluation(
    placeOf(state.assessment),
    state.q,
    answers,
    state.evidence,
    state.today,
    state.context,
  );
  // As touchAnswers does: the first answer moves `sent` on; `changes_requested` stays until resubmission.
  const status = state.assessment.status === 'sent' ? 'in_progress' : state.assessment.status;
  return { ...state, answers, rows, evaluation, assessment: { ...state.assessment, status } };
}

function targetOf(state: PortalState, key: string) {
  const target = resolveKey(state.q, key);
  if (!target || !writableKeys(target.question).includes(key)) throw refuse(404, 'vendor.noQuestionToAnswer');
  if (!state.evaluation.questions[target.question.id]?.visible) throw refuse(409, 'vendor.questionHidden');
  return target;
}

/**
 * Autosave of one answer key (htmx, on change), in one write unit: the portal state is read, the value
 * parsed and checked against the engine's evaluation with it, and the write (open-status guard,
 * revision check, audit entry) queued, all in the same unit. `localeFor` picks the vendor's language
 * once the questionnaire is known (it may refuse an unknown one). 404 when the assessment is not there
 * to answer.
 */
export async function saveOne(
  scope: AnswerScope,
  key: string,
  raw: string | string[] | undefined,
  seen: number,
  localeFor: (q: Questionnaire, stored: string | null) => string,
  now: Date,
): Promise<SaveResult & { locale: string }> {
  let result: (SaveResult & { locale: string }) | undefined;
  let read: { state: PortalState; locale: string } | undefined;
  // Before the unit: asynchronous crypto (a cached promise after the tenant's first save).
  const secret = await scope.digestSecret();
  try {
    await scope.write(async (tx) => {
      const state = await loadPortal(tx, scope.assessmentId, now);
      if (!state) throw refuse(404, 'vendor.assessmentNotFound');
      const locale = localeFor(state.q, state.assessment.locale);
      read = { state, locale };
      refuseClosed(state);
      const { question, side } = targetOf(state, key);
      const parsed = parseField(question, side, raw, locale, state.q);
      if (!parsed.ok) {
        result = { kind: 'invalid', key, message: parsed.message, state, locale };
        return;
      }
      const value = parsed.value;
      const current = state.rows[key];
      if (same(current?.value, value)) {
        const revision = current?.revision ?? 0;
        result = { kind: 'unchanged', key, revision, before: state.evaluation, state, locale };
        return;
      }
      const after = withValues(state, { [key]: value }, { [key]: seen + 1 }, now, scope.contactId);
      const message = checkValue(state, question, side, value, locale, after.evaluation);
      if (message) {
        result = { kind: 'invalid', key, message, state, locale };
        return;
      }
      // The status this unit read: an answered assessment needs no first-answer event (touchAnswers).
      queueAnswers(tx, scope, secret, [{ key, value, seen }], now, state.assessment.status);
      result = { kind: 'saved', key, revision: seen + 1, before: state.evaluation, state: after, locale };
    });
  } catch (err) {
    const lost = lostKey(err, [{ key }]);
    // A refused commit comes after the read: the state is the one the unit saw, as the page had it.
    const { state, locale } = read!;
    return { kind: 'conflict', conflict: await readConflict(scope, lost), state, locale };
  }
  return result!;
}

export type SectionResult =
  | { kind: 'saved'; state: PortalState; saved: number }
  | {
      kind: 'invalid';
      state: PortalState;
      errors: Record<string, string>;
      values: Record<string, AnswerValue | string | string[]>;
    }
  | { kind: 'conflict'; state: PortalState; conflict: Conflict };

/**
 * "Save and continue" without JavaScript: every field the section page rendered (each carries its
 * revision as `_rev.<key>`). All or nothing: one bad value saves none of them and comes back with
 * its message; one stale revision saves none and shows the newer value.
 */
export async function saveSection(
  scope: AnswerScope,
  state: PortalState,
  sectionId: string,
  fields: Record<string, string | string[]>,
  locale: string,
  now: Date,
): Promise<SectionResult> {
  refuseClosed(state);
  const section = state.q.sections.find((s) => s.id === sectionId);
  if (!section) throw refuse(404, 'vendor.noSection');
  const errors: Record<string, string> = {};
  const values: Record<string, AnswerValue | string | string[]> = {};
  const changes: Record<string, AnswerValue> = {};
  const seen: Record<string, number> = {};
  const targets: Record<string, ReturnType<typeof resolveKey>> = {};
  for (const question of section.questions) {
    for (const key of writableKeys(question)) {
      const rev = fields[`_rev.${key}`];
      if (rev === undefined) continue; // not on the page that was posted
      seen[key] = parseRevision(rev);
      const side = key === question.id ? 'answer' : 'comment';
      targets[key] = { question, side };
      const parsed = parseField(question, side, fields[key], locale, state.q);
      if (!parsed.ok) {
        errors[key] = parsed.message;
        values[key] = fields[key] ?? '';
        continue;
      }
      values[key] = parsed.value;
      if (!same(state.rows[key]?.value, parsed.value)) changes[key] = parsed.value;
    }
  }
  const revisions = Object.fromEntries(Object.keys(changes).map((k) => [k, seen[k]! + 1]));
  const after = withValues(state, changes, revisions, now, scope.contactId);
  for (const key of Object.keys(changes)) {
    const { question, side } = targets[key]!;
    // A question the same post hid is left as it was: its answer is neither checked nor saved.
    if (!after.evaluation.questions[question.id]?.visible) {
      delete changes[key];
      continue;
    }
    const message = checkValue(state, question, side, changes[key]!, locale, after.evaluation);
    if (message) errors[key] = message;
  }
  if (Object.keys(errors).length) return { kind: 'invalid', state, errors, values };
  const writes = Object.entries(changes).map(([key, value]) => ({ key, value, seen: seen[key]! }));
  if (writes.length === 0) return { kind: 'saved', state, saved: 0 };
  const lost = await commit(scope, writes, now);
  if (lost) return { kind: 'conflict', state, conflict: await readConflict(scope, lost) };
  return {
    kind: 'saved',
    state: withValues(state, changes, revisions, now, scope.contactId),
    saved: writes.length,
  };
}

/**
 * Saves values that were already checked (an offline import's accepted rows), each over the revision it
 * was previewed against. A row whose answer changed since the preview is left alone and reported; the
 * others are saved in one unit.
 */
export async function saveChecked(
  scope: AnswerScope,
  writes: Array<{ key: string; value: AnswerValue; seen: number }>,
  now: Date,
): Promise<{ saved: string[]; conflicts: Conflict[] }> {
  let pending = writes;
  const conflicts: Conflict[] = [];
  while (pending.length) {
    const lost = await commit(scope, pending, now);
    if (!lost) break;
    conflicts.push(await readConflict(scope, lost));
    pending = pending.filter((w) => w.key !== lost);
  }
  return { saved: pending.map((w) => w.key), conflicts };
}

// ---- progress ------------------------------------------------------------------------------------

export interface SectionProgress {
  id: string;
  title: string;
  visible: boolean;
  /** Visible questions the vendor answers (context facts excluded). */
  total: number;
  answered: number;
  requiredOpen: number;
}

export interface Progress {
  sections: SectionProgress[];
  total: number;
  answered: number;
  requiredOpen: number;
  percent: number;
}

export function progressOf(state: PortalState, locale: string): Progress {
  const { q, evaluation } = state;
  const sections = q.sections.map((s) => {
    const r = evaluation.sections.find((x) => x.id === s.id)!;
    let total = 0;
    let answered = 0;
    for (const question of s.questions) {
      const qr = evaluation.questions[question.id];
      if (question.context || !qr?.visible) continue;
      total++;
      if (qr.answered) answered++;
    }
    return {
      id: s.id,
      title: localize(s.title, locale, q),
      visible: r.visible,
      total,
      answered,
      requiredOpen: r.requiredOpen,
    };
  });
  const shown = sections.filter((s) => s.visible);
  const total = shown.reduce((n, s) => n + s.total, 0);
  const answered = shown.reduce((n, s) => n + s.answered, 0);
  const requiredOpen = shown.reduce((n, s) => n + s.requiredOpen, 0);
  return {
    sections,
    total,
    answered,
    requiredOpen,
    percent: total ? Math.floor((answered * 100) / total) : 100,
  };
}
