import { and, asc, eq, lte } from 'drizzle-orm';
import type { GlobalCtx } from '../store.js';

export type OutgoingMail = {
  tenantId: string | null;
  dedupeKey: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody?: string | null;
};

/** Queues a message once per dedupe key; returns false when it was already queued. */
export async function enqueueMail({ db, t }: GlobalCtx, m: OutgoingMail, now = new Date()): Promise<boolean> {
  const rows = await db
    .insert(t.mailOutbox)
    .values({ ...m, nextAttemptAt: now, createdAt: now })
    .onConflictDoNothing({ target: t.mailOutbox.dedupeKey })
    .returning({ id: t.mailOutbox.id });
  return rows.length > 0;
}

/** Claims due messages for sending: pending → sending, one conditional update per message. */
export async function claimDueMail({ db, t }: GlobalCtx, now: Date, limit = 20) {
  const due = await db
    .select({ id: t.mailOutbox.id })
    .from(t.mailOutbox)
    .where(and(eq(t.mailOutbox.status, 'pending'), lte(t.mailOutbox.nextAttemptAt, now)))
    .orderBy(asc(t.mailOutbox.nextAttemptAt))
    .limit(limit);
  const claimed = [];
  for (const { id } of due) {
    const [row] = await db
      .update(t.mailOutbox)
      .set({ status: 'sending' })
      .where(and(eq(t.mailOutbox.id, id), eq(t.mailOutbox.status, 'pending')))
      .returning();
    if (row) claimed.push(row);
  }
  return claimed;
}

export async function markMailSent({ db, t }: GlobalCtx, id: string, now: Date): Promise<void> {
  await db.update(t.mailOutbox).set({ status: 'sent', sentAt: now }).where(eq(t.mailOutbox.id, id));
}

/** A failed attempt goes back to pending with backoff, or to failed after `maxAttempts`. */
export async function markMailFailed(
  { db, t }: GlobalCtx,
  id: string,
  attempts: number,
  error: string,
  nextAttemptAt: Date | null,
): Promise<void> {
  await db
    .update(t.mailOutbox)
    .set({
      status: nextAttemptAt ? 'pending' : 'failed',
      attempts,
      lastError: error.slice(0, 500),
      ...(nextAttemptAt ? { nextAttemptAt } : {}),
    })
    .where(eq(t.mailOutbox.id, id));
}

export async function listMail({ db, t }: GlobalCtx, limit = 100) {
  return db.select().from(t.mailOutbox).orderBy(asc(t.mailOutbox.createdAt)).limit(limit);
}
