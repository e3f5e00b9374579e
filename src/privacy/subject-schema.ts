/**
 * The shape of a data subject export's `data.json` (GDPR Art. 15/20), one zod schema per kind of
 * subject. The same schema parses the document before it is zipped, gives `schema.json` (JSON Schema
 * draft 2020-12, `z.toJSONSchema`) and, through its descriptions, the README: so the three cannot drift.
 */
import { z } from 'zod';

export const EXPORT_FORMAT = 'assay-subject-export/1';

const time = () => z.iso.datetime({ offset: false });
const when = (what: string) => time().describe(what);
const maybe = (what: string) => time().nullable().describe(what);
const id = (what: string) => z.string().describe(what);

const header = {
  format: z.literal(EXPORT_FORMAT).describe('The version of this file format.'),
  exportedAt: when('When this export was made (UTC).'),
  tenantId: id('The organisation (tenant) in Assay that holds this data: the controller.'),
};

const mails = z
  .array(
    z
      .object({
        id: id('The message id in the outbox.'),
        subject: z.string().describe('The subject line.'),
        status: z.enum(['pending', 'sending', 'sent', 'failed']).describe('Whether it was sent.'),
        createdAt: when('When it was queued.'),
        sentAt: maybe('When it was handed to the mail server, if it was.'),
      })
      .strict(),
  )
  .describe('Mail to this person still held in the outbox: metadata only, not the bodies.');

const auditEntries = z
  .array(
    z
      .object({
        seq: z.number().int().describe('The position of the entry in the organisation’s audit trail.'),
        ts: when('When it happened.'),
        action: z.string().describe('What was done, e.g. assessment.submitted.'),
        target: z.string().describe('What it was done to, as type:id.'),
      })
      .strict(),
  )
  .describe(
    'Entries of the audit trail in which this person is the actor. Entries hold ids and digests, never names or addresses.',
  );

const sessionFields = {
  id: id('A SHA-256 of the session cookie (the cookie itself is never stored).'),
  createdAt: when('When the session started.'),
  lastSeenAt: when('The last request made with it.'),
  expiresAt: when('When it ends at the latest.'),
};

export const contactExportSchema = z
  .object({
    ...header,
    subject: z
      .object({ type: z.literal('vendor_contact'), id: id('The contact’s id.') })
      .strict()
      .describe('Whom this export is about: a contact person at a vendor.'),
    contact: z
      .object({
        id: id('The contact’s id.'),
        vendorId: id('The vendor the person is a contact of.'),
        erased: z.boolean().describe('True once the personal fields were erased (then they are null).'),
        name: z.string().nullable().describe('Name, as entered by the organisation.'),
        email: z.string().nullable().describe('Email address.'),
        phone: z.string().nullable().describe('Phone number.'),
        role: z.string().nullable().describe('Role or job title.'),
        createdAt: when('When the contact was added.'),
        updatedAt: maybe('When it was last changed.'),
      })
      .strict()
      .describe(
        'The contact record. Name, email, phone and role are stored encrypted; they are shown here decrypted.',
      ),
    vendors: z
      .array(
        z
          .object({
            id: id('The vendor’s id.'),
            name: z.string().describe('The vendor’s name.'),
            status: z.string().describe('active, onboarding or offboarded.'),
          })
          .strict(),
      )
      .describe('The vendor (supplier) the person is a contact of.'),
    assessments: z
      .array(
        z
          .object({
            id: id('The assessment’s id.'),
            vendorId: id('The vendor assessed.'),
            questionnaire: z.string().describe('The questionnaire’s title.'),
            questionnaireVersion: z.string().describe('Its version.'),
            status: z.string().describe('Where the assessment stands (sent, submitted, reviewed…).'),
            dueDate: z.string().nullable().describe('The due date (YYYY-MM-DD), if any.'),
            sentAt: maybe('When it was sent to the person.'),
            submittedAt: maybe('When it was submitted.'),
            createdAt: when('When it was created.'),
          })
          .strict(),
      )
      .describe('Security questionnaires sent to this person.'),
    accessLinks: z
      .array(
        z
          .object({
            assessmentId: id('The assessment the link opens.'),
            purpose: z
              .enum(['invite', 'fresh'])
              .describe('invite: the first link; fresh: a fresh-access request.'),
            issuedAt: when('When it was issued.'),
            expiresAt: when('When it stops working.'),
            consumedAt: maybe('When it was used.'),
            revokedAt: maybe('When it was withdrawn.'),
          })
          .strict(),
      )
      .describe('One-time links mailed to the person, including links asked for again (fresh access).'),
    accessCodes: z
      .array(
        z
          .object({
            assessmentId: id('The assessment.'),
            purpose: z
              .enum(['access', 'submit'])
              .describe('access: to open a session; submit: to confirm a submission.'),
            attempts: z.number().int().describe('Wrong codes entered.'),
            createdAt: when('When the code was mailed.'),
            expiresAt: when('When it stops working.'),
            consumedAt: maybe('When it was used.'),
          })
          .strict(),
      )
      .describe('Six-digit codes mailed to the person (only a keyed hash of each code is kept).'),
    answers: z
      .array(
        z
          .object({
            assessmentId: id('The assessment.'),
            key: z.string().describe('The question answered.'),
            revision: z.number().int().describe('How many times the answer was saved.'),
            updatedAt: when('When the person last saved it.'),
          })
          .strict(),
      )
      .describe(
        'Answers whose latest version this person saved: metadata only. The answers are the vendor’s, not personal data of the person; the organisation holds them.',
      ),
    evidence: z
      .array(
        z
          .object({
            id: id('The file’s id.'),
            assessmentId: id('The assessment.'),
            questionId: z.string().describe('The question it answers.'),
            fileName: z.string().describe('The file name as uploaded.'),
            contentType: z.string().describe('Its type.'),
            size: z.number().int().describe('Its size in bytes.'),
            sha256: z.string().describe('The SHA-256 of its content.'),
            version: z.number().int().describe('1 for a first upload, higher for a replacement.'),
            createdAt: when('When it was uploaded.'),
            deletedAt: maybe('When it was removed, if it was.'),
          })
          .strict(),
      )
      .describe('Files this person uploaded: metadata only.'),
    sessions: z
      .array(
        z
          .object({ ...sessionFields, assessmentId: z.string().nullable().describe('The assessment.') })
          .strict(),
      )
      .describe('Portal sessions the person holds now.'),
    mails,
    auditEntries,
  })
  .strict()
  .describe('Everything Assay holds about one vendor contact in one organisation.');

export const memberExportSchema = z
  .object({
    ...header,
    subject: z
      .object({ type: z.literal('member'), id: id('The member’s user id.') })
      .strict()
      .describe('Whom this export is about: a member of the organisation’s workspace.'),
    account: z
      .object({
        id: id('The user id.'),
        email: z.string().describe('The sign-in email address.'),
        createdAt: when('When the identity was created.'),
        passwordSet: z
          .boolean()
          .describe('Whether a password is set (the password is stored only as a slow hash, never shown).'),
        mfaEnrolled: z
          .boolean()
          .describe('Whether a second factor (TOTP) is enrolled. Its secret is never exported.'),
        mfaEnabledAt: maybe('When the second factor was enrolled.'),
        role: z.string().describe('The member’s role in this organisation.'),
        membershipDisabledAt: maybe('When an admin disabled the member, if so.'),
        joinedAt: when('When the member joined this organisation.'),
      })
      .strict()
      .describe('The account and the membership in this organisation.'),
    sessions: z
      .array(
        z
          .object({
            ...sessionFields,
            kind: z.string().describe('user: signed in; mfa_pending: awaiting the second factor.'),
            reauthAt: maybe('When the member last confirmed their password.'),
          })
          .strict(),
      )
      .describe('Sessions the member holds in this organisation now.'),
    securityEvents: z
      .array(
        z
          .object({
            id: id('The event’s id.'),
            at: when('When it happened.'),
            kind: z.string().describe('sign_in_failed, permission_denied, rate_limited or code_failed.'),
            address: z.string().nullable().describe('The client IP address the request came from.'),
            data: z
              .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
              .describe('Details (ids and kinds only).'),
          })
          .strict(),
      )
      .describe('Security events about the member (kept at least 90 days).'),
    reviewNotes: z
      .array(
        z
          .object({
            id: id('The note’s id.'),
            assessmentId: id('The assessment.'),
            questionId: z.string().nullable().describe('The question, for a change request.'),
            kind: z.enum(['note', 'change_request']).describe('An internal note or a request for changes.'),
            body: z.string().describe('What the member wrote.'),
            createdAt: when('When it was written.'),
            resolvedAt: maybe('When a change request was answered.'),
          })
          .strict(),
      )
      .describe('Review notes and change requests the member wrote.'),
    riskHistory: z
      .array(
        z
          .object({
            id: id('The history entry’s id.'),
            riskId: id('The risk.'),
            at: when('When the change was made.'),
            field: z.string().describe('The field changed.'),
            fromValue: z.string().nullable().describe('The value before.'),
            toValue: z.string().nullable().describe('The value after.'),
            note: z.string().nullable().describe('The note given with the change.'),
          })
          .strict(),
      )
      .describe('Changes to risks the member made.'),
    riskAcceptances: z
      .array(
        z
          .object({
            id: id('The acceptance’s id.'),
            riskId: id('The risk.'),
            as: z
              .enum(['proposer', 'approver', 'proposer_and_approver'])
              .describe('The member’s part in it.'),
            status: z.string().describe('pending, approved, rejected or expired.'),
            justification: z.string().describe('Why the risk should be accepted.'),
            expiresOn: z.string().describe('The last day it holds (YYYY-MM-DD).'),
            proposedAt: when('When it was proposed.'),
            decidedAt: maybe('When it was decided.'),
            decisionNote: z.string().nullable().describe('The decider’s note.'),
          })
          .strict(),
      )
      .describe('Risk acceptances the member proposed or decided.'),
    ownedRisks: z
      .array(
        z
          .object({
            id: id('The risk’s id.'),
            title: z.string().describe('Its title.'),
            status: z.string().describe('Its status.'),
          })
          .strict(),
      )
      .describe('Risks the member owns.'),
    invitations: z
      .array(
        z
          .object({
            id: id('A SHA-256 of the invitation link (the link itself is never stored).'),
            purpose: z.string().describe('What the link was for (an invitation, an admin set-up).'),
            role: z.string().nullable().describe('The role offered.'),
            createdAt: when('When it was sent.'),
            expiresAt: when('When it stopped working.'),
            consumedAt: maybe('When it was accepted.'),
            revokedAt: maybe('When it was withdrawn.'),
          })
          .strict(),
      )
      .describe('Invitations to this organisation sent to the member’s address.'),
    mails,
    auditEntries,
  })
  .strict()
  .describe('Everything Assay holds about one member in one organisation.');

export type ContactExport = z.infer<typeof contactExportSchema>;
export type MemberExport = z.infer<typeof memberExportSchema>;

export function jsonSchemaOf(schema: z.ZodType, kind: string): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>),
    $id: `https://assay.invalid/schemas/${EXPORT_FORMAT}/${kind}`,
  };
}

type JsonSchema = {
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/** The README: one line per field, from the schema's descriptions (nested objects and arrays indented). */
export function readmeOf(title: string, schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as JsonSchema;
  const lines = [
    `# ${title}`,
    '',
    json.description ?? '',
    '',
    'This archive answers a request under GDPR Art. 15 (access) and Art. 20 (portability).',
    '',
    '- `data.json`: the data, as JSON (UTF-8). Times are UTC, ISO 8601.',
    '- `schema.json`: a JSON Schema (draft 2020-12) that `data.json` validates against.',
    '- `README.md`: this file.',
    '',
    'Assay keeps no data about you beyond what is listed here for this organisation. Passwords, second-factor',
    'secrets, codes and links are never exported: Assay stores only hashes of them. The audit trail of the',
    'organisation records ids and digests only, never your name or address.',
    '',
    '## Fields',
    '',
  ];
  const walk = (props: Record<string, JsonSchema>, depth: number) => {
    for (const [name, s] of Object.entries(props)) {
      const inner = s.items ?? s.anyOf?.find((a) => a.properties) ?? s;
      lines.push(`${'  '.repeat(depth)}- \`${name}\`: ${s.description ?? inner.description ?? ''}`);
      if (inner.properties) walk(inner.properties, depth + 1);
    }
  };
  walk(json.properties ?? {}, 0);
  lines.push('');
  return lines.join('\n');
}
