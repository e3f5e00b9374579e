/**
 * Queueing mail: the one way callers put a message in the outbox. The recipient is validated first
 * (src/mail/address.ts), so a bad address is refused with `InvalidAddressError` before anything is
 * written; the unit of work that queues is the caller's, so the mail commits with what caused it.
 * After the unit has committed, call `platform.mail.queued()` to wake the sender at once.
 */
import { enqueueMail } from '../db/repo/outbox.js';
import type { WriteCtx, Written } from '../db/store.js';
import { assertMailAddress } from './address.js';
import type { RenderedEmail } from './templates.js';

export interface QueuedMail {
  /** The tenant the mail belongs to (null for mail of no tenant, such as a set-up link). */
  tenantId: string | null;
  /** The same logical message is queued only once per key (e.g. `invite:<link id>`). */
  dedupeKey: string;
  to: string;
  email: RenderedEmail;
}

export function queueMail(tx: WriteCtx, m: QueuedMail, now?: Date): Written<{ id: string }> {
  const toAddress = assertMailAddress(m.to);
  return enqueueMail(
    tx,
    {
      tenantId: m.tenantId,
      dedupeKey: m.dedupeKey,
      toAddress,
      subject: m.email.subject,
      textBody: m.email.text,
      // Plain-text-only mails (a code, a receipt block) carry no HTML part at all.
      htmlBody: m.email.html || null,
    },
    now,
  );
}
