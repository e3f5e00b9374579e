import { and, asc, eq, inArray, lt, lte, ne, or, sql } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { ReadCtx, TenantReadCtx, WriteCtx, Written } from '../store.js';
import { ERASED_MAIL } from './privacy-subjects.js';

export type OutgoingMail = {
  tenantId: string | null;
  dedupeKey: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody?: string | null;
};

export type MailRow = OutgoingMail & {
  id: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  claimToken: string | null;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
};

/**
 * Queues a message once per dedupe key; `rows` is empty after commit when it was already queued. Queue
 * it in a unit of its tenant: on PostgreSQL a unit may queue mail only for its own tenant.
 */
export function enqueueMail(tx: WriteCtx, m: OutgoingMail, now = new Date()): Written<{ id: string }> {
  return tx.write(
    tx.db
      .insert(tx.t.mailOutbox)
      .values({ ...m, id: newId(), nextAttemptAt: now, createdAt: now })
      .onConflictDoNothing({ target: tx.t.mailOutbox.dedupeKey })
      .returning({ id: tx.t.mailOutbox.id }),
  );
}

/** How long a claim holds before another sender may take the message over. */
export const MAIL_LEASE_MS = 5 * 60_000;

/**
 * Claims due messages with one conditional UPDATE: pending ones whose time has come, and `sending` ones
 * whose lease ran out (their sender died after claiming). Each claim carries a fresh token; only that
 * token may mark the message sent or failed. On PostgreSQL the candidates are locked with
 * `FOR UPDATE SKIP LOCKED`, so two senders never wait on, or take, each other's messages; on SQLite and
 * D1 the single UPDATE statement is atomic by itself. `rows` (after commit) are the claimed messages.
 * Claiming, marking and listing every tenant's mail is the sender's: run them in `store.as({ system:
 * 'mail' })` (on PostgreSQL nobody else sees or changes a queued message).
 */
export function claimDueMail(tx: WriteCtx, now: Date, limit = 20): Written<MailRow> {
  const { db, t } = tx;
  const due = or(
    and(eq(t.mailOutbox.status, 'pending'), lte(t.mailOutbox.nextAttemptAt, now)),
    and(eq(t.mailOutbox.status, 'sending'), lte(t.mailOutbox.leaseUntil, now)),
  );
  const candidates = db
    .select({ id: t.mailOutbox.id })
    .from(t.mailOutbox)
    .where(due)
    .orderBy(asc(t.mailOutbox.nextAttemptAt))
    .limit(limit);
  const locked = tx.dialect === 'pg' ? sql`(${candidates} for update skip locked)` : sql`(${candidates})`;
  const claimToken = newId();
  return tx.write<MailRow>(
    db
      .update(t.mailOutbox)
      .set({
        status: 'sending',
        leaseUntil: new Date(now.getTime() + MAIL_LEASE_MS),
        claimToken,
      })
      .where(and(inArray(t.mailOutbox.id, locked), due))
      .returning(),
  );
}

export const MAIL_CLAIMED = 'mail-claimed';

/**
 * What a message keeps once it is done with (sent, or failed for good): no body. The bodies hold live
 * links, set-up links and one-time codes whose hashes alone are stored elsewhere; kept, they would undo
 * that (and travel into every backup). Recipient, subject and dedupe key stay until the message's
 * retention runs out (MAIL_RETENTION_DAYS): the subject-access export and erasure find mail by them, and
 * the dedupe key keeps a message from being queued twice. On PostgreSQL the trigger
 * `assay_mail_outbox_erasure_only` (migrations/pg/0036) admits exactly this change of the bodies.
 */
export const DONE_MAIL = { textBody: '', htmlBody: null } as const;

/**
 * How long a sent or failed message's row is kept (then the daily retention job deletes it). Longer
 * than anything that looks for a message by its dedupe key: a vendor link lives 14 days, the receipt
 * recovery looks back 7. PostgreSQL holds the same floor in the policy `mail_outbox_expire`.
 */
export const MAIL_RETENTION_DAYS = 30;

/** Marks a claimed message sent; the unit fails with `GuardError(MAIL_CLAIMED)` if the claim was lost. */
export function markMailSent(tx: WriteCtx, id: string, claimToken: string, now: Date): void {
  const { db, t } = tx;
  tx.write(
    db
      .update(t.mailOutbox)
      .set({ status: 'sent', sentAt: now, leaseUntil: null, claimToken: null, ...DONE_MAIL })
      .where(
        and(
          eq(t.mailOutbox.id, id),
          eq(t.mailOutbox.claimToken, claimToken),
          eq(t.mailOutbox.status, 'sending'),
        ),
      ),
    { guard: MAIL_CLAIMED },
  );
}

/** A failed attempt goes back to pending with backoff, or to failed after the last attempt. */
export function markMailFailed(
  tx: WriteCtx,
  id: string,
  claimToken: string,
  attempts: number,
  error: string,
  nextAttemptAt: Date | null,
): void {
  const { db, t } = tx;
  tx.write(
    db
      .update(t.mailOutbox)
      .set({
        status: nextAttemptAt ? 'pending' : 'failed',
        attempts,
        lastError: error.slice(0, 500),
        leaseUntil: null,
        claimToken: null,
        // Retried: the bodies are still needed. Failed for good: nothing will send them any more.
        ...(nextAttemptAt ? { nextAttemptAt } : DONE_MAIL),
      })
      .where(
        and(
          eq(t.mailOutbox.id, id),
          eq(t.mailOutbox.claimToken, claimToken),
          eq(t.mailOutbox.status, 'sending'),
        ),
      ),
    { guard: MAIL_CLAIMED },
  );
}

/**
 * Deletes the sent and failed messages queued before `before` (every tenant's, and the ones of no
 * tenant): run it in `store.as({ system: 'mail' })`. Pending and sending ones are never touched.
 */
export function deleteDoneMail(tx: WriteCtx, before: Date): Written<{ id: string }> {
  const { db, t } = tx;
  return tx.write(
    db
      .delete(t.mailOutbox)
      .where(and(inArray(t.mailOutbox.status, ['sent', 'failed']), lt(t.mailOutbox.createdAt, before)))
      .returning({ id: t.mailOutbox.id }),
  );
}

export async function listMail({ db, t }: ReadCtx, limit = 100): Promise<MailRow[]> {
  return (await db
    .select()
    .from(t.mailOutbox)
    .orderBy(asc(t.mailOutbox.createdAt))
    .limit(limit)) as MailRow[];
}

/** Which of these keys name a message the unit's tenant already queued (sent or not). */
export async function queuedMailKeys(
  { db, t, tenantId }: TenantReadCtx,
  keys: string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  // In slices: D1 binds at most 100 parameters per statement.
  for (let i = 0; i < keys.length; i += 50) {
    const rows = await db
      .select({ key: t.mailOutbox.dedupeKey })
      .from(t.mailOutbox)
      .where(
        and(eq(t.mailOutbox.tenantId, tenantId), inArray(t.mailOutbox.dedupeKey, keys.slice(i, i + 50))),
      );
    for (const r of rows) out.add(r.key);
  }
  return out;
}

/**
 * Which of these outbox ids name a row that still exists and was not erased (every tenant's: run it in
 * `store.as({ system: 'mail' })`). The development outbox keeps a message's files only while this holds
 * (src/mail/outbox-prune.ts).
 */
export async function liveMailIds({ db, t }: ReadCtx, given: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  // Anything but an id names no row (and would not bind to PostgreSQL's uuid).
  const ids = given.filter(isId);
  // In slices: D1 binds at most 100 parameters per statement.
  for (let i = 0; i < ids.length; i += 50) {
    const rows = await db
      .select({ id: t.mailOutbox.id })
      .from(t.mailOutbox)
      .where(
        and(
          inArray(t.mailOutbox.id, ids.slice(i, i + 50)),
          ne(t.mailOutbox.toAddress, ERASED_MAIL.toAddress),
        ),
      );
    for (const r of rows) out.add(r.id);
  }
  return out;
}
