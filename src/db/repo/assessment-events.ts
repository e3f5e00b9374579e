/**
 * The recorded events of assessments (what happened, when, by whom: ids only). Written only in the unit
 * that makes the change they record; src/workspace/assessment-events.ts decides which status each kind
 * leads to.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import { preparedWrite } from '../prepared.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';
import type { ASSESSMENT_EVENT_KINDS } from '../tables.js';
import type { AssessmentStatus } from './assessments.js';

export type AssessmentEventKind = (typeof ASSESSMENT_EVENT_KINDS)[number];
export type AssessmentEvent = {
  id: string;
  assessmentId: string;
  kind: AssessmentEventKind;
  at: Date;
  actor: string;
  onceKey: string | null;
};

export interface NewAssessmentEvent {
  assessmentId: string;
  kind: AssessmentEventKind;
  at: Date;
  actor: string;
  /** At most one event per assessment with this key: a second one fails the guard {@link EVENT_ONCE}. */
  onceKey?: string | null;
}

/** The guard of an at-most-once event (a reminder, the overdue mark): it had happened already. */
export const EVENT_ONCE = 'assessment-event-once';

// Every redemption records one (opened): prepared once where the driver allows (prepared.ts).
const plainEvent = preparedWrite(['id', 'tenantId', 'assessmentId', 'kind', 'at', 'actor'], (db, t, v) =>
  db.insert(t.assessmentEvents).values({
    id: v.id as string,
    tenantId: v.tenantId as string,
    assessmentId: v.assessmentId as string,
    kind: v.kind as AssessmentEventKind,
    at: v.at as Date,
    actor: v.actor as string,
    onceKey: null,
  }),
);

/** Queues an event. With `onceKey`, the unit fails whole with `GuardError(EVENT_ONCE)` if it exists. */
export function insertAssessmentEvent(tx: TenantWriteCtx, e: NewAssessmentEvent): Written<{ id: string }> {
  const row = {
    id: newId(),
    tenantId: tx.tenantId,
    assessmentId: e.assessmentId,
    kind: e.kind,
    at: e.at,
    actor: e.actor,
    onceKey: e.onceKey ?? null,
  };
  if (!e.onceKey) return plainEvent(tx, row) as Written<{ id: string }>;
  const insert = tx.db.insert(tx.t.assessmentEvents).values(row);
  return tx.write(insert.onConflictDoNothing().returning({ id: tx.t.assessmentEvents.id }), {
    guard: EVENT_ONCE,
  });
}

/**
 * Queues an event only if the assessment is, at that point of the unit, in one of `statuses` (one
 * INSERT … SELECT: the first answer records `in_progress` once, later autosaves record nothing). Queue
 * it before the write that changes the status.
 */
export function insertAssessmentEventIf(
  tx: TenantWriteCtx,
  e: NewAssessmentEvent,
  statuses: readonly AssessmentStatus[],
): Written {
  const { db, t, tenantId } = tx;
  const a = t.assessments;
  // PostgreSQL types a bare parameter in a select list as text; the column is timestamptz.
  const at = tx.dialect === 'pg' ? sql`cast(${e.at.toISOString()} as timestamptz)` : sql`${e.at.getTime()}`;
  return tx.write(
    db.insert(t.assessmentEvents).select(
      db
        .select({
          id: sql<string>`${newId()}`.as('id'),
          tenantId: a.tenantId,
          assessmentId: a.id,
          kind: sql<string>`${e.kind}`.as('kind'),
          at: at.as('at'),
          actor: sql<string>`${e.actor}`.as('actor'),
          onceKey: sql<string | null>`${e.onceKey ?? null}`.as('once_key'),
        })
        .from(a)
        .where(
          and(
            eq(a.tenantId, tenantId),
            eq(a.id, isId(e.assessmentId) ? e.assessmentId : ''),
            inArray(a.status, [...statuses]),
          ),
        ) as never,
    ),
  );
}

/**
 * {@link insertAssessmentEventIf} for the first answer's `in_progress` event, which every answer write
 * queues (autosave): the same INSERT … SELECT, prepared once where the driver allows (prepared.ts).
 * `at` is epoch milliseconds on SQLite and D1, an ISO string on PostgreSQL (cast there, as above).
 */
const firstAnswerEvent = preparedWrite(['id', 'tenantId', 'assessmentId', 'at', 'actor'], (db, t, v) => {
  const a = t.assessments;
  // Only PostgreSQL gets a string (SQLite a placeholder, D1 a number): it needs the cast.
  const at = typeof v.at === 'string' ? sql`cast(${v.at} as timestamptz)` : sql`${v.at}`;
  return db.insert(t.assessmentEvents).select(
    db
      .select({
        id: sql<string>`${v.id}`.as('id'),
        tenantId: a.tenantId,
        assessmentId: a.id,
        kind: sql<string>`${'in_progress'}`.as('kind'),
        at: at.as('at'),
        actor: sql<string>`${v.actor}`.as('actor'),
        onceKey: sql<string | null>`${null}`.as('once_key'),
      })
      .from(a)
      .where(
        and(
          eq(a.tenantId, v.tenantId as string),
          eq(a.id, v.assessmentId as string),
          inArray(a.status, ['sent', 'opened', 'expired']), // NOT_YET_ANSWERED (assessments.ts)
        ),
      ) as never,
  ) as never;
});

/** The `in_progress` event of an assessment still unanswered (sent, opened or expired); nothing otherwise. */
export function insertFirstAnswerEvent(
  tx: TenantWriteCtx,
  e: { assessmentId: string; at: Date; actor: string },
): Written {
  return firstAnswerEvent(tx, {
    id: newId(),
    tenantId: tx.tenantId,
    assessmentId: isId(e.assessmentId) ? e.assessmentId : '',
    at: tx.dialect === 'pg' ? e.at.toISOString() : e.at.getTime(),
    actor: e.actor,
  });
}

/** An assessment's events, oldest first (the timeline; the status is their fold). */
export async function listAssessmentEvents(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
): Promise<AssessmentEvent[]> {
  if (!isId(assessmentId)) return [];
  return (await db
    .select({
      id: t.assessmentEvents.id,
      assessmentId: t.assessmentEvents.assessmentId,
      kind: t.assessmentEvents.kind,
      at: t.assessmentEvents.at,
      actor: t.assessmentEvents.actor,
      onceKey: t.assessmentEvents.onceKey,
    })
    .from(t.assessmentEvents)
    .where(and(eq(t.assessmentEvents.tenantId, tenantId), eq(t.assessmentEvents.assessmentId, assessmentId)))
    .orderBy(asc(t.assessmentEvents.at), asc(t.assessmentEvents.id))) as AssessmentEvent[];
}

/**
 * Moves the stored status from one of `from` to `to` (one conditional UPDATE). With `guard`, the unit
 * fails whole unless it moved; without, a status outside `from` stays as it is.
 */
/** One prepared move per (from, to) pair the event rules name (a handful): built once, see prepared.ts. */
const moves = new Map<string, ReturnType<typeof buildMove>>();
const buildMove = (from: readonly AssessmentStatus[], to: AssessmentStatus) =>
  preparedWrite(['now', 'tenantId', 'id'], (db, t, v) =>
    db
      .update(t.assessments)
      .set({ status: to, updatedAt: v.now as Date })
      .where(
        and(
          eq(t.assessments.tenantId, v.tenantId as string),
          eq(t.assessments.id, v.id as string),
          inArray(t.assessments.status, [...from]),
        ),
      )
      .returning({ id: t.assessments.id }),
  );

export function moveAssessmentStatus(
  tx: TenantWriteCtx,
  id: string,
  from: readonly AssessmentStatus[],
  to: AssessmentStatus,
  now: Date,
  guard?: string,
): Written<{ id: string }> {
  const key = `${from.join(',')}>${to}`;
  let move = moves.get(key);
  if (!move) {
    move = buildMove(from, to);
    moves.set(key, move);
  }
  return move(
    tx,
    { now, tenantId: tx.tenantId, id: isId(id) ? id : '' },
    guard ? { guard } : undefined,
  ) as Written<{ id: string }>;
}

/** The guard of the overdue mark: the assessment was open and not yet marked. */
export const NOT_YET_OVERDUE = 'assessment-not-yet-overdue';

export function markOverdue(
  tx: TenantWriteCtx,
  id: string,
  open: readonly AssessmentStatus[],
  now: Date,
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .update(t.assessments)
      .set({ overdueAt: now, updatedAt: now })
      .where(
        and(
          eq(t.assessments.tenantId, tenantId),
          eq(t.assessments.id, id),
          inArray(t.assessments.status, [...open]),
          isNull(t.assessments.overdueAt),
        ),
      )
      .returning({ id: t.assessments.id }),
    { guard: NOT_YET_OVERDUE },
  );
}

// ---- settings ---------------------------------------------------------------------------------------

export async function getReminderDays({ db, t, tenantId }: TenantReadCtx): Promise<number[] | null> {
  const [row] = await db
    .select({ days: t.assessmentSettings.reminderDays })
    .from(t.assessmentSettings)
    .where(eq(t.assessmentSettings.tenantId, tenantId));
  return row?.days ?? null;
}

export function saveReminderDays(tx: TenantWriteCtx, days: number[], by: string | null, now: Date): void {
  const { db, t, tenantId } = tx;
  tx.write(
    db
      .insert(t.assessmentSettings)
      .values({ tenantId, reminderDays: days, updatedBy: by, updatedAt: now })
      .onConflictDoUpdate({
        target: t.assessmentSettings.tenantId,
        set: { reminderDays: days, updatedBy: by, updatedAt: now },
      }),
  );
}
