/**
 * The dedupe keys of the mail Assay sends to a vendor contact (mail_outbox.dedupe_key). Every producer
 * builds its key here, so that an erasure (src/db/repo/privacy-subjects.ts) can find a contact's mail by
 * the ids the key carries, whatever address it went to: a contact's email can change after a mail went
 * out, and the outbox keeps the address it was sent to.
 *
 * - by a vendor link's `jti` (vendor_links.contact_id names the contact): the invitation, a re-sent
 *   link, a fresh link the contact asked for, a change request;
 * - by an access code's id (access_codes.contact_id): the code that confirms a submission;
 * - by the assessment's id (assessments.contact_id): a reminder, a receipt.
 */
import { sha256Hex } from '../crypto/hash.js';

/** Key prefixes followed by a vendor link's jti. */
export const LINK_MAIL = {
  invite: 'invite:',
  resend: 'resend:',
  fresh: 'fresh:',
  changes: 'changes:',
} as const;
/** Key prefix followed by an access code's id. */
export const SUBMIT_CODE_MAIL = 'submit-code:';
/** `receipt:<assessment id>:<digest>`. */
export const RECEIPT_MAIL = 'receipt:';
/** `reminder:<due date>:<days before>:<assessment id>`. */
export const REMINDER_MAIL = 'reminder:';

export const mailKeys = {
  invite: (jti: string) => `${LINK_MAIL.invite}${jti}`,
  resend: (jti: string) => `${LINK_MAIL.resend}${jti}`,
  fresh: (jti: string) => `${LINK_MAIL.fresh}${jti}`,
  changes: (jti: string) => `${LINK_MAIL.changes}${jti}`,
  submitCode: (codeId: string) => `${SUBMIT_CODE_MAIL}${codeId}`,
  /** One per submission (its plain receipt), whichever receipt it carries. */
  receipt: (assessmentId: string, plainReceipt: string) =>
    `${RECEIPT_MAIL}${assessmentId}:${sha256Hex(plainReceipt).slice(0, 32)}`,
  /** The `once` part (`reminder:<due date>:<days before>`) is also the reminder event's once-key. */
  reminderOnce: (dueDate: string | null, daysBefore: number) => `${REMINDER_MAIL}${dueDate}:${daysBefore}`,
  reminder: (once: string, assessmentId: string) => `${once}:${assessmentId}`,
} as const;
