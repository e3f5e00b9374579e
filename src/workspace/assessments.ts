/**
 * Sending an assessment (CLI `assay assessment send`, later the workspace form and the API): the vendor
 * and contact created if new, the questionnaire version pinned, the assessment, its first link and the
 * invitation mail written in one unit. The link goes only into the mail, never to the caller.
 */

import semver from 'semver';
import { z } from 'zod';
import { isId, newId } from '../db/ids.js';
import { type Assessment, insertAssessment, listAssessments } from '../db/repo/assessments.js';
import { listQuestionnaireVersions, type QuestionnaireVersionRow } from '../db/repo/questionnaires.js';
import { getTenantWithSettings } from '../db/repo/tenants.js';
import { findContactByHash, insertContact } from '../db/repo/vendor-contacts.js';
import { issueVendorLink } from '../db/repo/vendor-links.js';
import { findVendorByName, getVendor, insertVendor, listVendors } from '../db/repo/vendors.js';
import { isUniqueViolation, type TenantReadCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import { parseMailAddress } from '../mail/address.js';
import { mailKeys } from '../mail/keys.js';
import { queueMail } from '../mail/queue.js';
import { emailLocale, renderEmail } from '../mail/templates.js';
import type { Ports } from '../platform/ports.js';
import { contextFromPairs, localize, type Questionnaire } from '../questionnaire/index.js';
import { contactDataFor } from '../vendor/contact-data.js';
import { clampLinkHours, DEFAULT_LINK_HOURS, issueLink, MAX_LINK_HOURS, newLinkId } from '../vendor/links.js';
import { recordAssessmentEvent } from './assessment-events.js';
import { pinnedQuestionnaire, publishQuestionnaire } from './questionnaires.js';
import { tenantName } from './tenants.js';
import { vendorCreatedData } from './vendors.js';

/** A shipped questionnaire the tenant has not published yet: its source, read by the platform. */
export type ShippedSource = (ref: {
  id: string;
  version?: string;
}) => Promise<{ source: string; file: string; version: string } | null>;

export interface SendInput {
  questionnaire: string;
  /** A new vendor (or an existing one, found by name)… */
  vendorName?: string;
  /** …or an existing vendor by id (the form's choice, a bulk selection). */
  vendorId?: string;
  contactEmail: string;
  contactName?: string | null;
  dueDate?: string | null;
  otp?: boolean;
  linkHours?: number | null;
  /** `KEY=VALUE` pairs for the questionnaire's context facts. */
  context?: readonly string[];
  /** `user:<id>` or `system:cli`. */
  actor: string;
  /**
   * Whether this send may create the vendor or the contact it names (the `vendor.write` permission for a
   * member; the CLI operator may). Required, so no caller can forget it: without it a send reaches only
   * an existing vendor's existing contact, and asking for a new one is a 403 with nothing written.
   */
  mayAddVendors: boolean;
  /** The member who sends (named in the invitation), if any. */
  senderEmail?: string | null;
  /** The invitation's language (en, de); default: the questionnaire's own. */
  locale?: string | null;
}

export type SendDeps = Pick<Ports, 'store' | 'keys' | 'master' | 'clock' | 'templates'> & {
  /** Woken after the unit commits, so the invitation leaves at once (absent: the sender's next round). */
  mail?: Pick<Ports['mail'], 'queued'>;
  baseUrl: string;
  library?: ReadonlyMap<string, Questionnaire>;
  shipped?: ShippedSource;
};

const REF = /^([a-z0-9][a-z0-9._-]{0,63})(?:@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?))?$/;

/** A refused send; `field` names the form field the message belongs to (the CLI prints the message). */
export class SendError extends HttpError {
  constructor(
    message: string,
    readonly field: string = '_form',
    status: 403 | 422 = 422,
  ) {
    super(status, message, { fields: { [field]: message } });
    this.name = 'SendError';
  }
}

/** What a send without `vendor.write` is missing, said so the sender knows what to do instead. */
export const NEEDS_VENDOR_WRITE = {
  vendor: (name: string) =>
    `There is no vendor named "${name}", and adding a vendor needs the vendor.write permission, which your role does not have. Choose an existing vendor, or ask a compliance manager or an admin to add it.`,
  contact: (name: string) =>
    `That email is not one of ${name}'s contacts, and adding a contact needs the vendor.write permission, which your role does not have. Send to an existing contact, or ask a compliance manager or an admin to add it.`,
} as const;

const vendorName = tenantName.pipe(z.string().max(200));

function checkDueDate(due: string | null | undefined, today: string): string | null {
  if (due === null || due === undefined || due === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(due)) throw new SendError(`due date "${due}" is not YYYY-MM-DD`, 'dueDate');
  const d = new Date(`${due}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== due)
    throw new SendError(`due date "${due}" is not a calendar date`, 'dueDate');
  if (due < today) throw new SendError(`due date ${due} is in the past`, 'dueDate');
  return due;
}

function checkLinkHours(h: number | null | undefined): number {
  if (h === null || h === undefined) return DEFAULT_LINK_HOURS;
  if (!Number.isInteger(h) || h < 1 || h > MAX_LINK_HOURS)
    throw new SendError(
      `link hours must be a whole number from 1 to ${MAX_LINK_HOURS} (14 days)`,
      'linkHours',
    );
  return clampLinkHours(h);
}

/** The due date and link lifetime checked as sendAssessment checks them (bulk checks them once, up front). */
export function checkSendOptions(
  o: { dueDate?: string | null; linkHours?: number | null },
  now: Date,
): { dueDate: string | null; linkHours: number } {
  return {
    dueDate: checkDueDate(o.dueDate, now.toISOString().slice(0, 10)),
    linkHours: checkLinkHours(o.linkHours),
  };
}

/** The newest published version of `id` (or exactly `id@version`) among the tenant's versions. */
function pick(rows: QuestionnaireVersionRow[], version?: string): QuestionnaireVersionRow | null {
  if (version) return rows.find((r) => r.version === version) ?? null;
  return rows.reduce<QuestionnaireVersionRow | null>(
    (best, r) => (!best || semver.gt(r.version, best.version) ? r : best),
    null,
  );
}

export interface Sent {
  assessmentId: string;
  vendorId: string;
  vendorCreated: boolean;
  contactCreated: boolean;
  questionnaireRef: string;
  linkExpiresAt: Date;
}

/**
 * Sends one assessment. Reads first (tenant, vendor, contact, versions), signs the link outside any unit,
 * then writes everything in one unit; if a concurrent send created the same vendor or contact in
 * between, the unit fails on the unique key and is run again with what now exists.
 */
export async function sendAssessment(deps: SendDeps, tenantId: string, input: SendInput): Promise<Sent> {
  const now = deps.clock.now();
  const m = REF.exec(input.questionnaire.trim());
  if (!m)
    throw new SendError(`"${input.questionnaire}" is not a questionnaire id or id@version`, 'questionnaire');
  const [, qid, qversion] = m as unknown as [string, string, string | undefined];
  if (input.vendorId !== undefined && !isId(input.vendorId))
    throw new SendError('no such vendor', 'vendorId');
  const named = input.vendorId ? null : vendorName.safeParse(input.vendorName ?? '');
  if (named && !named.success)
    throw new SendError(`vendor name: ${named.error.issues[0]?.message ?? 'not valid'}`, 'vendorName');
  // The strict check mail is held to (one plain address, no display name, IDN as A-labels): refuse
  // now, with the reason, rather than when the invitation is queued. The contact is stored as sent to.
  const parsed = parseMailAddress(input.contactEmail);
  if (!parsed.ok) throw new SendError(`contact email: ${parsed.message}`, 'contactEmail');
  const contactName = (input.contactName ?? '').trim().slice(0, 200) || null;
  const contactEmail = parsed.address;
  const dueDate = checkDueDate(input.dueDate, now.toISOString().slice(0, 10));
  const linkHours = checkLinkHours(input.linkHours);
  const scope = deps.store.tenant(tenantId);
  // The contact is found by the keyed hash of its address and stored sealed (src/vendor/contact-data.ts).
  const contacts = contactDataFor(deps);
  const emailHash = await contacts.emailHash(tenantId, contactEmail);

  for (let attempt = 0; ; attempt++) {
    const seen = await scope.read(async (ctx) => {
      // With its settings: whether vendors may comment on every question is fixed on the assessment here.
      const tenant = await getTenantWithSettings(ctx);
      const vendor = input.vendorId
        ? await getVendor(ctx, input.vendorId)
        : await findVendorByName(ctx, named!.data!);
      const contact = vendor ? await findContactByHash(ctx, vendor.id, emailHash) : null;
      const versions = await listQuestionnaireVersions(ctx, qid);
      return { tenant, vendor, contact, versions };
    });
    if (!seen.tenant) throw new SendError('no such tenant');
    if (input.vendorId && !seen.vendor) throw new SendError('no such vendor', 'vendorId');
    const vName = seen.vendor?.name ?? named!.data!;
    // Vendors and their contacts belong to whoever holds vendor.write (issue 8: the compliance manager):
    // a send by anyone else reaches only what already exists, whichever route it came through.
    if (!input.mayAddVendors && !seen.vendor)
      throw new SendError(NEEDS_VENDOR_WRITE.vendor(vName), 'vendorName', 403);
    if (!input.mayAddVendors && !seen.contact)
      throw new SendError(NEEDS_VENDOR_WRITE.contact(vName), 'contactEmail', 403);
    const published = pick(seen.versions, qversion);
    // Not published by the tenant: a shipped questionnaire of that id (and version) is published with it.
    const shipped =
      !published || (!qversion && deps.shipped)
        ? await deps.shipped?.({ id: qid, ...(qversion ? { version: qversion } : {}) })
        : null;
    const useShipped = shipped && (!published || semver.gt(shipped.version, published.version));
    if (!published && !useShipped) {
      throw new SendError(
        `questionnaire ${input.questionnaire} is neither published for this tenant nor shipped (see: assay questionnaire publish)`,
        'questionnaire',
      );
    }
    const q = useShipped ? null : await scope.read((ctx) => pinnedQuestionnaire(ctx, published!.id));
    const compiled =
      q ?? [...(deps.library?.values() ?? [])].find((x) => x.id === qid && x.version === shipped?.version);
    const context = compiled ? contextFromPairs(compiled, input.context ?? []) : null;
    if (context && !context.ok)
      throw new SendError(context.problems.map((p) => p.message).join('; '), 'context');
    if (!compiled && (input.context?.length ?? 0) > 0)
      throw new SendError('context facts cannot be checked', 'context');

    const commentsEverywhere = seen.tenant.settings.vendorComments === 'every';
    const assessmentId = newId();
    const vendorId = seen.vendor?.id ?? newId();
    const contactId = seen.contact?.id ?? newId();
    const sealed = seen.contact
      ? null
      : await contacts.seal(
          tenantId,
          { name: contactName, email: contactEmail, phone: null, role: null },
          contactId,
        );
    const jti = newLinkId();
    const link = await issueLink(
      deps.keys,
      { tid: tenantId, aid: assessmentId, sub: contactId, jti },
      { issuer: deps.baseUrl, now, hours: linkHours },
    );
    try {
      const sent = await scope.write(async (tx) => {
        const version = useShipped
          ? (
              await publishQuestionnaire(tx, shipped!.source, {
                file: shipped!.file,
                actor: input.actor,
                ...(deps.library ? { library: deps.library } : {}),
              })
            ).row
          : published!;
        // A send may create the vendor and its contact: their entries are the ones the vendor pages write.
        if (!seen.vendor) {
          const v = insertVendor(tx, { id: vendorId, name: vName }, now);
          tx.audit(
            {
              actor: input.actor,
              action: 'vendor.created',
              target: `vendor:${vendorId}`,
              data: vendorCreatedData(v),
            },
            now,
          );
        }
        if (sealed) {
          insertContact(tx, { ...sealed, vendorId }, now);
          tx.audit(
            {
              actor: input.actor,
              action: 'vendor.contact_added',
              target: `vendor:${vendorId}`,
              data: { contact: contactId },
            },
            now,
          );
        }
        insertAssessment(
          tx,
          {
            id: assessmentId,
            vendorId,
            contactId,
            questionnaireVersionId: version.id,
            dueDate,
            otpRequired: input.otp ?? false,
            createdBy: input.actor.startsWith('user:') ? input.actor.slice(5) : null,
            // A plain object: the engine builds maps without a prototype, which drizzle cannot take as a value.
            context: context?.ok ? { ...(context.context as Record<string, unknown>) } : {},
            linkTtlHours: linkHours,
            commentsEverywhere,
            // Every later mail of this assessment (reminders, codes, the receipt) speaks the invitation's language.
            locale: emailLocale(input.locale ?? compiled?.defaultLocale ?? 'en'),
            status: 'sent',
            sentAt: now,
          },
          now,
        );
        recordAssessmentEvent(tx, { assessmentId, kind: 'sent', actor: input.actor, at: now });
        issueVendorLink(tx, {
          jti,
          assessmentId,
          contactId,
          purpose: 'invite',
          issuedAt: now,
          expiresAt: link.expiresAt,
        });
        const mailLocale = input.locale ?? compiled?.defaultLocale ?? 'en';
        const email = renderEmail(deps.templates, 'invitation', mailLocale, {
          tenantName: seen.tenant!.name,
          senderName: input.senderEmail ?? null,
          vendorName: vName,
          // The title in the mail's language when the questionnaire has one (renderEmail speaks en/de).
          questionnaireTitle: compiled
            ? localize(compiled.title, emailLocale(mailLocale), compiled)
            : version.title,
          dueDate,
          link: `${deps.baseUrl}/v/${link.token}`,
          origin: deps.baseUrl,
          linkExpiresAt: link.expiresAt,
          linkHours,
          otp: input.otp ?? false,
        });
        queueMail(tx, { tenantId, dedupeKey: mailKeys.invite(jti), to: parsed.address, email }, now);
        tx.audit(
          {
            actor: input.actor,
            action: 'assessment.sent',
            target: `assessment:${assessmentId}`,
            data: {
              vendor: vendorId,
              contact: contactId,
              questionnaire: `${version.questionnaireId}@${version.version}`,
              otp: input.otp ?? false,
              link_hours: linkHours,
              comments: commentsEverywhere ? 'every' : 'questionnaire',
            },
          },
          now,
        );
        return {
          assessmentId,
          vendorId,
          vendorCreated: !seen.vendor,
          contactCreated: !seen.contact,
          questionnaireRef: `${version.questionnaireId}@${version.version}`,
          linkExpiresAt: link.expiresAt,
        };
      });
      deps.mail?.queued();
      return sent;
    } catch (err) {
      // A concurrent send created the vendor or contact: read again and reuse them.
      if (attempt < 2 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

export interface AssessmentLine {
  id: string;
  vendor: string;
  questionnaire: string;
  status: Assessment['status'];
  dueDate: string | null;
  score: number | null;
  rating: string | null;
  sentAt: Date | null;
  submittedAt: Date | null;
}

/** `assay assessment list`: newest first. */
export async function assessmentLines(ctx: TenantReadCtx): Promise<AssessmentLine[]> {
  const [rows, vendors, versions] = await Promise.all([
    listAssessments(ctx),
    listVendors(ctx),
    listQuestionnaireVersions(ctx),
  ]);
  const vendorName = new Map(vendors.map((v) => [v.id, v.name]));
  const ref = new Map(versions.map((v) => [v.id, `${v.questionnaireId}@${v.version}`]));
  return rows.map((a) => ({
    id: a.id,
    vendor: vendorName.get(a.vendorId) ?? '?',
    questionnaire: ref.get(a.questionnaireVersionId) ?? '?',
    status: a.status,
    dueDate: a.dueDate,
    score: a.scorePermille === null ? null : a.scorePermille / 10,
    rating: a.rating,
    sentAt: a.sentAt,
    submittedAt: a.submittedAt,
  }));
}

// ---- the send form's choices ------------------------------------------------------------------------

/** The deps of sendAssessment from the platform (the shipped library where the platform has one). */
export function sendDeps(platform: Ports, baseUrl: string): SendDeps {
  const shipped = platform.shippedQuestionnaires?.();
  return {
    store: platform.store,
    keys: platform.keys,
    clock: platform.clock,
    templates: platform.templates,
    master: platform.master,
    mail: platform.mail,
    baseUrl,
    ...(shipped ? { library: shipped.library, shipped: shipped.source } : {}),
  };
}

export interface QuestionnaireChoice {
  ref: string;
  id: string;
  version: string;
  title: string;
  /** Published by the tenant (else: shipped, published with the first send). */
  published: boolean;
}

/** Every questionnaire version the tenant can send: its published ones and the shipped library's. */
export async function questionnaireChoices(
  platform: Ports,
  ctx: TenantReadCtx,
): Promise<QuestionnaireChoice[]> {
  const rows = await listQuestionnaireVersions(ctx);
  const out = new Map<string, QuestionnaireChoice>();
  for (const r of rows)
    out.set(`${r.questionnaireId}@${r.version}`, {
      ref: `${r.questionnaireId}@${r.version}`,
      id: r.questionnaireId,
      version: r.version,
      title: r.title,
      published: true,
    });
  for (const q of platform.shippedQuestionnaires?.().library.values() ?? []) {
    if (q.status !== 'published' || out.has(q.ref)) continue;
    out.set(q.ref, {
      ref: q.ref,
      id: q.id,
      version: q.version,
      title: localize(q.title, q.defaultLocale, q),
      published: false,
    });
  }
  return [...out.values()].sort((a, b) => a.id.localeCompare(b.id) || semver.rcompare(a.version, b.version));
}

/** The compiled questionnaire behind a choice (its context facts make the form's context fields). */
export async function choiceQuestionnaire(
  platform: Ports,
  ctx: TenantReadCtx,
  ref: string,
): Promise<Questionnaire | null> {
  const m = REF.exec(ref);
  if (!m?.[2]) return null;
  const version = (await listQuestionnaireVersions(ctx, m[1])).find((r) => r.version === m[2]);
  if (version) return pinnedQuestionnaire(ctx, version.id);
  return platform.shippedQuestionnaires?.().library.get(ref) ?? null;
}
