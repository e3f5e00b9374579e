/**
 * Evidence validity (issue 8): certificates and audit reports carry a date the questionnaire asks for
 * (the ISO/IEC 27001 certificate's expiry, the end of the period a SOC 2 or C5 report covers). A daily
 * job reads those date answers of each vendor's current submission and
 *  - reminds the team (the assessment's sender and the tenant's admins, through the outbox) once,
 *    {@link REMIND_DAYS} days or fewer before the certificate or report stops being current;
 *  - once it has passed, raises a finding on the vendor, fed to the risk register through the same
 *    findings → risks path a submission uses (one risk per (vendor, finding id): idempotent).
 *
 * The questionnaire format is unchanged: which date questions are validity dates is a table here
 * ({@link VALIDITY_DATES}), with a fallback on the question id for tenant-written files. An audit report
 * counts as current for {@link REPORT_VALID_DAYS} days after the end of the period it covers (the
 * usual "bridge letter" horizon for SOC 2). Each reminder and each finding happens once: a row per
 * (assessment, question, expiry date) in `evidence_validity`, claimed by a conditional UPDATE.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { loadAnswers } from '../db/repo/answers.js';
import { type Assessment, listAssessments } from '../db/repo/assessments.js';
import { type FindingInput, recordFindings } from '../db/repo/findings.js';
import { listTenants } from '../db/repo/tenants.js';
import { listMembers } from '../db/repo/users.js';
import { getVendor } from '../db/repo/vendors.js';
import { GuardError, type TenantWriteCtx } from '../db/store.js';
import { queueMail } from '../mail/queue.js';
import type { Ports } from '../platform/ports.js';
import { dayNumber, fromDayNumber } from '../questionnaire/dates.js';
import { type Answers, evaluate, localize, type Questionnaire } from '../questionnaire/index.js';
import { syncRisksFromFindings } from '../risk/sync.js';
import { pinnedQuestionnaire } from './questionnaires.js';
import { EXPIRED_PREFIX } from './review.js';

export type ValidityKind = 'certificate' | 'audit_report';

/** Days before expiry when the team is reminded. */
export const REMIND_DAYS = 30;
/** How long an audit report counts as current after the end of the period it covers. */
export const REPORT_VALID_DAYS = 365;

/** The shipped questionnaires' validity dates, by question id. */
export const VALIDITY_DATES: Readonly<Record<string, ValidityKind>> = {
  'gov.cert_expiry': 'certificate', // nis2-supplier, dora-ict-provider
  'aa.iso_cert_expiry': 'certificate', // security-baseline
  'gov.report_end': 'audit_report', // nis2-supplier, dora-ict-provider
  'aa.soc2_period_end': 'audit_report', // security-baseline
};

/** Whether a date question is a validity date, and of what: the table, then the id's wording. */
export function validityKind(q: Questionnaire, questionId: string): ValidityKind | null {
  const question = q.questions.get(questionId);
  if (question?.type !== 'date') return null;
  const known = VALIDITY_DATES[questionId];
  if (known) return known;
  const tail = questionId.split('.').at(-1) ?? '';
  if (/(^|_)(cert|certificate)_?(expiry|expires|valid_until)$/.test(tail)) return 'certificate';
  if (/(^|_)(report|period)_end$/.test(tail)) return 'audit_report';
  return null;
}

export interface ValidityDate {
  questionId: string;
  kind: ValidityKind;
  /** The last day the certificate or report counts as current. */
  expiresOn: string;
}

/** The validity dates an assessment's answers give, for the questions the vendor saw. */
export function validityDates(
  q: Questionnaire,
  answers: Answers,
  context: Answers,
  asOf: string,
): ValidityDate[] {
  const evaluation = evaluate(q, answers, asOf, { context });
  const out: ValidityDate[] = [];
  for (const id of q.questions.keys()) {
    const kind = validityKind(q, id);
    if (!kind || !evaluation.questions[id]?.visible) continue;
    const value = answers[id];
    const day = typeof value === 'string' ? dayNumber(value) : null;
    if (day === null) continue;
    out.push({
      questionId: id,
      kind,
      expiresOn: fromDayNumber(kind === 'audit_report' ? day + REPORT_VALID_DAYS : day),
    });
  }
  return out;
}

const daysBetween = (from: string, to: string) => (dayNumber(to) ?? 0) - (dayNumber(from) ?? 0);

/** The guards of the two one-time steps. */
export const REMINDER_DUE = 'evidence-reminder-due';
export const EXPIRY_DUE = 'evidence-expiry-due';

/** Queues the validity row if new (one per assessment, question and date), so the claim has a row. */
function ensureRow(tx: TenantWriteCtx, a: Assessment, d: ValidityDate, now: Date) {
  tx.write(
    tx.db
      .insert(tx.t.evidenceValidity)
      .values({
        tenantId: tx.tenantId,
        assessmentId: a.id,
        vendorId: a.vendorId,
        questionId: d.questionId,
        kind: d.kind,
        expiresOn: d.expiresOn,
        createdAt: now,
      })
      .onConflictDoNothing({
        target: [
          tx.t.evidenceValidity.tenantId,
          tx.t.evidenceValidity.assessmentId,
          tx.t.evidenceValidity.questionId,
          tx.t.evidenceValidity.expiresOn,
        ],
      }),
  );
}

/** Claims one step (reminder or expiry) with a conditional UPDATE: the unit fails whole if it was done. */
function claim(tx: TenantWriteCtx, a: Assessment, d: ValidityDate, step: 'reminded' | 'expired', now: Date) {
  const { db, t, tenantId } = tx;
  const col = step === 'reminded' ? t.evidenceValidity.remindedAt : t.evidenceValidity.expiredAt;
  tx.write(
    db
      .update(t.evidenceValidity)
      .set(step === 'reminded' ? { remindedAt: now } : { expiredAt: now })
      .where(
        and(
          eq(t.evidenceValidity.tenantId, tenantId),
          eq(t.evidenceValidity.assessmentId, a.id),
          eq(t.evidenceValidity.questionId, d.questionId),
          eq(t.evidenceValidity.expiresOn, d.expiresOn),
          isNull(col),
        ),
      ),
    { guard: step === 'reminded' ? REMINDER_DUE : EXPIRY_DUE },
  );
}

/** The rating a likelihood × impact gets under the questionnaire's risk table (medium without one). */
function ratingOf(q: Questionnaire, likelihood: number, impact: number): string {
  const score = likelihood * impact;
  const bands = q.risk?.rating ?? [];
  return bands.find((b) => score >= b.min)?.rating ?? 'medium';
}

export function expiredFinding(q: Questionnaire, d: ValidityDate): FindingInput {
  const question = q.questions.get(d.questionId);
  const what = d.kind === 'certificate' ? 'Certificate' : 'Audit report';
  const likelihood = 3;
  const impact = 3;
  return {
    findingKey: `${EXPIRED_PREFIX}${d.questionId}`,
    questionId: d.questionId,
    title: `${what} no longer current since ${d.expiresOn}`,
    remediation: `Ask the vendor for the renewed ${d.kind === 'certificate' ? 'certificate' : 'report'} (the question was: ${localize(question?.text, q.defaultLocale, q)}), and re-assess.`,
    likelihood,
    impact,
    rating: ratingOf(q, likelihood, impact),
    dueDate: null,
    controls: [...(question?.controls ?? [])],
  };
}

/**
 * The risk register's source scope of one validity date: one per question, so that raising it never
 * closes another source's risks (src/risk/sync.ts closes what its scope no longer raises). The risk's
 * key is `evidence:<question id>/expired`, one per (vendor, question) across assessments.
 */
export const validityScope = (questionId: string) => `evidence:${questionId}`;
export const EXPIRED_FINDING = 'expired';

/** The assessments whose answers are the vendor's current word: submitted or reviewed, not superseded. */
function current(assessments: Assessment[]): Assessment[] {
  const done = (a: Assessment) => a.status === 'submitted' || a.status === 'reviewed';
  const superseded = new Set(
    assessments.filter((a) => done(a) && a.previousAssessmentId).map((a) => a.previousAssessmentId),
  );
  return assessments.filter((a) => done(a) && !superseded.has(a.id));
}

export interface ValidityRun {
  reminded: number;
  expired: number;
}

/** The daily job: every tenant, every current submission, each validity date at most once per step. */
export async function runEvidenceValidity(
  platform: Pick<Ports, 'store' | 'mail'>,
  now: Date,
): Promise<ValidityRun> {
  const { store } = platform;
  const today = now.toISOString().slice(0, 10);
  const tenants = await store.as({ system: 'scheduler' }).read((ctx) => listTenants(ctx));
  const run: ValidityRun = { reminded: 0, expired: 0 };
  for (const tenant of tenants) {
    const scope = store.tenant(tenant.id, { system: 'scheduler' });
    const assessments = current(await scope.read((ctx) => listAssessments(ctx)));
    for (const a of assessments) {
      const seen = await scope.read(async (ctx) => {
        const q = await pinnedQuestionnaire(ctx, a.questionnaireVersionId);
        const answers = await loadAnswers(ctx, a.id);
        return { q, answers };
      });
      if (!seen.q) continue;
      const q = seen.q;
      const submittedOn = (a.submittedAt ?? now).toISOString().slice(0, 10);
      for (const d of validityDates(q, seen.answers as Answers, a.context as Answers, submittedOn)) {
        const left = daysBetween(today, d.expiresOn);
        if (left < 0) {
          // Already past when submitted: the questionnaire's own findings judged it then.
          if (d.expiresOn < submittedOn) continue;
          if (await expire(scope, q, a, d, now)) run.expired++;
        } else if (left <= REMIND_DAYS) {
          if (await remind(scope, q, a, d, now)) run.reminded++;
        }
      }
    }
  }
  if (run.reminded) platform.mail.queued();
  return run;
}

type TenantScope = ReturnType<Ports['store']['tenant']>;

async function remind(scope: TenantScope, q: Questionnaire, a: Assessment, d: ValidityDate, now: Date) {
  const seen = await scope.read(async (ctx) => ({
    members: await listMembers(ctx),
    vendor: await getVendor(ctx, a.vendorId),
  }));
  // The one who sent it, and the admins: deduplicated by user.
  const to = seen.members.filter((m) => m.role === 'admin' || m.userId === a.createdBy);
  const what = d.kind === 'certificate' ? 'certificate' : 'audit report';
  const question = localize(q.questions.get(d.questionId)?.text, q.defaultLocale, q);
  const text = [
    `The ${what} ${seen.vendor?.name ?? 'a vendor'} gave in its answers to "${localize(q.title, q.defaultLocale, q)}" stops being current on ${d.expiresOn}.`,
    '',
    `The question was: ${question}`,
    '',
    'Ask the vendor for the renewed one, or send the questionnaire again from its review page:',
    `/app/assessments/${a.id}/review`,
  ].join('\n');
  const subject = `Vendor ${what} expires on ${d.expiresOn}`;
  try {
    await scope.write((tx) => {
      ensureRow(tx, a, d, now);
      claim(tx, a, d, 'reminded', now);
      for (const m of to)
        queueMail(
          tx,
          {
            tenantId: tx.tenantId,
            dedupeKey: `evidence-expiry:${a.id}:${d.questionId}:${d.expiresOn}:${m.userId}`,
            to: m.email,
            email: { subject, text, html: '' },
          },
          now,
        );
      tx.audit(
        {
          actor: 'system:scheduler',
          action: 'evidence.expiry_reminded',
          target: `assessment:${a.id}`,
          data: {
            question: d.questionId,
            kind: d.kind,
            expires_on: d.expiresOn,
            recipients: to.map((m) => m.userId),
          },
        },
        now,
      );
    });
    return true;
  } catch (err) {
    if (err instanceof GuardError && err.guard === REMINDER_DUE) return false;
    throw err;
  }
}

async function expire(scope: TenantScope, q: Questionnaire, a: Assessment, d: ValidityDate, now: Date) {
  const finding = expiredFinding(q, d);
  try {
    await scope.write(async (tx) => {
      ensureRow(tx, a, d, now);
      claim(tx, a, d, 'expired', now);
      const [findingRowId] = recordFindings(tx, a.id, a.vendorId, [finding], now);
      // The register's one path (history and audit entries), in a scope of this question alone: nothing
      // else of the vendor's is closed by it, and each validity date is its own source.
      await syncRisksFromFindings(
        tx,
        {
          vendorId: a.vendorId,
          scope: validityScope(d.questionId),
          assessmentId: a.id,
          actor: 'system:scheduler',
          raised: [
            {
              findingId: EXPIRED_FINDING,
              findingRowId: findingRowId ?? null,
              questionId: finding.questionId,
              title: finding.title,
              description: finding.remediation,
              likelihood: finding.likelihood,
              impact: finding.impact,
              dueDate: finding.dueDate,
              controls: finding.controls,
            },
          ],
        },
        now,
      );
      tx.audit(
        {
          actor: 'system:scheduler',
          action: 'finding.evidence_expired',
          target: `assessment:${a.id}`,
          data: {
            finding: finding.findingKey,
            vendor: a.vendorId,
            expires_on: d.expiresOn,
            rating: finding.rating,
          },
        },
        now,
      );
    });
    return true;
  } catch (err) {
    if (err instanceof GuardError && err.guard === EXPIRY_DUE) return false;
    throw err;
  }
}
