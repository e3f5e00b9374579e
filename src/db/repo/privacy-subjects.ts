/**
 * Data subjects (GDPR Art. 15/17/20): what the tenant holds about one vendor contact or one member, and
 * the writes that anonymise it. Every query is scoped to the unit's tenant; nothing here sees a
 * contact's plaintext fields (src/vendor/contact-data.ts opens them outside the unit).
 */
import { and, asc, eq, isNull, or, type SQL, sql } from 'drizzle-orm';
import { normaliseEmail } from '../../auth/email.js';
import { LINK_MAIL, RECEIPT_MAIL, REMINDER_MAIL, SUBMIT_CODE_MAIL } from '../../mail/keys.js';
import { isId } from '../ids.js';
import type { ReadCtx, TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

/** Outbox rows of an erased subject are left with these values (the PostgreSQL policy insists on them). */
export const ERASED_MAIL = { toAddress: 'erased@erased.invalid', subject: '(erased)', textBody: '' } as const;
/** An erased identity's email: unique per user, never deliverable (RFC 2606 `.invalid`). */
export const erasedUserEmail = (userId: string) => `erased-${userId.toLowerCase()}@erased.invalid`;

/** The tenant's contacts (live ones) whose normalised email has this keyed hash, at any vendor. */
export async function contactsByEmailHash({ db, t, tenantId }: TenantReadCtx, emailHash: string) {
  return db
    .select({
      id: t.vendorContacts.id,
      vendorId: t.vendorContacts.vendorId,
      vendorName: t.vendors.name,
      createdAt: t.vendorContacts.createdAt,
    })
    .from(t.vendorContacts)
    .innerJoin(
      t.vendors,
      and(eq(t.vendors.tenantId, t.vendorContacts.tenantId), eq(t.vendors.id, t.vendorContacts.vendorId)),
    )
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.emailHash, emailHash)))
    .orderBy(asc(t.vendors.name), asc(t.vendorContacts.id));
}

/** The tenant's member with this (normalised) email, or null. */
export async function memberByEmail({ db, t, tenantId }: TenantReadCtx, email: string) {
  const [row] = await db
    .select({ userId: t.users.id, role: t.memberships.role, disabledAt: t.memberships.disabledAt })
    .from(t.memberships)
    .innerJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(and(eq(t.memberships.tenantId, tenantId), eq(t.users.email, normaliseEmail(email))));
  return row ?? null;
}

// ---- what an export reads (Art. 15/20) -------------------------------------------------------------

/**
 * The tenant's outbox rows that went to one contact: every mail about one of its links, codes or
 * assessments, found by its dedupe key (src/mail/keys.ts), so also the mail to an address the contact
 * had before its email was changed; and any mail to `address` (its current one), if given.
 */
function contactMail(ctx: TenantReadCtx, contactId: string, address: string | null): SQL {
  const o = ctx.t.mailOutbox;
  const key = o.dedupeKey;
  const tid = ctx.tenantId;
  const linkKeys = Object.values(LINK_MAIL).map((p) => sql`${p} || l.jti`);
  const byKey = sql`(exists (select 1 from vendor_links l where l.tenant_id = ${tid} and l.contact_id = ${contactId} and ${key} in (${sql.join(linkKeys, sql`, `)}))
    or exists (select 1 from access_codes c where c.tenant_id = ${tid} and c.contact_id = ${contactId} and ${key} = ${SUBMIT_CODE_MAIL} || c.id)
    or exists (select 1 from assessments a where a.tenant_id = ${tid} and a.contact_id = ${contactId} and (${key} like ${RECEIPT_MAIL} || a.id || ':%' or ${key} like ${REMINDER_MAIL} || '%:' || a.id)))`;
  const to = address === null ? undefined : sql`lower(${o.toAddress}) = ${normaliseEmail(address)}`;
  return and(eq(o.tenantId, tid), to ? or(to, byKey) : byKey) as SQL;
}

/** Metadata of the tenant's queued or sent mail to one contact (see contactMail), never the bodies. */
export async function mailToContact(ctx: TenantReadCtx, contactId: string, address: string | null) {
  const o = ctx.t.mailOutbox;
  return ctx.db
    .select({ id: o.id, subject: o.subject, status: o.status, createdAt: o.createdAt, sentAt: o.sentAt })
    .from(o)
    .where(contactMail(ctx, contactId, address))
    .orderBy(asc(o.createdAt), asc(o.id));
}

/** Metadata of the tenant's queued or sent mail to this address (never the bodies). */
export async function mailTo({ db, t, tenantId }: TenantReadCtx, address: string) {
  return db
    .select({
      id: t.mailOutbox.id,
      subject: t.mailOutbox.subject,
      status: t.mailOutbox.status,
      createdAt: t.mailOutbox.createdAt,
      sentAt: t.mailOutbox.sentAt,
    })
    .from(t.mailOutbox)
    .where(
      and(
        eq(t.mailOutbox.tenantId, tenantId),
        sql`lower(${t.mailOutbox.toAddress}) = ${normaliseEmail(address)}`,
      ),
    )
    .orderBy(asc(t.mailOutbox.createdAt), asc(t.mailOutbox.id));
}

/** Audit entries the actor made (ids, actions, times: what the entry itself holds is ids and digests). */
export async function auditByActor({ db, t, tenantId }: TenantReadCtx, actor: string) {
  return db
    .select({ seq: t.auditLog.seq, ts: t.auditLog.ts, action: t.auditLog.action, target: t.auditLog.target })
    .from(t.auditLog)
    .where(and(eq(t.auditLog.tenantId, tenantId), eq(t.auditLog.actor, actor)))
    .orderBy(asc(t.auditLog.seq));
}

/** Everything about one contact of the tenant except its sealed fields' plaintext; null if not ours. */
export async function readContactRecords(ctx: TenantReadCtx, contactId: string) {
  const { db, t, tenantId } = ctx;
  if (!isId(contactId)) return null;
  const [contact] = await db
    .select({
      id: t.vendorContacts.id,
      vendorId: t.vendorContacts.vendorId,
      emailHash: t.vendorContacts.emailHash,
      sealed: t.vendorContacts.sealed,
      keyId: t.vendorContacts.keyId,
      erasedAt: t.vendorContacts.erasedAt,
      createdAt: t.vendorContacts.createdAt,
      updatedAt: t.vendorContacts.updatedAt,
    })
    .from(t.vendorContacts)
    .where(and(eq(t.vendorContacts.tenantId, tenantId), eq(t.vendorContacts.id, contactId)));
  if (!contact) return null;
  const vendors = await db
    .select({ id: t.vendors.id, name: t.vendors.name, status: t.vendors.status })
    .from(t.vendors)
    .where(and(eq(t.vendors.tenantId, tenantId), eq(t.vendors.id, contact.vendorId)));
  const assessments = await db
    .select({
      id: t.assessments.id,
      vendorId: t.assessments.vendorId,
      questionnaire: t.questionnaireVersions.title,
      questionnaireVersion: t.questionnaireVersions.version,
      status: t.assessments.status,
      dueDate: t.assessments.dueDate,
      sentAt: t.assessments.sentAt,
      submittedAt: t.assessments.submittedAt,
      createdAt: t.assessments.createdAt,
    })
    .from(t.assessments)
    .innerJoin(
      t.questionnaireVersions,
      and(
        eq(t.questionnaireVersions.tenantId, t.assessments.tenantId),
        eq(t.questionnaireVersions.id, t.assessments.questionnaireVersionId),
      ),
    )
    .where(and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.contactId, contactId)))
    .orderBy(asc(t.assessments.createdAt), asc(t.assessments.id));
  const links = await db
    .select({
      assessmentId: t.vendorLinks.assessmentId,
      purpose: t.vendorLinks.purpose,
      issuedAt: t.vendorLinks.issuedAt,
      expiresAt: t.vendorLinks.expiresAt,
      consumedAt: t.vendorLinks.consumedAt,
      revokedAt: t.vendorLinks.revokedAt,
    })
    .from(t.vendorLinks)
    .where(and(eq(t.vendorLinks.tenantId, tenantId), eq(t.vendorLinks.contactId, contactId)))
    .orderBy(asc(t.vendorLinks.issuedAt));
  const codes = await db
    .select({
      assessmentId: t.accessCodes.assessmentId,
      purpose: t.accessCodes.purpose,
      attempts: t.accessCodes.attempts,
      createdAt: t.accessCodes.createdAt,
      expiresAt: t.accessCodes.expiresAt,
      consumedAt: t.accessCodes.consumedAt,
    })
    .from(t.accessCodes)
    .where(and(eq(t.accessCodes.tenantId, tenantId), eq(t.accessCodes.contactId, contactId)))
    .orderBy(asc(t.accessCodes.createdAt));
  const answers = await db
    .select({
      assessmentId: t.answers.assessmentId,
      key: t.answers.key,
      revision: t.answers.revision,
      updatedAt: t.answers.updatedAt,
    })
    .from(t.answers)
    .where(and(eq(t.answers.tenantId, tenantId), eq(t.answers.updatedBy, contactId)))
    .orderBy(asc(t.answers.assessmentId), asc(t.answers.key));
  const evidence = await db
    .select({
      id: t.evidence.id,
      assessmentId: t.evidence.assessmentId,
      questionId: t.evidence.questionId,
      fileName: t.evidence.fileName,
      contentType: t.evidence.contentType,
      size: t.evidence.size,
      sha256: t.evidence.sha256,
      version: t.evidence.version,
      createdAt: t.evidence.createdAt,
      deletedAt: t.evidence.deletedAt,
    })
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), eq(t.evidence.uploadedBy, `vendor:${contactId}`)))
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id));
  const sessions = await db
    .select({
      id: t.sessions.id,
      assessmentId: t.sessions.assessmentId,
      createdAt: t.sessions.createdAt,
      lastSeenAt: t.sessions.lastSeenAt,
      expiresAt: t.sessions.expiresAt,
    })
    .from(t.sessions)
    .where(and(eq(t.sessions.tenantId, tenantId), eq(t.sessions.contactId, contactId)))
    .orderBy(asc(t.sessions.createdAt));
  const audit = await auditByActor(ctx, `vendor:${contactId}`);
  return { contact, vendors, assessments, links, codes, answers, evidence, sessions, audit };
}

/** Everything about one member of the tenant; null if the user is no member of it. */
export async function readMemberRecords(ctx: TenantReadCtx, userId: string) {
  const { db, t, tenantId } = ctx;
  if (!isId(userId)) return null;
  const [account] = await db
    .select({
      id: t.users.id,
      email: t.users.email,
      createdAt: t.users.createdAt,
      passwordSet: sql<number>`case when ${t.users.passwordHash} is null then 0 else 1 end`,
      mfaEnabledAt: t.users.totpEnabledAt,
      role: t.memberships.role,
      membershipDisabledAt: t.memberships.disabledAt,
      joinedAt: t.memberships.createdAt,
    })
    .from(t.memberships)
    .innerJoin(t.users, eq(t.users.id, t.memberships.userId))
    .where(and(eq(t.memberships.tenantId, tenantId), eq(t.memberships.userId, userId)));
  if (!account) return null;
  const sessions = await db
    .select({
      id: t.sessions.id,
      kind: t.sessions.kind,
      createdAt: t.sessions.createdAt,
      lastSeenAt: t.sessions.lastSeenAt,
      expiresAt: t.sessions.expiresAt,
      reauthAt: t.sessions.reauthAt,
    })
    .from(t.sessions)
    .where(and(eq(t.sessions.tenantId, tenantId), eq(t.sessions.userId, userId)))
    .orderBy(asc(t.sessions.createdAt));
  const securityEvents = await db
    .select({
      id: t.securityEvents.id,
      at: t.securityEvents.at,
      kind: t.securityEvents.kind,
      address: t.securityEvents.address,
      data: t.securityEvents.data,
    })
    .from(t.securityEvents)
    .where(and(eq(t.securityEvents.tenantId, tenantId), eq(t.securityEvents.userId, userId)))
    .orderBy(asc(t.securityEvents.at), asc(t.securityEvents.id));
  const reviewNotes = await db
    .select({
      id: t.reviewNotes.id,
      assessmentId: t.reviewNotes.assessmentId,
      questionId: t.reviewNotes.questionId,
      kind: t.reviewNotes.kind,
      body: t.reviewNotes.body,
      createdAt: t.reviewNotes.createdAt,
      resolvedAt: t.reviewNotes.resolvedAt,
    })
    .from(t.reviewNotes)
    .where(and(eq(t.reviewNotes.tenantId, tenantId), eq(t.reviewNotes.authorUserId, userId)))
    .orderBy(asc(t.reviewNotes.createdAt), asc(t.reviewNotes.id));
  const riskHistory = await db
    .select({
      id: t.riskHistory.id,
      riskId: t.riskHistory.riskId,
      at: t.riskHistory.at,
      field: t.riskHistory.field,
      fromValue: t.riskHistory.fromValue,
      toValue: t.riskHistory.toValue,
      note: t.riskHistory.note,
    })
    .from(t.riskHistory)
    .where(and(eq(t.riskHistory.tenantId, tenantId), eq(t.riskHistory.actor, `user:${userId}`)))
    .orderBy(asc(t.riskHistory.at), asc(t.riskHistory.id));
  const acceptances = await db
    .select({
      id: t.riskAcceptances.id,
      riskId: t.riskAcceptances.riskId,
      status: t.riskAcceptances.status,
      justification: t.riskAcceptances.justification,
      expiresOn: t.riskAcceptances.expiresOn,
      proposedBy: t.riskAcceptances.proposedBy,
      proposedAt: t.riskAcceptances.proposedAt,
      decidedBy: t.riskAcceptances.decidedBy,
      decidedAt: t.riskAcceptances.decidedAt,
      decisionNote: t.riskAcceptances.decisionNote,
    })
    .from(t.riskAcceptances)
    .where(
      and(
        eq(t.riskAcceptances.tenantId, tenantId),
        or(eq(t.riskAcceptances.proposedBy, userId), eq(t.riskAcceptances.decidedBy, userId)),
      ),
    )
    .orderBy(asc(t.riskAcceptances.proposedAt), asc(t.riskAcceptances.id));
  const ownedRisks = await db
    .select({ id: t.risks.id, title: t.risks.title, status: t.risks.status })
    .from(t.risks)
    .where(and(eq(t.risks.tenantId, tenantId), eq(t.risks.ownerUserId, userId)))
    .orderBy(asc(t.risks.id));
  const invitations = await db
    .select({
      id: t.setupTokens.id,
      purpose: t.setupTokens.purpose,
      role: t.setupTokens.role,
      createdAt: t.setupTokens.createdAt,
      expiresAt: t.setupTokens.expiresAt,
      consumedAt: t.setupTokens.consumedAt,
      revokedAt: t.setupTokens.revokedAt,
    })
    .from(t.setupTokens)
    .where(and(eq(t.setupTokens.tenantId, tenantId), eq(t.setupTokens.email, account.email)))
    .orderBy(asc(t.setupTokens.createdAt));
  const audit = await auditByActor(ctx, `user:${userId}`);
  return {
    account: { ...account, passwordSet: Number(account.passwordSet) === 1 },
    sessions,
    securityEvents,
    reviewNotes,
    riskHistory,
    acceptances,
    ownedRisks,
    invitations,
    audit,
  };
}

// ---- erasure (Art. 17) -----------------------------------------------------------------------------

/**
 * Blanks outbox rows of an erased subject: recipient, subject, bodies and the last error (an SMTP error
 * can quote the address); a message not yet sent is marked failed so the sender never takes it. On
 * PostgreSQL the policy `mail_outbox_erase` lets a tenant's unit make exactly this change and no other
 * (migrations/pg/…_privacy_erasure_rls.sql).
 */
function eraseMailWhere(tx: TenantWriteCtx, where: SQL): Written {
  const o = tx.t.mailOutbox;
  return tx.write(
    tx.db
      .update(o)
      .set({
        toAddress: ERASED_MAIL.toAddress,
        subject: ERASED_MAIL.subject,
        textBody: ERASED_MAIL.textBody,
        htmlBody: null,
        status: sql`case when ${o.status} = 'sent' then 'sent' else 'failed' end`,
        lastError: null,
      })
      .where(where),
  );
}

/** Blanks the tenant's mail to this address (a member's). */
export function eraseMailTo(tx: TenantWriteCtx, address: string): Written {
  const o = tx.t.mailOutbox;
  return eraseMailWhere(
    tx,
    and(eq(o.tenantId, tx.tenantId), sql`lower(${o.toAddress}) = ${normaliseEmail(address)}`) as SQL,
  );
}

/**
 * Blanks the tenant's mail to a contact: by the dedupe keys of its links, codes and assessments (mail to
 * its earlier addresses too) and to its current address. Queue it before endContactAccess, which
 * deletes the contact's pending codes (and with them the ids their mails are found by).
 */
export function eraseContactMail(tx: TenantWriteCtx, contactId: string, address: string): Written {
  return eraseMailWhere(tx, contactMail(tx, contactId, address));
}

/** A contact's links that still work are revoked, its vendor sessions end, its pending codes go. */
export function endContactAccess(tx: TenantWriteCtx, contactId: string, now: Date): void {
  const { db, t, tenantId } = tx;
  tx.write(
    db
      .update(t.vendorLinks)
      .set({ revokedAt: now })
      .where(
        and(
          eq(t.vendorLinks.tenantId, tenantId),
          eq(t.vendorLinks.contactId, contactId),
          isNull(t.vendorLinks.consumedAt),
          isNull(t.vendorLinks.revokedAt),
        ),
      ),
  );
  tx.write(
    db.delete(t.sessions).where(and(eq(t.sessions.tenantId, tenantId), eq(t.sessions.contactId, contactId))),
  );
  tx.write(
    db
      .delete(t.accessCodes)
      .where(
        and(
          eq(t.accessCodes.tenantId, tenantId),
          eq(t.accessCodes.contactId, contactId),
          isNull(t.accessCodes.consumedAt),
        ),
      ),
  );
}

/** How many tenants the identity belongs to (run with the user's claim: on PostgreSQL it sees them all). */
export async function countMemberships({ db, t }: ReadCtx, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(t.memberships)
    .where(eq(t.memberships.userId, userId));
  return Number(row?.n ?? 0);
}

export const USER_MEMBER = 'privacy-user-member';

/** What a tombstone clears of an identity besides its address (the purge's set-based tombstone too). */
export const USER_SECRETS_CLEARED = {
  passwordHash: null,
  totpSecret: null,
  totpPendingSecret: null,
  totpEnabledAt: null,
  totpLastStep: null,
} as const;

/**
 * Tombstones an identity: the email becomes `erased-<id>@erased.invalid`, the password hash, TOTP seeds
 * and last step are destroyed, the identity is disabled. Guarded on its membership in the unit's
 * tenant (and, on PostgreSQL, the users_update policy insists on it too), so queue it before the
 * membership is removed.
 */
export function tombstoneUser(tx: TenantWriteCtx, userId: string, now: Date): Written {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .update(t.users)
      .set({
        email: erasedUserEmail(userId),
        ...USER_SECRETS_CLEARED,
        disabledAt: now,
      })
      .where(
        and(
          eq(t.users.id, userId),
          sql`exists (select 1 from memberships m where m.user_id = ${t.users.id} and m.tenant_id = ${tenantId})`,
        ),
      ),
    { guard: USER_MEMBER },
  );
}

/** The identity's recovery codes and every session it holds (it can sign in nowhere any more). */
export function destroyUserSecrets(tx: TenantWriteCtx, userId: string): void {
  tx.write(tx.db.delete(tx.t.mfaRecoveryCodes).where(eq(tx.t.mfaRecoveryCodes.userId, userId)));
  tx.write(tx.db.delete(tx.t.sessions).where(eq(tx.t.sessions.userId, userId)));
}

/**
 * The member's traces in the tenant's own records: invitations to the address lose it (pending ones are
 * revoked), their security events lose the client address; ids stay.
 */
export function eraseMemberTraces(tx: TenantWriteCtx, userId: string, email: string, now: Date): void {
  const { db, t, tenantId } = tx;
  tx.write(
    db
      .update(t.setupTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(t.setupTokens.tenantId, tenantId),
          eq(t.setupTokens.email, normaliseEmail(email)),
          isNull(t.setupTokens.consumedAt),
          isNull(t.setupTokens.revokedAt),
        ),
      ),
  );
  tx.write(
    db
      .update(t.setupTokens)
      .set({ email: null })
      .where(and(eq(t.setupTokens.tenantId, tenantId), eq(t.setupTokens.email, normaliseEmail(email)))),
  );
  tx.write(
    db
      .update(t.securityEvents)
      .set({ address: null })
      .where(and(eq(t.securityEvents.tenantId, tenantId), eq(t.securityEvents.userId, userId))),
  );
}
