/**
 * A reviewer changes the buyer-set context facts of an assessment (issue 10, "Scope set by the buyer"):
 * the service's criticality and the like, which the vendor sees read-only. The reason is required and
 * kept as an internal note; the audit entry holds the fact ids and keyed digests (HMAC, docs/audit.md
 * "Keyed digests": a fact is a choice, so a plain digest is guessed) of the old and new facts and of the
 * note, never the note's text.
 *
 * - Still open (sent … changes requested): the facts change what the vendor sees from the next page on.
 * - Submitted or reviewed: the answers are evaluated again under the new facts on the day they were
 *   submitted, the stored score, band and rating, the findings and the risk register follow. The signed
 *   receipt stays as it was: it attests what the vendor submitted, under the facts of that day; the
 *   change and the new rating are in the audit trail and the assessment's timeline.
 * - Reviewed, and the new facts leave required questions unanswered: the sign-off no longer holds, so the
 *   assessment goes back to `submitted` (a `review_reopened` event, `reopened` and the open questions in
 *   the audit entry) and is marked reviewed again only once it meets the facts (docs/review.md).
 */
import canonicalize from 'canonicalize';
import { digestSecretOf, valueHmac } from '../audit/keyed-digest.js';
import { isId } from '../db/ids.js';
import { loadAnswerRows } from '../db/repo/answers.js';
import { insertAssessmentEvent } from '../db/repo/assessment-events.js';
import {
  type AssessmentStatus,
  CONTEXT_SEEN,
  changeAssessmentContext,
  getAssessment,
  hasLaterSubmission,
  OPEN_STATUSES,
  transitionAssessment,
} from '../db/repo/assessments.js';
import { listEvidence } from '../db/repo/evidence.js';
import { type FindingInput, replaceFindings } from '../db/repo/findings.js';
import { insertReviewNote } from '../db/repo/review-notes.js';
import { GuardError } from '../db/store.js';
import { HttpError } from '../errors.js';
import {
  type Answers,
  type AnswerValue,
  contextFromPairs,
  evaluate,
  localize,
} from '../questionnaire/index.js';
import { syncRisksFromFindings } from '../risk/sync.js';
import { withEvidence } from '../vendor/evidence-answers.js';
import { postedContext } from './context-fields.js';
import { assessmentQuestionnaire } from './questionnaires.js';
import { COMMENT_MAX, openRequired, type ReviewDeps, type ReviewScope, reviewText } from './review.js';

/** Statuses whose answers are scored and stored: a context change re-rates them. */
const RERATED: AssessmentStatus[] = ['submitted', 'reviewed'];
/** Statuses in which the facts can be changed: open for answers, or submitted and not replaced. */
export const CONTEXT_EDITABLE: AssessmentStatus[] = [...OPEN_STATUSES, ...RERATED];

const NOT_FOUND = 'No such assessment.';
const RACED = 'The assessment changed while you were editing it; look at it again and repeat the change.';

export interface ContextChange {
  /** Fact ids whose value changed (set, changed or cleared). */
  facts: string[];
  /** The new headline rating, when a submission was re-rated. */
  rating: string | null;
  rerated: boolean;
  /** Required questions the new facts leave open on a reviewed assessment: it went back to submitted. */
  reopened: string[];
}

const shown = (v: unknown) =>
  v === undefined ? 'not set' : Array.isArray(v) ? v.join(', ') || 'none' : String(v);

/** The review form's fields: `ctx.<fact id>`, repeated for a multi fact (src/workspace/context-fields.ts). */
export type ContextFormFields = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Changes the context facts the form posted (`ctx.<fact id>`, read as the CLI's `--context` pairs; posted
 * empty: cleared). A fact the form did not post keeps its value, so a partial form cannot wipe one. Refuses an unknown fact or value, no change at all, or a missing reason (422); a
 * revoked, expired-and-closed or cancelled assessment, or a submission the vendor has since replaced by
 * a later one (409, the register follows the later one).
 */
export async function changeContext(
  deps: Pick<ReviewDeps, 'clock' | 'store' | 'master'>,
  scope: ReviewScope,
  assessmentId: string,
  fields: ContextFormFields,
  rawReason: unknown,
): Promise<ContextChange> {
  const now = deps.clock.now();
  if (!isId(assessmentId)) throw new HttpError(404, NOT_FOUND);
  const seen = await scope.read(async (ctx) => {
    const assessment = await getAssessment(ctx, assessmentId);
    if (!assessment || assessment.status === 'draft') return null;
    const q = await assessmentQuestionnaire(ctx, assessment);
    if (!q) return null;
    const rerate = RERATED.includes(assessment.status);
    return {
      assessment,
      q,
      rows: rerate ? await loadAnswerRows(ctx, assessment.id) : {},
      evidence: rerate ? await listEvidence(ctx, assessment.id) : [],
      later: rerate ? await hasLaterSubmission(ctx, assessment, q.id) : false,
    };
  });
  if (!seen) throw new HttpError(404, NOT_FOUND);
  const { assessment, q } = seen;
  if (q.contextFacts.length === 0) throw new HttpError(422, `${q.ref} has no context facts to change.`);
  const reason = reviewText(rawReason, COMMENT_MAX, 'reason for the change');
  if (!CONTEXT_EDITABLE.includes(assessment.status))
    throw new HttpError(409, 'The context can be changed only while the assessment is open or under review.');
  const posted = postedContext(q, fields);
  const checked = contextFromPairs(q, posted.pairs);
  const problems = [...posted.problems, ...(checked.ok ? [] : checked.problems)];
  if (!checked.ok || problems.length > 0) throw new HttpError(422, problems.map((p) => p.message).join(' '));
  const before = assessment.context as Record<string, unknown>;
  const set = checked.context as Record<string, unknown>;
  const after: Record<string, unknown> = { ...before };
  for (const key of posted.posted)
    if (Object.hasOwn(set, key)) after[key] = set[key];
    else delete after[key];
  const facts = q.contextFacts
    .map((f) => f.id)
    .filter((id) => canonicalize(before[id] ?? null) !== canonicalize(after[id] ?? null));
  if (facts.length === 0) throw new HttpError(422, 'Nothing changed: the facts are as they were.');
  if (seen.later)
    throw new HttpError(
      409,
      'The vendor has submitted this questionnaire again since; change the context on the latest assessment.',
    );

  const rerate = RERATED.includes(assessment.status);
  let rerated: { scorePermille: number | null; band: string | null; rating: string | null } | null = null;
  let findings: FindingInput[] = [];
  let reopened: string[] = [];
  if (rerate) {
    const answers: Record<string, AnswerValue> = Object.create(null);
    for (const [k, row] of Object.entries(seen.rows))
      if (row.value !== null) answers[k] = row.value as AnswerValue;
    const files = seen.evidence.map((e) => ({
      id: e.id,
      questionId: e.questionId,
      name: e.fileName,
      size: e.size,
      sha256: e.sha256,
    }));
    // As the submission was evaluated: the same answers and files, on the day they were submitted.
    const asOf = (assessment.submittedAt ?? now).toISOString().slice(0, 10);
    const ev = evaluate(q, withEvidence(q, answers, files), asOf, { context: after as Answers });
    if (assessment.status === 'reviewed') reopened = openRequired(q, ev.issues).map((i) => i.id);
    rerated = {
      scorePermille: ev.score === null ? null : Math.round(ev.score * 10),
      band: ev.band,
      rating: ev.rating,
    };
    findings = ev.findings.map((f) => ({
      findingKey: f.id,
      questionId: f.questionId,
      title: localize(f.title, q.defaultLocale, q),
      remediation: localize(f.remediation, q.defaultLocale, q),
      likelihood: f.likelihood,
      impact: f.impact,
      rating: f.rating,
      dueDate: f.dueDate,
      controls: f.controls,
    }));
  }
  const label = (id: string) => localize(q.questions.get(id)!.text, q.defaultLocale, q);
  const note = `Context changed. ${facts
    .map((id) => `${label(id)}: ${shown(before[id])} → ${shown(after[id])}.`)
    .join(' ')} Reason: ${reason}`;
  const actor = `user:${scope.userId}`;
  // Before the unit: asynchronous crypto (cached per tenant).
  const secret = await digestSecretOf(deps, scope.tenantId);
  try {
    await scope.write(async (tx) => {
      changeAssessmentContext(tx, assessment, after, rerated, now);
      insertAssessmentEvent(tx, { assessmentId: assessment.id, kind: 'context_changed', actor, at: now });
      if (reopened.length > 0) {
        // The same unit, after the guarded context write: the row is still `reviewed`, as read.
        transitionAssessment(tx, assessment.id, ['reviewed'], 'submitted', {}, now);
        insertAssessmentEvent(tx, { assessmentId: assessment.id, kind: 'review_reopened', actor, at: now });
      }
      const saved = insertReviewNote(
        tx,
        {
          assessmentId: assessment.id,
          questionId: null,
          kind: 'note',
          body: note,
          authorUserId: scope.userId,
        },
        now,
      );
      if (rerate) {
        const ids = replaceFindings(tx, assessment.id, assessment.vendorId, findings, now);
        await syncRisksFromFindings(
          tx,
          {
            vendorId: assessment.vendorId,
            scope: q.id,
            assessmentId: assessment.id,
            actor,
            raised: findings.map((f, i) => ({
              findingId: f.findingKey,
              findingRowId: ids[i] ?? null,
              questionId: f.questionId,
              title: f.title,
              description: f.remediation,
              likelihood: f.likelihood,
              impact: f.impact,
              dueDate: f.dueDate,
              controls: f.controls,
            })),
          },
          now,
        );
      }
      // The place each digest is bound to (src/audit/keyed-digest.ts): this change, by its note.
      const place = ['assessment.context_changed', `assessment:${assessment.id}`, saved.id] as const;
      tx.audit(
        {
          actor,
          action: 'assessment.context_changed',
          target: `assessment:${assessment.id}`,
          data: {
            facts,
            context_before_hmac: valueHmac(secret, [...place, 'before'], before),
            context_after_hmac: valueHmac(secret, [...place, 'after'], after),
            note: saved.id,
            note_hmac: valueHmac(secret, [...place, 'note'], note),
            hmac_key: secret.keyId,
            ...(rerated
              ? {
                  score: rerated.scorePermille === null ? null : rerated.scorePermille / 10,
                  rating_before: assessment.rating,
                  rating: rerated.rating,
                  findings: findings.length,
                }
              : {}),
            ...(reopened.length > 0 ? { reopened: true, status: 'submitted', open_questions: reopened } : {}),
          },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === CONTEXT_SEEN) throw new HttpError(409, RACED);
    throw err;
  }
  return { facts, rating: rerated?.rating ?? null, rerated: rerate, reopened };
}
