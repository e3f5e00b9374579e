/**
 * Review and submission. The review lists what still blocks submission; with the tenant's OTP option a
 * six-digit code is mailed and typed; submission is exactly once: the answers read are frozen (the
 * assessment's answer revision is part of the guarded transition, and every answer write bumps it
 * under an open-status guard), canonicalised (RFC 8785) and hashed, scored with the pinned
 * questionnaire, findings stored and fed to the risk register, and a signed receipt written — all in
 * one unit. A second click, in any tab, gets the first submission's receipt.
 * security.md §3, §7 OTP-01…07, BL-01.
 */
import canonicalize from 'canonicalize';
import { attestForReceipt, entryOf } from '../audit/receipt-proof.js';
import { base64UrlToBytes } from '../crypto/encoding.js';
import { sha256Hex } from '../crypto/hash.js';
import {
  CODE_MATCHES,
  CODE_TRY_LEFT,
  countAccessTry,
  findLiveAccessCode,
  insertAccessCode,
  MAX_CODE_ATTEMPTS,
  spendAccessCode,
} from '../db/repo/access-codes.js';
import { loadAnswers } from '../db/repo/answers.js';
import {
  type Assessment,
  getAssessment,
  OPEN_STATUSES,
  SUBMISSION_FROZE,
  submitAssessmentRow,
} from '../db/repo/assessments.js';
import { replaceReceipt } from '../db/repo/audit.js';
import { listEvidence } from '../db/repo/evidence.js';
import { type FindingInput, replaceFindings } from '../db/repo/findings.js';
import { resolveChangeRequests } from '../db/repo/review-notes.js';
import { currentTenant } from '../db/repo/tenants.js';
import { type ContactRow, getContact } from '../db/repo/vendor-contacts.js';
import { getVendor } from '../db/repo/vendors.js';
import { GuardError, type TenantReadCtx, type TenantWriteCtx } from '../db/store.js';
import { mailKeys } from '../mail/keys.js';
import { queueMail } from '../mail/queue.js';
import { assessmentMailLocale, type EmailLocale, renderEmail } from '../mail/templates.js';
import type { Ports } from '../platform/ports.js';
import {
  type Answers,
  type Evaluation,
  evaluate,
  localize,
  type Questionnaire,
} from '../questionnaire/index.js';
import { syncRisksFromFindings } from '../risk/sync.js';
import { recordAssessmentEvent } from '../workspace/assessment-events.js';
import { assessmentQuestionnaire } from '../workspace/questionnaires.js';
import type { ReportSecurityEvent } from '../workspace/security-log.js';
import { CODE_SHAPE, CODE_TRIES_PER_DAY, CODE_TTL_MS, codeHash, newCode, normaliseCode } from './codes.js';
import { withEvidence } from './evidence-answers.js';
import { ANSWERS_DIGEST_ALG, issueReceipt, type ReceiptInput, type ReceiptPayload } from './receipts.js';
import { refuse } from './refusals.js';

export type SubmissionDeps = Pick<Ports, 'keys' | 'master' | 'clock' | 'rateLimits' | 'templates'> & {
  baseUrl: string;
  /** With the store, the receipt carries a checkpoint and the inclusion proof of its entry (issue 9). */
  store?: Ports['store'];
  /** Woken after a unit that queued mail commits. */
  mail?: Pick<Ports['mail'], 'queued'>;
};

/** What the portal scope gives: units in the session's tenant, its assessment and contact. */
export interface SubmissionScope {
  id: string;
  tenantId: string;
  assessmentId: string;
  contactId: string;
  read<T>(fn: (ctx: TenantReadCtx) => Promise<T> | T): Promise<T>;
  write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T>;
  /** Opens the contact's sealed fields (src/vendor/contact-data.ts), outside any unit. */
  openContact(row: ContactRow): Promise<{ email: string | null }>;
}

/** The session contact's address, read and then opened outside the unit that mails it; null once erased. */
async function contactAddress(scope: SubmissionScope): Promise<string | null> {
  const stored = await scope.read((ctx) => getContact(ctx, scope.contactId));
  return stored ? (await scope.openContact(stored)).email : null;
}

export interface Review {
  assessment: Assessment;
  questionnaire: Questionnaire;
  answers: Answers;
  evaluation: Evaluation;
  tenantName: string;
  vendorName: string;
  evidence: { id: string; questionId: string; fileName: string; size: number; sha256: string }[];
}

const today = (now: Date) => now.toISOString().slice(0, 10);

/** Everything a review and a submission read, in one read unit. */
export async function loadReview(scope: SubmissionScope, now: Date): Promise<Review> {
  const r = await scope.read(async (ctx) => {
    const assessment = await getAssessment(ctx, scope.assessmentId);
    if (!assessment) return null;
    const [questionnaire, answers, tenant, vendor, evidence] = await Promise.all([
      assessmentQuestionnaire(ctx, assessment),
      loadAnswers(ctx, assessment.id),
      currentTenant(ctx),
      getVendor(ctx, assessment.vendorId),
      listEvidence(ctx, assessment.id),
    ]);
    return { assessment, questionnaire, answers, tenant, vendor, evidence };
  });
  if (!r?.questionnaire || !r.tenant || !r.vendor) throw refuse(404, 'vendor.noAssessment');
  const live = r.evidence.filter((e) => !(e as { deletedAt?: Date | null }).deletedAt);
  const answers = withEvidence(r.questionnaire, r.answers as Answers, live);
  const evaluation = evaluate(r.questionnaire, answers, today(now), {
    context: r.assessment.context as Answers,
  });
  return {
    assessment: r.assessment,
    questionnaire: r.questionnaire,
    answers,
    evaluation,
    tenantName: r.tenant.name,
    vendorName: r.vendor.name,
    evidence: live.map((e) => ({
      id: e.id,
      questionId: e.questionId,
      fileName: e.fileName,
      size: e.size,
      sha256: e.sha256,
    })),
  };
}

/** The frozen answers' digest: SHA-256 over the RFC 8785 (JCS) form of the stored answer map. */
export function answersDigest(answers: Answers): string {
  const canonical = canonicalize({ ...answers });
  if (canonical === undefined) throw new Error('answers cannot be canonicalised');
  return sha256Hex(canonical);
}

/** Mails a submission code to the assessment's contact, bound to this vendor session (OTP-07). */
export async function requestSubmitCode(
  deps: SubmissionDeps,
  scope: SubmissionScope,
  report: ReportSecurityEvent = () => {},
): Promise<void> {
  const now = deps.clock.now();
  const review = await loadReview(scope, now);
  if (!OPEN_STATUSES.includes(review.assessment.status)) throw refuse(409, 'vendor.alreadySubmitted');
  if (!review.assessment.otpRequired) throw refuse(400, 'vendor.noCodeNeeded');
  const hit = await deps.rateLimits.hit(
    { name: 'submit-code-send', subject: scope.assessmentId },
    60 * 60_000,
  );
  if (hit.count > 5) {
    report({
      tenantId: scope.tenantId,
      kind: 'rate_limited',
      data: { via: 'submit_code_send', assessment: scope.assessmentId },
    });
    throw refuse(429, 'vendor.submitCodeTooOften');
  }
  const code = newCode();
  const hash = await codeHash(
    deps.master,
    { tenantId: scope.tenantId, assessmentId: scope.assessmentId, purpose: 'submit' },
    code,
  );
  const to = await contactAddress(scope);
  if (!to) throw refuse(404, 'vendor.noAssessment');
  await scope.write(async (tx) => {
    const id = insertAccessCode(tx, {
      assessmentId: scope.assessmentId,
      contactId: scope.contactId,
      purpose: 'submit',
      binding: scope.id,
      codeHash: hash,
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
      createdAt: now,
    });
    const locale = assessmentMailLocale(review.assessment, review.questionnaire.defaultLocale);
    const mail = renderEmail(deps.templates, 'submit_code', locale, {
      origin: deps.baseUrl,
      tenantName: review.tenantName,
      questionnaireTitle: localize(review.questionnaire.title, locale, review.questionnaire),
      code,
      codeMinutes: CODE_TTL_MS / 60_000,
    });
    queueMail(tx, { tenantId: scope.tenantId, dedupeKey: mailKeys.submitCode(id), to, email: mail }, now);
  });
  deps.mail?.queued();
}

export interface Submitted {
  receipt: string;
  payload: ReceiptPayload;
  /** False when this call found the submission another click (or tab) made. */
  fresh: boolean;
}

/**
 * Submits. `typedCode` is required when the tenant asked for OTP. Refuses with the review's issues while
 * anything required is missing or invalid (422).
 */
export async function submit(
  deps: SubmissionDeps,
  scope: SubmissionScope,
  typedCode?: string,
  report: ReportSecurityEvent = () => {},
): Promise<Submitted> {
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock.now();
    const review = await loadReview(scope, now);
    const { assessment, evaluation, questionnaire } = review;
    if (assessment.receipt)
      return { receipt: assessment.receipt, payload: decode(assessment.receipt), fresh: false };
    if (!OPEN_STATUSES.includes(assessment.status)) throw refuse(409, 'vendor.alreadySubmitted');
    if (!evaluation.canSubmit) {
      const count = evaluation.issues.length;
      throw refuse(422, count === 1 ? 'vendor.issuesLeftOne' : 'vendor.issuesLeftMany', {
        params: { count },
      });
    }
    const code = assessment.otpRequired ? await checkCode(deps, scope, typedCode ?? '', now, report) : null;

    const answersSha256 = answersDigest(review.answers);
    const input: ReceiptInput = {
      iss: deps.baseUrl,
      tenant: { id: scope.tenantId, name: review.tenantName },
      assessment: assessment.id,
      vendor: review.vendorName,
      questionnaire: { ref: questionnaire.ref, sourceSha256: questionnaire.sourceHash },
      answers: { alg: ANSWERS_DIGEST_ALG, digest: answersSha256, count: Object.keys(review.answers).length },
      evidence: review.evidence.map((e) => ({
        id: e.id,
        question: e.questionId,
        sha256: e.sha256,
        size: e.size,
      })),
      score: evaluation.score,
      band: evaluation.band,
      rating: evaluation.rating,
      findings: evaluation.findings.length,
      submittedAt: now.toISOString(),
      contact: scope.contactId,
    };
    // Signing is not database work: it happens before the unit, and is thrown away if the unit loses.
    const receipt = await issueReceipt(deps.keys, input);
    const findings: FindingInput[] = evaluation.findings.map((f) => ({
      findingKey: f.id,
      questionId: f.questionId,
      title: localize(f.title, questionnaire.defaultLocale, questionnaire),
      remediation: localize(f.remediation, questionnaire.defaultLocale, questionnaire),
      likelihood: f.likelihood,
      impact: f.impact,
      rating: f.rating,
      dueDate: f.dueDate,
      controls: f.controls,
    }));
    const to = await contactAddress(scope);
    try {
      await scope.write(async (tx) => {
        if (code) spendAccessCode(tx, code.id, code.hash, now);
        submitAssessmentRow(
          tx,
          assessment.id,
          assessment.answersRevision,
          {
            scorePermille: evaluation.score === null ? null : Math.round(evaluation.score * 10),
            band: evaluation.band,
            rating: evaluation.rating,
            answersHash: answersSha256,
            receipt,
            submittedBy: `vendor:${scope.contactId}`,
          },
          now,
        );
        recordAssessmentEvent(tx, {
          assessmentId: assessment.id,
          kind: 'submitted',
          actor: `vendor:${scope.contactId}`,
          at: now,
        });
        // A resubmission (after a request for changes) re-runs findings: its findings replace the earlier ones.
        const resubmission = assessment.status === 'changes_requested';
        const findingIds = replaceFindings(tx, assessment.id, assessment.vendorId, findings, now);
        if (resubmission) resolveChangeRequests(tx, assessment.id, now);
        // The register follows the findings: one risk per (vendor, finding), closed when no longer raised.
        await syncRisksFromFindings(
          tx,
          {
            vendorId: assessment.vendorId,
            scope: questionnaire.id,
            assessmentId: assessment.id,
            actor: `vendor:${scope.contactId}`,
            raised: findings.map((f, i) => ({
              findingId: f.findingKey,
              findingRowId: findingIds[i] ?? null,
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
        tx.audit(
          {
            actor: `vendor:${scope.contactId}`,
            action: resubmission ? 'assessment.resubmitted' : 'assessment.submitted',
            target: `assessment:${assessment.id}`,
            data: {
              answers_sha256: answersSha256,
              evidence_sha256: review.evidence.map((e) => e.sha256),
              score: evaluation.score,
              rating: evaluation.rating,
              findings: findings.length,
              receipt_sha256: sha256Hex(receipt),
            },
          },
          now,
        );
      });
    } catch (err) {
      if (err instanceof GuardError && err.guard === CODE_MATCHES) {
        report({
          tenantId: scope.tenantId,
          kind: 'code_failed',
          data: { via: 'submit_code', assessment: scope.assessmentId, reason: 'wrong' },
        });
        throw refuse(422, 'vendor.submitCodeWrong', { fields: { code: 'vendor.codeNotRight' } });
      }
      // Another click submitted, or an answer changed after it was read: read again (a second click
      // then finds the receipt; a changed answer is re-checked and re-hashed).
      if (err instanceof GuardError && err.guard === SUBMISSION_FROZE && attempt < 3) continue;
      throw err;
    }
    // The submission is in the trail: a checkpoint right after it, and the receipt re-signed with the
    const mailLocale = assessmentMailLocale(assessment, questionnaire.defaultLocale);
    // checkpoint and the proof of its entry, with the receipt mail, in a second unit. A crash between the
    // two leaves the submission without its mail: the recovery job (finishPendingReceipts) finishes it.
    const final = await finishReceipt(
      deps,
      { tenantId: scope.tenantId, write: (fn) => scope.write(fn) },
      {
        assessmentId: assessment.id,
        plain: receipt,
        to,
        locale: mailLocale,
        questionnaireTitle: localize(questionnaire.title, mailLocale, questionnaire),
      },
      now,
    );
    deps.mail?.queued();
    return { receipt: final, payload: decode(final), fresh: true };
  }
}

/** The key of a submission's receipt mail: one per submission (its plain receipt), whichever receipt it carries. */
export const receiptMailKey = mailKeys.receipt;

export interface PendingReceipt {
  assessmentId: string;
  /** The receipt the submission unit stored (no checkpoint yet). */
  plain: string;
  /** The contact's address, opened outside the unit; null once erased (nothing is mailed). */
  to: string | null;
  /** The assessment's mail language (assessmentMailLocale). */
  locale: EmailLocale;
  questionnaireTitle: string;
}

/**
 * Finishes a committed submission: re-signs its receipt with a checkpoint and the inclusion proof of its
 * entry, and queues the receipt mail, in one unit: the attested receipt when attesting worked, the plain
 * one otherwise. Exactly once per submission however often it runs (the submission itself, then the
 * recovery job after a crash, or both at once): the attested receipt replaces the plain one only while
 * the plain one is still there (guard `receipt-unchanged`: a second finisher's unit is rolled back), and
 * the mail's key is the submission's, so a second queueing of it does nothing. Returns the receipt now
 * on the assessment as far as this call knows.
 */
export async function finishReceipt(
  deps: Pick<SubmissionDeps, 'keys' | 'baseUrl' | 'store' | 'clock' | 'templates'>,
  scope: { tenantId: string; write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T> },
  pending: PendingReceipt,
  now: Date,
): Promise<string> {
  const { assessmentId, plain, to } = pending;
  const payload = decode(plain);
  const attested = await attestReceipt(deps, scope.tenantId, plain).catch(() => null);
  const unit = (final: string) =>
    scope.write(async (tx) => {
      if (final !== plain) {
        replaceReceipt(tx, assessmentId, plain, final);
        tx.audit(
          {
            actor: 'system',
            action: 'assessment.receipt_attested',
            target: `assessment:${assessmentId}`,
            data: {
              receipt_sha256: sha256Hex(final),
              checkpoint_size: decode(final).audit?.inclusionProof?.treeSize ?? null,
            },
          },
          now,
        );
      }
      if (to) {
        queueMail(
          tx,
          {
            tenantId: scope.tenantId,
            // Per submission: a resubmission mails its new receipt too; one submission is mailed once.
            dedupeKey: receiptMailKey(assessmentId, plain),
            to,
            email: renderEmail(deps.templates, 'receipt', pending.locale, {
              origin: deps.baseUrl,
              tenantName: payload.tenant.name,
              questionnaireTitle: pending.questionnaireTitle,
              receipt: final,
              answersSha256: payload.answers.digest,
              submittedAt: new Date(payload.submittedAt),
            }),
          },
          now,
        );
      }
      return final;
    });
  if (attested) {
    try {
      return await unit(attested);
    } catch (err) {
      // Another finisher replaced the plain receipt first: it queued the mail too.
      if (err instanceof GuardError && err.guard === 'receipt-unchanged') return attested;
      // Otherwise the plain receipt is mailed (below).
    }
  }
  return unit(plain);
}

/** The receipt again, with the submission entry's checkpoint and inclusion proof (null without a store). */
async function attestReceipt(
  deps: Pick<SubmissionDeps, 'keys' | 'baseUrl' | 'store' | 'clock'>,
  tenantId: string,
  plain: string,
): Promise<string | null> {
  if (!deps.store) return null;
  const { ver: _v, aud: _a, sub: _s, iat: _i, ...input } = decode(plain);
  const trail = { store: deps.store, keys: deps.keys, baseUrl: deps.baseUrl, clock: deps.clock };
  const target = `assessment:${input.assessment}`;
  const digest = sha256Hex(plain);
  // The entry that recorded this receipt: a first submission's, or a resubmission's.
  for (const action of ['assessment.submitted', 'assessment.resubmitted']) {
    const entry = await entryOf(trail, tenantId, action, target);
    if (entry && entry.data.receipt_sha256 === digest)
      return issueReceipt(deps.keys, { ...input, audit: await attestForReceipt(trail, tenantId, entry) });
  }
  return null;
}

/** Counts the try (in its own unit, so a wrong code stays counted) and returns what the submission spends. */
async function checkCode(
  deps: SubmissionDeps,
  scope: SubmissionScope,
  typed: string,
  now: Date,
  report: ReportSecurityEvent,
): Promise<{ id: string; hash: string }> {
  const code = normaliseCode(typed.slice(0, 32));
  // Ids and a reason only: never the typed code (security-log.ts).
  const event = (kind: 'code_failed' | 'rate_limited', reason: string) =>
    report({
      tenantId: scope.tenantId,
      kind,
      data: { via: 'submit_code', assessment: scope.assessmentId, reason },
    });
  const malformed = () => refuse(422, 'vendor.enterCode', { fields: { code: 'vendor.enterCode' } });
  // Nothing typed is no guess: refused before it could spend a try of the day or of the code.
  if (code === '') throw malformed();
  const live = await scope.read((ctx) =>
    findLiveAccessCode(ctx, { assessmentId: scope.assessmentId, purpose: 'submit', binding: scope.id }, now),
  );
  if (live?.contactId !== scope.contactId) {
    event('code_failed', 'no_live_code');
    throw refuse(400, 'vendor.submitNoLiveCode', { fields: { code: 'vendor.askNewCode' } });
  }
  // Without a live code, or with one whose tries are used up, nothing typed could be a guess: refused
  // before the day's count, so typing at a dead code cannot use up the tries a new code will need.
  // (The guarded count below still decides between concurrent tries at the last one.)
  if (live.attempts >= MAX_CODE_ATTEMPTS) {
    event('rate_limited', 'tries_per_code');
    throw refuse(429, 'vendor.submitTooManyWrong');
  }
  const hit = await deps.rateLimits.hit(
    { name: 'code-tries', subject: scope.assessmentId },
    24 * 60 * 60_000,
  );
  if (hit.count > CODE_TRIES_PER_DAY) {
    event('rate_limited', 'tries_per_day');
    throw refuse(429, 'vendor.submitTriesPerDay');
  }
  try {
    await scope.write((tx) => countAccessTry(tx, live.id, now));
  } catch (err) {
    if (err instanceof GuardError && err.guard === CODE_TRY_LEFT) {
      event('rate_limited', 'tries_per_code');
      throw refuse(429, 'vendor.submitTooManyWrong');
    }
    throw err;
  }
  // Checked after the try is counted: a malformed code is a failed try on this code too (security.md §3).
  // The typed text never reaches a query either way.
  if (!CODE_SHAPE.test(code)) {
    event('code_failed', 'malformed');
    throw malformed();
  }
  return {
    id: live.id,
    hash: await codeHash(
      deps.master,
      { tenantId: scope.tenantId, assessmentId: scope.assessmentId, purpose: 'submit' },
      code,
    ),
  };
}

/** The payload of a receipt we signed ourselves (read back from the assessment row). */
function decode(jws: string): ReceiptPayload {
  const [, payload] = jws.split('.');
  return JSON.parse(new TextDecoder().decode(base64UrlToBytes(payload ?? ''))) as ReceiptPayload;
}
