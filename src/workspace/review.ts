/**
 * Reviewing a submission (issue 8, "Assessments"): the answers by section as the vendor saw them
 * (visibility applied, evaluated on the day of submission), section and overall scores with the band
 * and the headline rating, evidence with SHA-256, each stored finding with the rule that raised it,
 * internal notes, requests for changes on specific questions (a fresh single-use link by mail; the
 * vendor sees the comments in the portal and resubmits, which issues a new receipt), marking reviewed,
 * and re-assessment ("send again") with the previous answers carried over and a per-question diff.
 *
 * Every action reads first, signs links outside the unit, then writes in one unit with one audit entry
 * holding ids and digests only (never a note's text or an answer).
 */

import semver from 'semver';
import { digestSecretOf, valueHmac } from '../audit/keyed-digest.js';
import { sha256Hex } from '../crypto/hash.js';
import { isId, newId } from '../db/ids.js';
import { CARRIED_OVER, loadAnswerRows, saveAnswerAt } from '../db/repo/answers.js';
import { insertAssessmentEvent } from '../db/repo/assessment-events.js';
import {
  ASSESSMENT_IN_STATUS,
  type Assessment,
  type AssessmentStatus,
  getAssessment,
  insertAssessment,
  transitionAssessment,
} from '../db/repo/assessments.js';
import { listEvidence } from '../db/repo/evidence.js';
import { listFindings } from '../db/repo/findings.js';
import { getQuestionnaireVersionMeta, listQuestionnaireVersions } from '../db/repo/questionnaires.js';
import { insertReviewNote, listReviewNotes, type ReviewNote } from '../db/repo/review-notes.js';
import { currentTenant } from '../db/repo/tenants.js';
import { getContact } from '../db/repo/vendor-contacts.js';
import { issueVendorLink } from '../db/repo/vendor-links.js';
import { getVendor } from '../db/repo/vendors.js';
import { GuardError, type TenantReadCtx, type TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { mailKeys } from '../mail/keys.js';
import { queueMail } from '../mail/queue.js';
import { assessmentMailLocale, renderEmail } from '../mail/templates.js';
import type { Ports } from '../platform/ports.js';
import { Invalid, normalizeAnswer } from '../questionnaire/answers.js';
import {
  type Answers,
  type AnswerValue,
  evaluate,
  localize,
  type Question,
  type Questionnaire,
} from '../questionnaire/index.js';
import { contactDataFor } from '../vendor/contact-data.js';
import { withEvidence } from '../vendor/evidence-answers.js';
import { issueLink, newLinkId } from '../vendor/links.js';
import { type ContextField, contextFields, contextFieldValues } from './context-fields.js';
import { assessmentQuestionnaire } from './questionnaires.js';

/** What the review functions need of a workspace session (app-routes.ts puts one on the context). */
export interface ReviewScope {
  userId: string;
  tenantId: string;
  read<T>(fn: (ctx: TenantReadCtx) => Promise<T> | T): Promise<T>;
  write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T>;
}

export type ReviewDeps = Pick<Ports, 'store' | 'master' | 'keys' | 'clock' | 'templates'> & {
  baseUrl: string;
  mail?: Pick<Ports['mail'], 'queued'>;
};

export { CARRIED_OVER };

export const NOTE_MAX = 4000;
export const COMMENT_MAX = 2000;
/** More change requests than this in one go is not a review, it is a new questionnaire. */
export const MAX_CHANGE_REQUESTS = 100;

/** Statuses a review can act on: only a submission is reviewed or sent back. */
const REVIEWABLE: AssessmentStatus[] = ['submitted'];
/** Statuses a re-assessment can follow. */
const REASSESSABLE: AssessmentStatus[] = ['submitted', 'reviewed'];

const NOT_FOUND = 'No such assessment.';
const day = (d: Date) => d.toISOString().slice(0, 10);

/** Text a reviewer typed: trimmed, line breaks normalised, non-empty and within `max` characters. */
export function reviewText(raw: unknown, max: number, what: string): string {
  const s = typeof raw === 'string' ? raw.replace(/\r\n?/g, '\n').trim() : '';
  if (s === '') throw new HttpError(422, `Write the ${what}.`);
  if ([...s].length > max) throw new HttpError(422, `The ${what} is too long: at most ${max} characters.`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s))
    throw new HttpError(422, `The ${what} contains control characters.`);
  return s;
}

// ---- the review page ------------------------------------------------------------------------------

export interface ReviewFile {
  id: string;
  fileName: string;
  size: number;
  sha256: string;
}

export interface ReviewQuestion {
  id: string;
  text: string;
  type: Question['type'];
  /** The answer as the vendor chose it, in the questionnaire's default language; '' when unanswered. */
  answer: string;
  comment: string;
  context: boolean;
  score: number | null;
  files: ReviewFile[];
  /** Open and earlier change requests on this question. */
  requests: Array<{ body: string; createdAt: Date; resolved: boolean }>;
  /** Re-assessment: the previous assessment's answer, when it differs (null: unchanged or no previous). */
  change: { kind: 'changed' | 'new' | 'removed'; before: string; after: string } | null;
  /** Copied from the previous assessment and not touched by the vendor. */
  carried: boolean;
}

export interface ReviewSection {
  id: string;
  title: string;
  score: number | null;
  questions: ReviewQuestion[];
}

export interface ReviewFinding {
  key: string;
  title: string;
  rating: string;
  likelihood: number;
  impact: number;
  remediation: string;
  dueDate: string | null;
  controls: string[];
  questionId: string;
  question: string;
  /** The condition that raised it, as written in the questionnaire (or what raised it otherwise). */
  rule: string;
}

export interface AssessmentReview {
  assessment: Assessment;
  questionnaire: { ref: string; title: string };
  vendorName: string;
  score: number | null;
  band: string | null;
  rating: string | null;
  ratingDrivers: string[];
  sections: ReviewSection[];
  findings: ReviewFinding[];
  notes: ReviewNote[];
  /** The questions a change can be requested on (visible, answerable by the vendor). */
  requestable: Array<{ id: string; text: string }>;
  previous: { id: string; submittedAt: Date | null; changed: number } | null;
  /** The newest version of the same questionnaire, when it is newer than the pinned one. */
  latestVersion: string | null;
  /** The buyer-set context facts, for the form that changes them (review-context.ts), with their values. */
  contextFacts: Array<ContextField & { values: string[] }>;
  /**
   * A submission that no longer meets the current facts (a reviewer changed them after it came in): the
   * visible vendor questions they make required that have no answer (or lack the file or comment they now
   * require), in document order. Non-empty: the rating is provisional and it cannot be marked reviewed.
   */
  incomplete: IncompleteQuestion[];
}

export interface IncompleteQuestion {
  id: string;
  text: string;
  /** What is missing: the answer, the file or the comment the current facts require. */
  missing: 'answer' | 'evidence' | 'comment';
}

const MISSING: Partial<Record<string, IncompleteQuestion['missing']>> = {
  required: 'answer',
  'evidence-required': 'evidence',
  'comment-required': 'comment',
};

/** Statuses whose answers were submitted (and so were complete under the facts of that day). */
const SUBMITTED: AssessmentStatus[] = ['submitted', 'reviewed'];

/** What a stored answer reads like to a person (option labels in the questionnaire's default language). */
export function shownAnswer(q: Questionnaire, question: Question, value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const locale = q.defaultLocale;
  const label = (v: string) => {
    if (question.type === 'yes_no_na')
      return v === 'yes' ? 'Yes' : v === 'no' ? 'No' : v === 'na' ? 'Not applicable' : v;
    const o = question.options?.find((x) => x.value === v);
    return o ? localize(o.label, locale, q) : v;
  };
  if (Array.isArray(value)) return value.map((v) => label(String(v))).join(', ');
  if (question.type === 'yes_no_na' || question.type === 'single') return label(String(value));
  return String(value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Loads everything the review page shows; 404 for an assessment this tenant does not have (or a draft). */
export async function loadAssessmentReview(
  scope: ReviewScope,
  assessmentId: string,
  now: Date,
): Promise<AssessmentReview> {
  if (!isId(assessmentId)) throw new HttpError(404, NOT_FOUND);
  const r = await scope.read(async (ctx) => {
    const assessment = await getAssessment(ctx, assessmentId);
    if (!assessment || assessment.status === 'draft') return null;
    const q = await assessmentQuestionnaire(ctx, assessment);
    const rows = await loadAnswerRows(ctx, assessment.id);
    const evidence = await listEvidence(ctx, assessment.id);
    const findings = await listFindings(ctx, assessment.id);
    const notes = await listReviewNotes(ctx, assessment.id);
    const vendor = await getVendor(ctx, assessment.vendorId);
    const previous = assessment.previousAssessmentId
      ? await getAssessment(ctx, assessment.previousAssessmentId)
      : null;
    const previousRows = previous ? await loadAnswerRows(ctx, previous.id) : null;
    const previousQ = previous ? await assessmentQuestionnaire(ctx, previous) : null;
    const versions = q ? await listQuestionnaireVersions(ctx, q.id) : [];
    return {
      assessment,
      q,
      rows,
      evidence,
      findings,
      notes,
      vendor,
      previous,
      previousRows,
      previousQ,
      versions,
    };
  });
  if (!r?.q) throw new HttpError(404, NOT_FOUND);
  const { assessment, q } = r;
  const answers: Record<string, AnswerValue> = Object.create(null);
  for (const [k, row] of Object.entries(r.rows))
    if (row.value !== null) answers[k] = row.value as AnswerValue;
  const live = r.evidence; // listEvidence returns live files only (deleted ones are kept for the audit)
  const files = live.map((e) => ({
    id: e.id,
    questionId: e.questionId,
    name: e.fileName,
    size: e.size,
    sha256: e.sha256,
  }));
  // As the vendor saw it: the same engine, the same context facts, on the day they submitted.
  const asOf = day(assessment.submittedAt ?? now);
  const evaluation = evaluate(q, withEvidence(q, answers, files), asOf, {
    context: assessment.context as Answers,
  });
  const previousAnswers = r.previousRows;
  let changed = 0;
  const sections: ReviewSection[] = [];
  const requestable: Array<{ id: string; text: string }> = [];
  for (const s of q.sections) {
    const sr = evaluation.sections.find((x) => x.id === s.id);
    if (!sr?.visible) continue;
    const questions: ReviewQuestion[] = [];
    for (const question of s.questions) {
      const res = evaluation.questions[question.id];
      if (!res?.visible) continue;
      const text = localize(question.text, q.defaultLocale, q);
      const value = question.context ? (assessment.context as Answers)[question.id] : answers[question.id];
      const comment = answers[`${question.id}#comment`];
      let change: ReviewQuestion['change'] = null;
      if (previousAnswers && !question.context && question.type !== 'file') {
        const before = previousAnswers[question.id]?.value ?? null;
        const beforeQuestion = r.previousQ?.questions.get(question.id) ?? question;
        if (!same(before, value ?? null)) {
          changed++;
          change = {
            kind: before === null ? 'new' : value === undefined || value === null ? 'removed' : 'changed',
            before: shownAnswer(r.previousQ ?? q, beforeQuestion, before),
            after: shownAnswer(q, question, value),
          };
        }
      }
      questions.push({
        id: question.id,
        text,
        type: question.type,
        answer: shownAnswer(q, question, value),
        comment: typeof comment === 'string' ? comment : '',
        context: question.context,
        score: res.score,
        files: live
          .filter((e) => e.questionId === question.id)
          .map((e) => ({ id: e.id, fileName: e.fileName, size: e.size, sha256: e.sha256 })),
        requests: r.notes
          .filter((n) => n.kind === 'change_request' && n.questionId === question.id)
          .map((n) => ({ body: n.body, createdAt: n.createdAt, resolved: n.resolvedAt !== null })),
        change,
        carried: r.rows[question.id]?.updatedBy === CARRIED_OVER,
      });
      if (!question.context) requestable.push({ id: question.id, text });
    }
    sections.push({ id: s.id, title: localize(s.title, q.defaultLocale, q), score: sr.score, questions });
  }
  const findings: ReviewFinding[] = r.findings.map((f) => {
    const def = q.findings.get(f.findingKey);
    const question = q.questions.get(f.questionId);
    return {
      key: f.findingKey,
      title: f.title,
      rating: f.rating,
      likelihood: f.likelihood,
      impact: f.impact,
      remediation: f.remediation,
      dueDate: f.dueDate,
      controls: f.controls,
      questionId: f.questionId,
      question: question ? localize(question.text, q.defaultLocale, q) : f.questionId,
      rule: def
        ? def.origin === 'na-claim'
          ? `${f.questionId} answered "not applicable" on a must-have control; rated as the control failing until a reviewer confirms the claim (accepts or closes its risk)`
          : def.when.source
        : f.findingKey.startsWith(EXPIRED_PREFIX)
          ? `the date answered to ${f.questionId} has passed (evidence validity, checked daily)`
          : '(not in this questionnaire version)',
    };
  });
  // Only a submission can fall short of facts changed after it: an open one is still being answered.
  const incomplete = SUBMITTED.includes(assessment.status) ? openRequired(q, evaluation.issues) : [];
  const newest = r.versions.reduce<string | null>(
    (best, v) => (best === null || semver.gt(v.version, best) ? v.version : best),
    null,
  );
  return {
    assessment,
    questionnaire: { ref: q.ref, title: localize(q.title, q.defaultLocale, q) },
    vendorName: r.vendor?.name ?? '',
    score: assessment.scorePermille === null ? evaluation.score : assessment.scorePermille / 10,
    band: assessment.band ?? evaluation.band,
    rating: assessment.rating ?? evaluation.rating,
    ratingDrivers: evaluation.ratingDrivers,
    sections,
    findings,
    notes: r.notes,
    requestable,
    previous: r.previous ? { id: r.previous.id, submittedAt: r.previous.submittedAt, changed } : null,
    latestVersion: newest && semver.gt(newest, q.version) ? newest : null,
    contextFacts: contextFields(q).map((f) => ({
      ...f,
      values: contextFieldValues((assessment.context as Record<string, unknown>)[f.key]),
    })),
    incomplete,
  };
}

/** The finding key of an expired certificate or report (src/workspace/evidence-validity.ts). */
export const EXPIRED_PREFIX = 'evidence-expired:';

// ---- notes -----------------------------------------------------------------------------------------

/** An internal note on the assessment: never shown to the vendor. */
export async function addReviewNote(
  deps: Pick<ReviewDeps, 'clock' | 'store' | 'master'>,
  scope: ReviewScope,
  assessmentId: string,
  rawBody: unknown,
): Promise<ReviewNote> {
  const body = reviewText(rawBody, NOTE_MAX, 'note');
  const now = deps.clock.now();
  const assessment = await scope.read((ctx) => getAssessment(ctx, assessmentId));
  if (!assessment || assessment.status === 'draft') throw new HttpError(404, NOT_FOUND);
  // Before the unit: asynchronous crypto (cached per tenant). A note may quote an answer: keyed digest.
  const secret = await digestSecretOf(deps, scope.tenantId);
  return scope.write((tx) => {
    const note = insertReviewNote(
      tx,
      { assessmentId: assessment.id, questionId: null, kind: 'note', body, authorUserId: scope.userId },
      now,
    );
    tx.audit(
      {
        actor: `user:${scope.userId}`,
        action: 'assessment.review_note_added',
        target: `assessment:${assessment.id}`,
        data: {
          note: note.id,
          body_hmac: valueHmac(
            secret,
            ['assessment.review_note_added', `assessment:${assessment.id}`, note.id],
            body,
          ),
          hmac_key: secret.keyId,
        },
      },
      now,
    );
    return note;
  });
}

// ---- requests for changes ----------------------------------------------------------------------------

export interface ChangeRequestInput {
  questionId: string;
  comment: unknown;
}

const NOT_SUBMITTED =
  'Only a submitted assessment can be sent back for changes or marked reviewed; this one is not (any more).';

/**
 * Sends a submission back to the vendor with a comment on each named question: status
 * `changes_requested` (answers open again), the comments stored, a fresh single-use link (every older
 * link revoked) mailed to the assessment's contact, all in one unit guarded on `submitted`.
 */
export async function requestChanges(
  deps: ReviewDeps,
  scope: ReviewScope,
  assessmentId: string,
  requests: ChangeRequestInput[],
): Promise<{ requests: number; linkExpiresAt: Date }> {
  const now = deps.clock.now();
  if (requests.length === 0)
    throw new HttpError(422, 'Choose at least one question and write what should change.');
  if (requests.length > MAX_CHANGE_REQUESTS)
    throw new HttpError(422, `At most ${MAX_CHANGE_REQUESTS} questions can be sent back at once.`);
  const seen = await scope.read(async (ctx) => {
    const assessment = await getAssessment(ctx, assessmentId);
    if (!assessment || assessment.status === 'draft') return null;
    const q = await assessmentQuestionnaire(ctx, assessment);
    const contact = await getContact(ctx, assessment.contactId);
    const tenant = await currentTenant(ctx);
    return { assessment, q, contact, tenant };
  });
  if (!seen?.q || !seen.contact || !seen.tenant) throw new HttpError(404, NOT_FOUND);
  const { assessment, q } = seen;
  // The contact's address is sealed (src/vendor/contact-data.ts): opened here, before the unit that mails it.
  const contact = await contactDataFor(deps).open(scope.tenantId, seen.contact);
  if (!contact.email)
    throw new HttpError(409, 'The assessment’s contact was erased; nothing can be mailed to them.');
  if (!REVIEWABLE.includes(assessment.status)) throw new HttpError(409, NOT_SUBMITTED);
  const checked: Array<{ questionId: string; body: string }> = [];
  const ids = new Set<string>();
  for (const r of requests) {
    const question = typeof r.questionId === 'string' ? q.questions.get(r.questionId) : undefined;
    if (!question || question.context)
      throw new HttpError(422, 'A change can be requested only on a question of this questionnaire.');
    if (ids.has(question.id)) throw new HttpError(422, 'Each question can be named only once.');
    ids.add(question.id);
    const text = localize(question.text, q.defaultLocale, q);
    checked.push({
      questionId: question.id,
      body: reviewText(r.comment, COMMENT_MAX, `comment on "${text}"`),
    });
  }
  const secret = await digestSecretOf(deps, scope.tenantId);
  const jti = newLinkId();
  const link = await issueLink(
    deps.keys,
    { tid: scope.tenantId, aid: assessment.id, sub: assessment.contactId, jti },
    { issuer: deps.baseUrl, now, hours: assessment.linkTtlHours },
  );
  try {
    await scope.write((tx) => {
      // Guarded: a concurrent request, a resubmission race or a mark-reviewed wins alone.
      transitionAssessment(tx, assessment.id, REVIEWABLE, 'changes_requested', { receipt: null }, now);
      // The status event (the guarded transition above is its move; see assessment-events.ts).
      insertAssessmentEvent(tx, {
        assessmentId: assessment.id,
        kind: 'changes_requested',
        actor: `user:${scope.userId}`,
        at: now,
      });
      for (const c of checked)
        insertReviewNote(
          tx,
          {
            assessmentId: assessment.id,
            questionId: c.questionId,
            kind: 'change_request',
            body: c.body,
            authorUserId: scope.userId,
          },
          now,
        );
      issueVendorLink(tx, {
        jti,
        assessmentId: assessment.id,
        contactId: assessment.contactId,
        purpose: 'fresh',
        issuedAt: now,
        expiresAt: link.expiresAt,
      });
      const locale = assessmentMailLocale(assessment, q.defaultLocale);
      const mail = renderEmail(deps.templates, 'changes_requested', locale, {
        tenantName: seen.tenant!.name,
        questionnaireTitle: localize(q.title, locale, q),
        link: `${deps.baseUrl}/v/${link.token}`,
        origin: deps.baseUrl,
        linkExpiresAt: link.expiresAt,
        questions: checked.length,
      });
      queueMail(
        tx,
        { tenantId: scope.tenantId, dedupeKey: mailKeys.changes(jti), to: contact.email, email: mail },
        now,
      );
      tx.audit(
        {
          actor: `user:${scope.userId}`,
          action: 'assessment.changes_requested',
          target: `assessment:${assessment.id}`,
          data: {
            questions: checked.map((c) => c.questionId),
            comments_hmac: checked.map((c) =>
              valueHmac(
                secret,
                ['assessment.changes_requested', `assessment:${assessment.id}`, c.questionId],
                c.body,
              ),
            ),
            hmac_key: secret.keyId,
            previous_receipt_sha256: assessment.receipt ? sha256Hex(assessment.receipt) : null,
          },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === ASSESSMENT_IN_STATUS)
      throw new HttpError(409, NOT_SUBMITTED);
    throw err;
  }
  deps.mail?.queued();
  return { requests: checked.length, linkExpiresAt: link.expiresAt };
}

// ---- mark reviewed -----------------------------------------------------------------------------------

export async function markReviewed(
  deps: Pick<ReviewDeps, 'clock'>,
  scope: ReviewScope,
  assessmentId: string,
): Promise<void> {
  const now = deps.clock.now();
  const assessment = await scope.read((ctx) => getAssessment(ctx, assessmentId));
  if (!assessment || assessment.status === 'draft') throw new HttpError(404, NOT_FOUND);
  if (!REVIEWABLE.includes(assessment.status)) throw new HttpError(409, NOT_SUBMITTED);
  // A response that does not meet the current facts is not signed off: its rating is provisional.
  // `read` is the row the completeness was checked on, in the same read as the answers and facts.
  const { incomplete, assessment: read } = await loadAssessmentReview(scope, assessment.id, now);
  if (incomplete.length > 0) throw new HttpError(409, incompleteRefusal(incomplete));
  try {
    await scope.write((tx) => {
      // Guarded on the row the completeness check read: a context change (or anything else) since then
      // fails the unit, so a sign-off never lands on facts it did not check.
      transitionAssessment(tx, assessment.id, REVIEWABLE, 'reviewed', {}, now, read.updatedAt);
      insertAssessmentEvent(tx, {
        assessmentId: assessment.id,
        kind: 'reviewed',
        actor: `user:${scope.userId}`,
        at: now,
      });
      tx.audit(
        {
          actor: `user:${scope.userId}`,
          action: 'assessment.reviewed',
          target: `assessment:${assessment.id}`,
          data: { answers_sha256: assessment.answersHash, rating: assessment.rating },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === ASSESSMENT_IN_STATUS) {
      const now2 = await scope.read((ctx) => getAssessment(ctx, assessment.id));
      throw new HttpError(
        409,
        now2 && REVIEWABLE.includes(now2.status)
          ? 'The assessment changed while you were reviewing it (its context facts, say); look at it again before marking it reviewed.'
          : NOT_SUBMITTED,
      );
    }
    throw err;
  }
}

/** The required questions an evaluation's issues leave unanswered (or without their evidence). */
export function openRequired(
  q: Questionnaire,
  issues: readonly { kind: string; questionId: string }[],
): IncompleteQuestion[] {
  const incomplete: IncompleteQuestion[] = [];
  for (const issue of issues) {
    const missing = MISSING[issue.kind];
    const question = q.questions.get(issue.questionId);
    if (!missing || !question || question.context) continue;
    // A file question's answer is its file.
    const what = question.type === 'file' && missing === 'answer' ? 'evidence' : missing;
    incomplete.push({ id: question.id, text: localize(question.text, q.defaultLocale, q), missing: what });
  }
  return incomplete;
}

/** Why an incomplete submission cannot be marked reviewed, naming the questions. */
export function incompleteRefusal(incomplete: IncompleteQuestion[]): string {
  const n = incomplete.length;
  return `${n} required ${n === 1 ? 'question is' : 'questions are'} unanswered under the current context facts (${incomplete
    .map((i) => i.id)
    .join(
      ', ',
    )}): request changes on ${n === 1 ? 'it' : 'them'}, or change the facts back, before marking the assessment reviewed.`;
}

// ---- re-assessment -----------------------------------------------------------------------------------

export interface SendAgainInput {
  /** `same`: the pinned version; `latest`: the newest published version of the same questionnaire. */
  version: unknown;
  dueDate?: unknown;
}

/**
 * The answers of the previous assessment that still fit `q`: same question id and type, a value the
 * engine accepts for it (an option that still exists…), and comments where the question still takes one.
 * Files are not carried: evidence belongs to the assessment it was uploaded for, and is asked again.
 */
export function carriedAnswers(
  previous: Questionnaire,
  q: Questionnaire,
  rows: Record<string, { value: unknown }>,
): Record<string, AnswerValue> {
  const out: Record<string, AnswerValue> = {};
  for (const [key, row] of Object.entries(rows)) {
    if (row.value === null || row.value === undefined) continue;
    const comment = key.endsWith('#comment');
    const id = comment ? key.slice(0, -'#comment'.length) : key;
    const question = q.questions.get(id);
    const before = previous.questions.get(id);
    if (!question || !before || question.context) continue;
    // Comments are carried for file questions too (their files are not: the vendor uploads again).
    if (comment) {
      // Cut by code points, as every length limit counts: a UTF-16 cut could leave half a surrogate pair.
      if (question.comment && typeof row.value === 'string')
        out[key] = Array.from(row.value).slice(0, question.comment.maxLength).join('');
      continue;
    }
    if (question.type === 'file') continue;
    if (before.type !== question.type) continue;
    const options = question.options ? new Map(question.options.map((o) => [o.value, o])) : null;
    const value = normalizeAnswer(question, row.value, options);
    if (value === null || value instanceof Invalid) continue;
    out[key] = value as AnswerValue;
  }
  return out;
}

/**
 * "Send again": a new assessment of the same questionnaire (the same version, or the newest) for the
 * same vendor and contact, naming the previous one, with its answers copied in (marked carried over:
 * the vendor confirms or changes them; a carried answer counts as an answer, so the vendor may submit
 * without touching it). A new invitation link is mailed.
 */
export async function sendAgain(
  deps: ReviewDeps,
  scope: ReviewScope,
  assessmentId: string,
  input: SendAgainInput,
): Promise<{ assessmentId: string; carried: number }> {
  const now = deps.clock.now();
  if (input.version !== 'same' && input.version !== 'latest')
    throw new HttpError(422, 'Choose the same questionnaire version or the latest one.');
  const dueDate = checkDue(input.dueDate, day(now));
  const seen = await scope.read(async (ctx) => {
    const previous = await getAssessment(ctx, assessmentId);
    if (!previous || previous.status === 'draft') return null;
    const pinned = await getQuestionnaireVersionMeta(ctx, previous.questionnaireVersionId);
    if (!pinned) return null;
    const versions = await listQuestionnaireVersions(ctx, pinned.questionnaireId);
    const target =
      input.version === 'same'
        ? pinned
        : versions.reduce((best, v) => (semver.gt(v.version, best.version) ? v : best), pinned);
    const previousQ = await assessmentQuestionnaire(ctx, previous);
    // The re-assessment keeps the previous one's comment policy, as it keeps its link lifetime.
    const q = await assessmentQuestionnaire(ctx, {
      questionnaireVersionId: target.id,
      commentsEverywhere: previous.commentsEverywhere,
    });
    const rows = await loadAnswerRows(ctx, previous.id);
    const contact = await getContact(ctx, previous.contactId);
    const vendor = await getVendor(ctx, previous.vendorId);
    const tenant = await currentTenant(ctx);
    return { previous, target, previousQ, q, rows, contact, vendor, tenant };
  });
  if (!seen?.q || !seen.previousQ || !seen.contact || !seen.vendor || !seen.tenant)
    throw new HttpError(404, NOT_FOUND);
  const { previous, target, q } = seen;
  const to = (await contactDataFor(deps).open(scope.tenantId, seen.contact)).email;
  if (!to) throw new HttpError(409, 'The assessment’s contact was erased; nothing can be mailed to them.');
  if (!REASSESSABLE.includes(previous.status))
    throw new HttpError(409, 'Only a submitted or reviewed assessment can be sent again.');
  const carried = carriedAnswers(seen.previousQ, q, seen.rows);
  const id = newId();
  const jti = newLinkId();
  const link = await issueLink(
    deps.keys,
    { tid: scope.tenantId, aid: id, sub: previous.contactId, jti },
    { issuer: deps.baseUrl, now, hours: previous.linkTtlHours },
  );
  await scope.write((tx) => {
    insertAssessment(
      tx,
      {
        id,
        vendorId: previous.vendorId,
        contactId: previous.contactId,
        questionnaireVersionId: target.id,
        dueDate,
        otpRequired: previous.otpRequired,
        createdBy: scope.userId,
        context: { ...previous.context },
        linkTtlHours: previous.linkTtlHours,
        commentsEverywhere: previous.commentsEverywhere,
        locale: previous.locale,
        status: 'sent',
        sentAt: now,
        previousAssessmentId: previous.id,
      },
      now,
    );
    insertAssessmentEvent(tx, { assessmentId: id, kind: 'sent', actor: `user:${scope.userId}`, at: now });
    for (const [key, value] of Object.entries(carried))
      saveAnswerAt(tx, id, key, value, 0, CARRIED_OVER, now);
    issueVendorLink(tx, {
      jti,
      assessmentId: id,
      contactId: previous.contactId,
      purpose: 'invite',
      issuedAt: now,
      expiresAt: link.expiresAt,
    });
    const mailLocale = assessmentMailLocale(previous, q.defaultLocale);
    const email = renderEmail(deps.templates, 'invitation', mailLocale, {
      tenantName: seen.tenant!.name,
      senderName: null,
      vendorName: seen.vendor!.name,
      questionnaireTitle: localize(q.title, mailLocale, q),
      dueDate,
      link: `${deps.baseUrl}/v/${link.token}`,
      origin: deps.baseUrl,
      linkExpiresAt: link.expiresAt,
      linkHours: previous.linkTtlHours,
      otp: previous.otpRequired,
    });
    queueMail(tx, { tenantId: scope.tenantId, dedupeKey: mailKeys.invite(jti), to, email }, now);
    tx.audit(
      {
        actor: `user:${scope.userId}`,
        action: 'assessment.reassessment_sent',
        target: `assessment:${id}`,
        data: {
          previous: previous.id,
          vendor: previous.vendorId,
          contact: previous.contactId,
          questionnaire: `${target.questionnaireId}@${target.version}`,
          carried: Object.keys(carried).length,
        },
      },
      now,
    );
  });
  deps.mail?.queued();
  return { assessmentId: id, carried: Object.keys(carried).length };
}

function checkDue(raw: unknown, today: string): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw))
    throw new HttpError(422, 'Give the due date as YYYY-MM-DD.');
  const d = new Date(`${raw}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || day(d) !== raw)
    throw new HttpError(422, 'The due date is not a calendar date.');
  if (raw < today) throw new HttpError(422, 'The due date is in the past.');
  return raw;
}
