/**
 * Data subjects' rights, self-service (docs/privacy.md): find a vendor contact or a member by email,
 * export everything held about them (GDPR Art. 15/20: data.json + schema.json + README.md in a zip),
 * and erase them (Art. 17: personal fields anonymised at once, history rows keep ids, the audit chain
 * untouched and verifying). Contacts' sealed fields are opened outside the units of work.
 */
import { normaliseEmail } from '../auth/email.js';
import { sha256Hex } from '../crypto/hash.js';
import { isId } from '../db/ids.js';
import * as repo from '../db/repo/index.js';
import { GuardError } from '../db/store.js';
import { HttpError } from '../errors.js';
import { parseMailAddress } from '../mail/address.js';
import { pruneDevOutbox } from '../mail/outbox-prune.js';
import type { Ports } from '../platform/ports.js';
import { contactDataFor } from '../vendor/contact-data.js';
import {
  type ContactExport,
  contactExportSchema,
  EXPORT_FORMAT,
  jsonSchemaOf,
  type MemberExport,
  memberExportSchema,
  readmeOf,
} from './subject-schema.js';
import { zipBytes } from './zip.js';

/** `mail` (and `logger`): where mail has a development outbox, the erased mail's files go too. */
export type SubjectPorts = Pick<Ports, 'store' | 'master'> & Partial<Pick<Ports, 'mail' | 'logger'>>;
export type SubjectType = 'contact' | 'member';
export const SUBJECT_TYPES: readonly SubjectType[] = ['contact', 'member'];

export const isSubjectType = (v: string): v is SubjectType =>
  (SUBJECT_TYPES as readonly string[]).includes(v);

/** A well-formed address in the form Assay stores and hashes, or a 422 with the parser's sentence. */
export function subjectEmail(input: unknown): string {
  const parsed = parseMailAddress(input);
  if (!parsed.ok) throw new HttpError(422, parsed.message, { fields: { email: parsed.message } });
  return parsed.address;
}

export interface FoundSubjects {
  contacts: { id: string; vendorId: string; vendorName: string; createdAt: Date }[];
  member: { userId: string; role: string; disabledAt: Date | null } | null;
}

/** The tenant's contacts (via the keyed email hash) and member with this address. */
export async function findSubjects(
  ports: SubjectPorts,
  tenantId: string,
  email: string,
): Promise<FoundSubjects> {
  const address = subjectEmail(email);
  const hash = await contactDataFor(ports).emailHash(tenantId, address);
  return ports.store.tenant(tenantId).read(async (ctx) => ({
    contacts: await repo.contactsByEmailHash(ctx, hash),
    member: await repo.memberByEmail(ctx, address),
  }));
}

const noSubject = () => new HttpError(404, 'There is no such data subject in this workspace.');
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

async function contactExport(
  ports: SubjectPorts,
  tenantId: string,
  id: string,
  now: Date,
): Promise<ContactExport> {
  const r = await ports.store.tenant(tenantId).read((ctx) => repo.readContactRecords(ctx, id));
  if (!r) throw noSubject();
  const opened = await contactDataFor(ports).open(tenantId, r.contact);
  // By the keys of its links, codes and assessments (mail to earlier addresses too) and its address.
  const mails = await ports.store
    .tenant(tenantId)
    .read((ctx) => repo.mailToContact(ctx, r.contact.id, opened.email));
  const data: ContactExport = {
    format: EXPORT_FORMAT,
    exportedAt: iso(now),
    tenantId,
    subject: { type: 'vendor_contact', id: r.contact.id },
    contact: {
      id: r.contact.id,
      vendorId: r.contact.vendorId,
      erased: opened.erased,
      name: opened.name,
      email: opened.email,
      phone: opened.phone,
      role: opened.role,
      createdAt: iso(r.contact.createdAt),
      updatedAt: isoOrNull(r.contact.updatedAt),
    },
    vendors: r.vendors,
    assessments: r.assessments.map((a) => ({
      ...a,
      sentAt: isoOrNull(a.sentAt),
      submittedAt: isoOrNull(a.submittedAt),
      createdAt: iso(a.createdAt),
    })),
    accessLinks: r.links.map((l) => ({
      ...l,
      issuedAt: iso(l.issuedAt),
      expiresAt: iso(l.expiresAt),
      consumedAt: isoOrNull(l.consumedAt),
      revokedAt: isoOrNull(l.revokedAt),
    })),
    accessCodes: r.codes.map((c) => ({
      ...c,
      createdAt: iso(c.createdAt),
      expiresAt: iso(c.expiresAt),
      consumedAt: isoOrNull(c.consumedAt),
    })),
    answers: r.answers.map((a) => ({ ...a, updatedAt: iso(a.updatedAt) })),
    evidence: r.evidence.map((e) => ({
      ...e,
      createdAt: iso(e.createdAt),
      deletedAt: isoOrNull(e.deletedAt),
    })),
    sessions: r.sessions.map((s) => ({
      ...s,
      createdAt: iso(s.createdAt),
      lastSeenAt: iso(s.lastSeenAt),
      expiresAt: iso(s.expiresAt),
    })),
    mails: mails.map((m) => ({ ...m, createdAt: iso(m.createdAt), sentAt: isoOrNull(m.sentAt) })),
    auditEntries: r.audit,
  };
  return contactExportSchema.parse(data);
}

async function memberExport(
  ports: SubjectPorts,
  tenantId: string,
  userId: string,
  now: Date,
): Promise<MemberExport> {
  const r = await ports.store.tenant(tenantId).read(async (ctx) => {
    const records = await repo.readMemberRecords(ctx, userId);
    return records && { ...records, mails: await repo.mailTo(ctx, records.account.email) };
  });
  if (!r) throw noSubject();
  const a = r.account;
  const data: MemberExport = {
    format: EXPORT_FORMAT,
    exportedAt: iso(now),
    tenantId,
    subject: { type: 'member', id: a.id },
    account: {
      id: a.id,
      email: a.email,
      createdAt: iso(a.createdAt),
      passwordSet: a.passwordSet,
      mfaEnrolled: a.mfaEnabledAt !== null,
      mfaEnabledAt: isoOrNull(a.mfaEnabledAt),
      role: a.role,
      membershipDisabledAt: isoOrNull(a.membershipDisabledAt),
      joinedAt: iso(a.joinedAt),
    },
    sessions: r.sessions.map((s) => ({
      ...s,
      createdAt: iso(s.createdAt),
      lastSeenAt: iso(s.lastSeenAt),
      expiresAt: iso(s.expiresAt),
      reauthAt: isoOrNull(s.reauthAt),
    })),
    securityEvents: r.securityEvents.map((e) => ({ ...e, at: iso(e.at) })),
    reviewNotes: r.reviewNotes.map((n) => ({
      ...n,
      createdAt: iso(n.createdAt),
      resolvedAt: isoOrNull(n.resolvedAt),
    })),
    riskHistory: r.riskHistory.map((h) => ({ ...h, at: iso(h.at) })),
    riskAcceptances: r.acceptances.map(({ proposedBy, decidedBy, ...x }) => ({
      ...x,
      as:
        proposedBy === userId && decidedBy === userId
          ? ('proposer_and_approver' as const)
          : proposedBy === userId
            ? ('proposer' as const)
            : ('approver' as const),
      proposedAt: iso(x.proposedAt),
      decidedAt: isoOrNull(x.decidedAt),
    })),
    ownedRisks: r.ownedRisks,
    invitations: r.invitations.map((i) => ({
      ...i,
      createdAt: iso(i.createdAt),
      expiresAt: iso(i.expiresAt),
      consumedAt: isoOrNull(i.consumedAt),
      revokedAt: isoOrNull(i.revokedAt),
    })),
    mails: r.mails.map((m) => ({ ...m, createdAt: iso(m.createdAt), sentAt: isoOrNull(m.sentAt) })),
    auditEntries: r.audit,
  };
  return memberExportSchema.parse(data);
}

/** The data.json document of one subject (validated against its schema). */
export function subjectData(
  ports: SubjectPorts,
  tenantId: string,
  type: SubjectType,
  id: string,
  now: Date,
): Promise<ContactExport | MemberExport> {
  return type === 'contact'
    ? contactExport(ports, tenantId, id, now)
    : memberExport(ports, tenantId, id, now);
}

export interface SubjectArchive {
  bytes: Uint8Array;
  fileName: string;
  sha256: string;
}

/** The export zip of one subject, and its audit entry `privacy.exported` (subject type and id, a digest). */
export async function exportSubject(
  ports: SubjectPorts,
  tenantId: string,
  type: SubjectType,
  id: string,
  actor: string,
  now: Date,
): Promise<SubjectArchive> {
  const data = await subjectData(ports, tenantId, type, id, now);
  const schema = type === 'contact' ? contactExportSchema : memberExportSchema;
  const title = type === 'contact' ? 'Your data as a vendor contact' : 'Your data as a member';
  const bytes = await zipBytes([
    { name: 'data.json', data: `${JSON.stringify(data, null, 2)}\n` },
    { name: 'schema.json', data: `${JSON.stringify(jsonSchemaOf(schema, type), null, 2)}\n` },
    { name: 'README.md', data: readmeOf(title, schema) },
  ]);
  const sha256 = sha256Hex(bytes);
  await ports.store.tenant(tenantId).write((tx) =>
    tx.audit(
      {
        actor,
        action: 'privacy.exported',
        target: `${type === 'contact' ? 'contact' : 'user'}:${data.subject.id}`,
        data: { subject_type: type, archive_sha256: sha256 },
      },
      now,
    ),
  );
  return { bytes, sha256, fileName: `subject-${type}-${data.subject.id}-${iso(now).slice(0, 10)}.zip` };
}

const mismatch = () =>
  new HttpError(422, 'Type the person’s email address exactly to confirm the erasure.', {
    fields: { confirm: 'Type the person’s email address exactly to confirm the erasure.' },
  });
const lastAdmin = () =>
  new HttpError(
    409,
    'This workspace needs at least one active admin. Make another member an admin first, then try again.',
  );

/**
 * Erases one subject. `confirm` must be the subject's email address (compared by keyed hash for a
 * contact): a typed confirmation that also proves the admin means this person. One unit of work: every
 * write and the audit entry `privacy.erased` commit together or not at all.
 */
export async function eraseSubject(
  ports: SubjectPorts,
  tenantId: string,
  type: SubjectType,
  id: string,
  confirm: string,
  actor: string,
  now: Date,
): Promise<{ identity?: 'tombstoned' | 'kept' }> {
  const done =
    type === 'contact'
      ? await eraseContactSubject(ports, tenantId, id, confirm, actor, now)
      : await eraseMemberSubject(ports, tenantId, id, confirm, actor, now);
  // After the commit: the development outbox's copies of the mail just blanked (src/mail/outbox-prune.ts).
  await pruneDevOutbox(ports);
  return done;
}

async function eraseContactSubject(
  ports: SubjectPorts,
  tenantId: string,
  id: string,
  confirm: string,
  actor: string,
  now: Date,
): Promise<Record<string, never>> {
  const scope = ports.store.tenant(tenantId);
  const row = await scope.read((ctx) => repo.getContact(ctx, id));
  if (!row) throw noSubject();
  if (row.erasedAt) throw new HttpError(409, 'This contact has been erased already.');
  const parsed = parseMailAddress(confirm);
  const typed = parsed.ok ? await contactDataFor(ports).emailHash(tenantId, parsed.address) : null;
  if (typed === null || typed !== row.emailHash) throw mismatch();
  // The address the outbox holds: the one typed, which hashes to the contact's.
  const address = parsed.ok ? parsed.address : '';
  try {
    await scope.write((tx) => {
      repo.eraseContact(tx, id, now);
      // Before endContactAccess: the pending codes it deletes are how their mails are found.
      repo.eraseContactMail(tx, id, address);
      repo.endContactAccess(tx, id, now);
      tx.audit(
        { actor, action: 'privacy.erased', target: `contact:${id}`, data: { subject_type: 'contact' } },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.CONTACT_LIVE)
      throw new HttpError(409, 'This contact has been erased already.');
    throw err;
  }
  return {};
}

async function eraseMemberSubject(
  ports: SubjectPorts,
  tenantId: string,
  userId: string,
  confirm: string,
  actor: string,
  now: Date,
): Promise<{ identity: 'tombstoned' | 'kept' }> {
  // The unit carries the subject's user id as a claim: on PostgreSQL that is what reaches the identity's
  // own rows (its other memberships, its recovery codes, its sessions elsewhere). The membership in this
  // tenant is checked inside the same unit first, so the claim never reaches another tenant's user.
  if (!isId(userId)) throw noSubject();
  const scope = ports.store.tenant(tenantId, { userId });
  try {
    return await scope.write(async (tx) => {
      const member = await repo.getMember(tx, userId);
      if (!member) throw noSubject();
      if (normaliseEmail(confirm) !== member.email) throw mismatch();
      const others = (await repo.countMemberships(tx, userId)) - 1;
      const identity = others > 0 ? ('kept' as const) : ('tombstoned' as const);
      repo.eraseMemberTraces(tx, userId, member.email, now);
      repo.eraseMailTo(tx, member.email);
      if (identity === 'tombstoned') {
        // Before the membership goes: the guard (and the PostgreSQL policy) need it.
        repo.tombstoneUser(tx, userId, now);
        repo.destroyUserSecrets(tx, userId);
      }
      repo.removeMember(tx, userId); // the last-admin guard, in SQL; ends the sessions in this tenant
      tx.audit(
        {
          actor,
          action: 'privacy.erased',
          target: `user:${userId}`,
          data: { subject_type: 'member', identity },
        },
        now,
      );
      return { identity };
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.MEMBER_GUARDS.lastAdmin) throw lastAdmin();
    if (err instanceof GuardError && err.guard === repo.USER_MEMBER) throw noSubject();
    throw err;
  }
}
