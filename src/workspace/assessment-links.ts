/**
 * Chasing a sent assessment: revoking it (its links and vendor sessions end with it), sending the contact
 * a new single-use link (older ones revoked in the same unit), and the reminder mail the scheduler sends
 * before the due date (a fresh link too: a reminder whose link a scanner spent would be useless).
 * Each reads first, signs outside any unit, then writes the event, the link, the mail and the audit
 * entry in one unit guarded on the status it read.
 */
import { EVENT_ONCE, moveAssessmentStatus } from '../db/repo/assessment-events.js';
import { ASSESSMENT_IN_STATUS, type Assessment, getAssessment } from '../db/repo/assessments.js';
import { getQuestionnaireVersion } from '../db/repo/questionnaires.js';
import { deleteVendorSessionsOf } from '../db/repo/sessions.js';
import { currentTenant } from '../db/repo/tenants.js';
import { getContact } from '../db/repo/vendor-contacts.js';
import { issueVendorLink, revokeOpenLinks } from '../db/repo/vendor-links.js';
import { getVendor } from '../db/repo/vendors.js';
import { GuardError, type TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { mailKeys } from '../mail/keys.js';
import { queueMail } from '../mail/queue.js';
import { assessmentMailLocale, renderEmail } from '../mail/templates.js';
import type { Ports } from '../platform/ports.js';
import { localize } from '../questionnaire/index.js';
import { contactDataFor } from '../vendor/contact-data.js';
import { issueLink, newLinkId } from '../vendor/links.js';
import { LIVE_STATUSES, recordAssessmentEvent, STATUS_LABELS } from './assessment-events.js';
import { pinnedQuestionnaire } from './questionnaires.js';

export type LinkDeps = Pick<Ports, 'store' | 'keys' | 'clock' | 'templates' | 'master'> & {
  mail?: Pick<Ports['mail'], 'queued'>;
  baseUrl: string;
};

const notLive = (a: Assessment) =>
  new HttpError(
    409,
    `This assessment is ${STATUS_LABELS[a.status].toLowerCase()}: only a sent, opened or unfinished one can be chased or revoked.`,
  );

/** Revokes an assessment: status revoked, every open link revoked, every vendor session of it ended. */
export async function revokeAssessment(
  deps: Pick<Ports, 'store' | 'clock'>,
  tenantId: string,
  assessmentId: string,
  actor: string,
): Promise<void> {
  const now = deps.clock.now();
  const scope = deps.store.tenant(tenantId);
  const a = await scope.read((ctx) => getAssessment(ctx, assessmentId));
  if (!a) throw new HttpError(404, 'We could not find that assessment.');
  if (!LIVE_STATUSES.includes(a.status)) throw notLive(a);
  try {
    await scope.write((tx) => {
      recordAssessmentEvent(tx, { assessmentId: a.id, kind: 'revoked', actor, at: now });
      revokeOpenLinks(tx, a.id, now);
      deleteVendorSessionsOf(tx, a.id);
      tx.audit({ actor, action: 'assessment.revoked', target: `assessment:${a.id}` }, now);
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === ASSESSMENT_IN_STATUS) {
      const again = await scope.read((ctx) => getAssessment(ctx, assessmentId));
      throw notLive(again ?? a);
    }
    throw err;
  }
}

/** What a fresh-link mail needs, read before the unit (the link signed too). */
interface Prepared {
  assessment: Assessment;
  jti: string;
  expiresAt: Date;
  to: string;
  mail: ReturnType<typeof renderEmail>;
}

async function prepareFreshLink(
  deps: LinkDeps,
  tenantId: string,
  assessmentId: string,
  notice: 'reminder' | 'resent',
): Promise<Prepared> {
  const now = deps.clock.now();
  const seen = await deps.store.tenant(tenantId).read(async (ctx) => {
    const assessment = await getAssessment(ctx, assessmentId);
    if (!assessment) return null;
    const tenant = await currentTenant(ctx);
    const vendor = await getVendor(ctx, assessment.vendorId);
    const contact = await getContact(ctx, assessment.contactId);
    const version = await getQuestionnaireVersion(ctx, assessment.questionnaireVersionId);
    const q = version ? await pinnedQuestionnaire(ctx, version.id, version.sourceHash) : null;
    return { assessment, tenant, vendor, contact, version, q };
  });
  if (!seen?.tenant || !seen.vendor || !seen.contact || !seen.version)
    throw new HttpError(404, 'We could not find that assessment.');
  const { assessment } = seen;
  if (!LIVE_STATUSES.includes(assessment.status)) throw notLive(assessment);
  const contact = await contactDataFor(deps).open(tenantId, seen.contact);
  if (!contact.email)
    throw new HttpError(409, 'The contact of this assessment was erased: send a new assessment.');
  const jti = newLinkId();
  const link = await issueLink(
    deps.keys,
    { tid: tenantId, aid: assessment.id, sub: assessment.contactId, jti },
    { issuer: deps.baseUrl, now, hours: assessment.linkTtlHours },
  );
  // Sent before assessments kept their language: English, as then.
  const mailLocale = assessmentMailLocale(assessment);
  const mail = renderEmail(deps.templates, 'invitation', mailLocale, {
    tenantName: seen.tenant.name,
    vendorName: seen.vendor.name,
    questionnaireTitle: seen.q ? localize(seen.q.title, mailLocale, seen.q) : seen.version.title,
    dueDate: assessment.dueDate,
    link: `${deps.baseUrl}/v/${link.token}`,
    origin: deps.baseUrl,
    linkExpiresAt: link.expiresAt,
    linkHours: assessment.linkTtlHours,
    otp: assessment.otpRequired,
    notice,
  });
  return { assessment, jti, expiresAt: link.expiresAt, to: contact.email, mail };
}

/** In the caller's unit: the status is still what was read, the new link replaces the old ones, the mail is queued. */
function queueFreshLink(tx: TenantWriteCtx, p: Prepared, dedupeKey: string, now: Date): void {
  const a = p.assessment;
  // Guarded on the status read: a revocation or submission in between refuses the whole unit.
  moveAssessmentStatus(tx, a.id, [a.status], a.status, now, ASSESSMENT_IN_STATUS);
  issueVendorLink(tx, {
    jti: p.jti,
    assessmentId: a.id,
    contactId: a.contactId,
    purpose: 'fresh',
    issuedAt: now,
    expiresAt: p.expiresAt,
  });
  queueMail(tx, { tenantId: tx.tenantId, dedupeKey, to: p.to, email: p.mail }, now);
}

/** Sends the contact a new single-use link; every older link of the assessment stops working. */
export async function resendLink(
  deps: LinkDeps,
  tenantId: string,
  assessmentId: string,
  actor: string,
): Promise<{ expiresAt: Date }> {
  const p = await prepareFreshLink(deps, tenantId, assessmentId, 'resent');
  const now = deps.clock.now();
  try {
    await deps.store.tenant(tenantId).write((tx) => {
      queueFreshLink(tx, p, mailKeys.resend(p.jti), now);
      recordAssessmentEvent(tx, { assessmentId: p.assessment.id, kind: 'link_resent', actor, at: now });
      tx.audit({ actor, action: 'assessment.link_resent', target: `assessment:${p.assessment.id}` }, now);
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === ASSESSMENT_IN_STATUS)
      throw new HttpError(409, 'This assessment changed meanwhile. Reload the page and try again.');
    throw err;
  }
  deps.mail?.queued();
  return { expiresAt: p.expiresAt };
}

/**
 * The reminder for one (due date, days before) of an assessment, at most once: the event's once-key and
 * the mail's dedupe key both say so, and a second attempt (another process, a retried slot) changes
 * nothing. Returns whether this call sent it.
 */
export async function sendReminder(
  deps: LinkDeps,
  tenantId: string,
  assessmentId: string,
  daysBefore: number,
): Promise<boolean> {
  let p: Prepared;
  try {
    p = await prepareFreshLink(deps, tenantId, assessmentId, 'reminder');
  } catch (err) {
    if (err instanceof HttpError) return false; // closed or gone since it was listed
    throw err;
  }
  const key = mailKeys.reminderOnce(p.assessment.dueDate, daysBefore);
  const now = deps.clock.now();
  try {
    await deps.store.tenant(tenantId).write((tx) => {
      queueFreshLink(tx, p, mailKeys.reminder(key, p.assessment.id), now);
      recordAssessmentEvent(tx, {
        assessmentId: p.assessment.id,
        kind: 'reminded',
        actor: 'system',
        at: now,
        onceKey: key,
      });
      tx.audit(
        {
          actor: 'system',
          action: 'assessment.reminded',
          target: `assessment:${p.assessment.id}`,
          data: { days_before: daysBefore },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && (err.guard === EVENT_ONCE || err.guard === ASSESSMENT_IN_STATUS))
      return false;
    throw err;
  }
  deps.mail?.queued();
  return true;
}
