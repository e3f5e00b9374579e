/**
 * The receipt recovery job: a submission commits its plain receipt in one unit, and a second unit
 * re-signs it with a checkpoint and queues the receipt mail (src/vendor/submission.ts). A crash between
 * the two leaves a submitted assessment whose mail was never queued. Hourly, for submissions of the last
 * week older than a few minutes (the submission finishes its own in well under that), this finds the
 * ones whose mail is not in the outbox and finishes them with the same idempotent `finishReceipt`:
 * the mail goes out once, with the attested receipt if attesting works, else the plain one.
 */
import { base64UrlToBytes } from '../crypto/encoding.js';
import { listSubmittedReceipts } from '../db/repo/assessments.js';
import { queuedMailKeys } from '../db/repo/outbox.js';
import { listTenants } from '../db/repo/tenants.js';
import { getContact } from '../db/repo/vendor-contacts.js';
import { assessmentMailLocale } from '../mail/templates.js';
import type { Ports } from '../platform/ports.js';
import { localize } from '../questionnaire/index.js';
import { pinnedQuestionnaire } from '../workspace/questionnaires.js';
import { contactDataFor } from './contact-data.js';
import { finishReceipt, receiptMailKey } from './submission.js';

/** A submission younger than this is left to finish itself. */
export const RECEIPT_RECOVERY_AFTER_MS = 5 * 60_000;
/** How far back the job looks (a submission's mail is never queued later than this). */
const LOOK_BACK_MS = 7 * 24 * 60 * 60_000;

const claimOf = (jws: string): { contact?: string; audit?: { checkpoint?: string } } => {
  const [, payload] = jws.split('.');
  return JSON.parse(new TextDecoder().decode(base64UrlToBytes(payload ?? '')));
};

/** Finishes every submission whose receipt mail is missing; returns how many it finished. */
export async function finishPendingReceipts(
  platform: Pick<Ports, 'store' | 'keys' | 'master' | 'clock' | 'mail' | 'templates'> & { baseUrl?: string },
  now: Date,
): Promise<number> {
  const { store } = platform;
  const baseUrl = platform.baseUrl ?? '';
  const contacts = contactDataFor({ store, master: platform.master });
  const tenants = await store.as({ system: 'scheduler' }).read((g) => listTenants(g));
  let finished = 0;
  for (const { id: tenantId } of tenants) {
    const scope = store.tenant(tenantId);
    const pending = await scope.read(async (ctx) => {
      const rows = await listSubmittedReceipts(
        ctx,
        new Date(now.getTime() - LOOK_BACK_MS),
        new Date(now.getTime() - RECEIPT_RECOVERY_AFTER_MS),
      );
      // A receipt that carries its checkpoint was replaced in the unit that queued its mail.
      const plain = rows.filter((r) => !claimOf(r.receipt).audit?.checkpoint);
      const queued = await queuedMailKeys(
        ctx,
        plain.map((r) => receiptMailKey(r.id, r.receipt)),
      );
      return plain.filter((r) => !queued.has(receiptMailKey(r.id, r.receipt)));
    });
    for (const row of pending) {
      const found = await scope.read(async (ctx) => {
        const contactId = claimOf(row.receipt).contact;
        return {
          contact: contactId ? await getContact(ctx, contactId) : null,
          questionnaire: await pinnedQuestionnaire(ctx, row.questionnaireVersionId),
        };
      });
      const to = found.contact ? (await contacts.open(tenantId, found.contact)).email : null;
      const q = found.questionnaire;
      const locale = assessmentMailLocale(row, q?.defaultLocale);
      await finishReceipt(
        { keys: platform.keys, baseUrl, store, clock: platform.clock, templates: platform.templates },
        { tenantId, write: (fn) => scope.write(fn) },
        {
          assessmentId: row.id,
          plain: row.receipt,
          to,
          locale,
          questionnaireTitle: q
            ? localize(q.title, locale, q)
            : locale === 'de'
              ? 'Ihr Fragebogen'
              : 'your questionnaire',
        },
        now,
      );
      finished++;
    }
  }
  if (finished) platform.mail.queued();
  return finished;
}
