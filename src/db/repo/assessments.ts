import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, notExists, or, type SQL, sql } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import { preparedRead, preparedWrite } from '../prepared.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';
import type { ASSESSMENT_STATUSES } from '../tables.js';
import { insertFirstAnswerEvent } from './assessment-events.js';

export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];
export type Assessment = {
  id: string;
  tenantId: string;
  vendorId: string;
  contactId: string;
  questionnaireVersionId: string;
  status: AssessmentStatus;
  dueDate: string | null;
  otpRequired: boolean;
  createdBy: string | null;
  scorePermille: number | null;
  band: string | null;
  answersHash: string | null;
  rating: string | null;
  /** Buyer-set context facts (read-only for the vendor). */
  context: Record<string, unknown>;
  linkTtlHours: number;
  /** Every question takes an optional comment (fixed when sent, from the tenant's setting). */
  commentsEverywhere: boolean;
  /** The language of the vendor's mails (en, de); null for assessments sent before it was kept. */
  locale: string | null;
  /** Bumped by every answer write; submission freezes the revision it read. */
  answersRevision: number;
  /** The signed receipt (compact JWS), once submitted. */
  receipt: string | null;
  /** `vendor:<contact id>` who submitted. */
  submittedBy: string | null;
  /** A re-assessment: the assessment its answers were pre-filled from. */
  previousAssessmentId: string | null;
  sentAt: Date | null;
  submittedAt: Date | null;
  /** Marked by the reminder job once the due date passed with the assessment still open. */
  overdueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export type NewAssessment = {
  vendorId: string;
  contactId: string;
  questionnaireVersionId: string;
  dueDate?: string | null;
  otpRequired?: boolean;
  createdBy?: string | null;
  /** Set when the id must be known before the unit (a link signed for it). */
  id?: string;
  context?: Record<string, unknown>;
  linkTtlHours?: number;
  commentsEverywhere?: boolean;
  /** The mails' language (en, de); null: the questionnaire's default. */
  locale?: string | null;
  /** Sending queues the assessment as `sent` at once. */
  status?: AssessmentStatus;
  sentAt?: Date | null;
  /** A re-assessment names the assessment it follows (same tenant: the composite foreign key). */
  previousAssessmentId?: string | null;
};

/**
 * Queues an assessment. Its vendor, contact and questionnaire version must be this tenant's: the
 * composite foreign keys on (tenant_id, …) refuse anything else, whether the id exists elsewhere or not.
 */
export function insertAssessment(tx: TenantWriteCtx, a: NewAssessment, now = new Date()): Assessment {
  const row: Assessment = {
    id: a.id ?? newId(),
    tenantId: tx.tenantId,
    vendorId: a.vendorId,
    contactId: a.contactId,
    questionnaireVersionId: a.questionnaireVersionId,
    status: a.status ?? 'draft',
    dueDate: a.dueDate ?? null,
    otpRequired: a.otpRequired ?? false,
    createdBy: a.createdBy ?? null,
    scorePermille: null,
    band: null,
    answersHash: null,
    rating: null,
    context: a.context ?? {},
    linkTtlHours: a.linkTtlHours ?? 72,
    commentsEverywhere: a.commentsEverywhere ?? false,
    locale: a.locale ?? null,
    answersRevision: 0,
    receipt: null,
    submittedBy: null,
    previousAssessmentId: a.previousAssessmentId ?? null,
    sentAt: a.sentAt ?? null,
    submittedAt: null,
    overdueAt: null,
    createdAt: now,
    updatedAt: now,
  };
  tx.write(tx.db.insert(tx.t.assessments).values(row));
  return row;
}

export async function getAssessment(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<Assessment | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select()
    .from(t.assessments)
    .where(and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.id, id)));
  return (row as Assessment | undefined) ?? null;
}

export async function listAssessments(
  { db, t, tenantId }: TenantReadCtx,
  vendorId?: string,
): Promise<Assessment[]> {
  const where = vendorId
    ? and(eq(t.assessments.tenantId, tenantId), eq(t.assessments.vendorId, vendorId))
    : eq(t.assessments.tenantId, tenantId);
  return (await db
    .select()
    .from(t.assessments)
    .where(where)
    .orderBy(desc(t.assessments.createdAt), asc(t.assessments.id))) as Assessment[];
}

/** The guard of a status transition: the unit fails whole if the assessment was not in a `from` status. */
export const ASSESSMENT_IN_STATUS = 'assessment-in-status';

/**
 * Moves an assessment from one of the `from` statuses to `to` with one conditional UPDATE: under
 * concurrency exactly one transition wins (submission is exactly-once); the others' units roll back
 * with `GuardError(ASSESSMENT_IN_STATUS)`.
 */
export function transitionAssessment(
  tx: TenantWriteCtx,
  id: string,
  from: AssessmentStatus[],
  to: AssessmentStatus,
  patch: Partial<
    Pick<
      Assessment,
      | 'scorePermille'
      | 'band'
      | 'answersHash'
      | 'rating'
      | 'receipt'
      | 'submittedBy'
      | 'sentAt'
      | 'submittedAt'
    >
  > = {},
  now = new Date(),
  /** Also refuse (the same guard) when the row changed since it was read at this `updated_at`. */
  seenUpdatedAt?: Date,
): Written<Assessment> {
  const { db, t, tenantId } = tx;
  return tx.write<Assessment>(
    db
      .update(t.assessments)
      .set({ ...patch, status: to, updatedAt: now })
      .where(
        and(
          eq(t.assessments.tenantId, tenantId),
          eq(t.assessments.id, isId(id) ? id : ''),
          inArray(t.assessments.status, from.length ? from : ['__none__' as AssessmentStatus]),
          seenUpdatedAt ? eq(t.assessments.updatedAt, seenUpdatedAt) : undefined,
        ),
      )
      .returning(),
    { guard: ASSESSMENT_IN_STATUS },
  );
}

/**
 * The statuses in which a vendor may still change answers and submit: sent, opened, being answered,
 * lapsed unopened (a fresh link opens it again), or sent back by a reviewer for changes
 * (`changes_requested` opens a submitted assessment again until the vendor resubmits: src/workspace/review.ts).
 */
export const OPEN_STATUSES: AssessmentStatus[] = [
  'sent',
  'opened',
  'in_progress',
  'expired',
  'changes_requested',
];
/**
 * Open statuses the first answer moves to `in_progress` (recording the `in_progress` event). Not
 * `changes_requested`: that stays shown until the vendor resubmits (src/workspace/review.ts).
 */
export const NOT_YET_ANSWERED: AssessmentStatus[] = ['sent', 'opened', 'expired'];
/** The guard of an answer write: the assessment was still open when the write committed. */
export const ASSESSMENT_OPEN = 'assessment-open';

/**
 * Queue this with every answer write (autosave, offline import, evidence): bumps the assessment's answer
 * revision, guarded on an open status, so a write racing a submission either lands before it (and the
 * submission, which froze an older revision, is refused and re-read) or fails whole after it. On
 * PostgreSQL the row lock orders the two; SQLite and D1 serialise writers.
 */
/** The guard of every answer write: this tenant's assessment, still open. */
const openAssessment = (t: TenantReadCtx['t'], v: Record<string, unknown>) =>
  and(
    eq(t.assessments.tenantId, v.tenantId as string),
    eq(t.assessments.id, v.id as string),
    inArray(t.assessments.status, OPEN_STATUSES),
  );

// Every answer write runs it (autosave): prepared once where the driver allows (prepared.ts).
const touch = preparedWrite(['now', 'tenantId', 'id'], (db, t, v) =>
  db
    .update(t.assessments)
    .set({
      answersRevision: sql`${t.assessments.answersRevision} + 1`,
      // The first answer moves an unanswered open status to `in_progress`, once; later writes leave it.
      status: sql`CASE WHEN ${t.assessments.status} IN ('sent', 'opened', 'expired') THEN 'in_progress' ELSE ${t.assessments.status} END`,
      updatedAt: v.now as Date,
    })
    .where(openAssessment(t, v))
    .returning({ answersRevision: t.assessments.answersRevision }),
);

/**
 * {@link touch} for an assessment already answered: the revision bump and the open-status guard alone.
 * Its SET leaves `status` out, so SQLite rewrites no entry of the two status indexes (two WAL pages of
 * every autosave's commit, docs/benchmarks.md), and no first-answer event is queued.
 */
const bump = preparedWrite(['now', 'tenantId', 'id'], (db, t, v) =>
  db
    .update(t.assessments)
    .set({ answersRevision: sql`${t.assessments.answersRevision} + 1`, updatedAt: v.now as Date })
    .where(openAssessment(t, v))
    .returning({ answersRevision: t.assessments.answersRevision }),
);

/**
 * Statuses no status move leaves for an unanswered one (sent, opened, expired): from here an assessment
 * only goes on to submitted, reviewed, revoked or back to changes requested (EVENT_RULES in
 * src/workspace/assessment-events.ts; test/workspace/answered-statuses.test.ts holds the rules to it).
 */
export const ANSWERED_OR_CLOSED: readonly AssessmentStatus[] = [
  'in_progress',
  'changes_requested',
  'submitted',
  'reviewed',
  'revoked',
  'cancelled',
];

/**
 * `seen`: the assessment's status as the caller read it (any time before the commit). When it is
 * answered ({@link ANSWERED_OR_CLOSED}), the status cannot be unanswered at commit either, so the
 * first-answer event would insert nothing and the CASE would keep the status: both are left out, and
 * the guard is the same. Without `seen`, or when unanswered, the event and the moving touch as before.
 */
export function touchAnswers(
  tx: TenantWriteCtx,
  assessmentId: string,
  now = new Date(),
  actor = 'vendor',
  seen?: AssessmentStatus,
): Written<{ answersRevision: number }> {
  const values = { now, tenantId: tx.tenantId, id: isId(assessmentId) ? assessmentId : '' };
  if (seen !== undefined && ANSWERED_OR_CLOSED.includes(seen))
    return bump(tx, values, { guard: ASSESSMENT_OPEN }) as Written<{ answersRevision: number }>;
  // Before the touch, which changes the status: the event is recorded only by the first answer.
  insertFirstAnswerEvent(tx, { assessmentId, at: now, actor });
  return touch(tx, values, { guard: ASSESSMENT_OPEN }) as Written<{ answersRevision: number }>;
}

/** The guard of a submission: still open, and no answer changed since the answers were read. */
export const SUBMISSION_FROZE = 'submission-froze';

/**
 * Submits exactly once: one conditional UPDATE from an open status at the answer revision that was read,
 * with the score, rating, frozen answers hash and receipt. Every other attempt's unit rolls back.
 */
export function submitAssessmentRow(
  tx: TenantWriteCtx,
  id: string,
  seenRevision: number,
  patch: Pick<Assessment, 'scorePermille' | 'band' | 'rating' | 'answersHash' | 'receipt' | 'submittedBy'>,
  now: Date,
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .update(t.assessments)
      .set({ ...patch, status: 'submitted', submittedAt: now, updatedAt: now })
      .where(
        and(
          eq(t.assessments.tenantId, tenantId),
          eq(t.assessments.id, isId(id) ? id : ''),
          inArray(t.assessments.status, OPEN_STATUSES),
          eq(t.assessments.answersRevision, seenRevision),
        ),
      )
      .returning({ id: t.assessments.id }),
    { guard: SUBMISSION_FROZE },
  );
}

/** An assessment with what the portal needs beside it on every request (one statement). */
export type PortalHead = {
  assessment: Assessment;
  /** The pinned version's source hash (its compiled form is cached by it), null if it is gone. */
  sourceHash: string | null;
  tenantName: string | null;
  /** The assessed vendor's name (null only if its row is gone). */
  vendorName: string | null;
};

/** An answer row as the portal reads it with its head (see {@link readPortalHead}). */
export type PortalAnswer = {
  key: string;
  value: unknown;
  revision: number;
  updatedAt: Date;
  updatedBy: string | null;
};

/** A live file of the assessment (not deleted, not superseded), as the portal lists it. */
export type PortalFile = { id: string; questionId: string; fileName: string; size: number; sha256: string };

/** The head with the assessment's answer rows and its live files, oldest file first. */
export type PortalRead = PortalHead & { answers: PortalAnswer[]; files: PortalFile[] };

// Every portal request and autosave reads these together: one statement, prepared once (prepared.ts).
// The joins stay inside the tenant: the version by (tenant_id, id), the tenant by the assessment's own.
// The answers and the live files ride along as one JSON array each, from subqueries keyed by the
// assessment row's own (tenant_id, id): three reads were one statement and two more, and each statement
// costs ~6–8 µs of SQLite between requests plus its round through drizzle (docs/benchmarks.md). Rows are
// JSON arrays in a fixed column order; SQLite and D1 share one text, PostgreSQL has its own aggregates.
const headSelect = (t: TenantReadCtx['t'], answers: SQL, files: SQL) => ({
  assessment: t.assessments,
  sourceHash: t.questionnaireVersions.sourceHash,
  tenantName: t.tenants.name,
  vendorName: t.vendors.name,
  answers: sql<unknown>`${answers}`,
  files: sql<unknown>`${files}`,
});

const headFrom = (db: TenantReadCtx['db'], t: TenantReadCtx['t'], answers: SQL, files: SQL) =>
  db
    .select(headSelect(t, answers, files))
    .from(t.assessments)
    .leftJoin(
      t.questionnaireVersions,
      and(
        eq(t.questionnaireVersions.tenantId, t.assessments.tenantId),
        eq(t.questionnaireVersions.id, t.assessments.questionnaireVersionId),
      ),
    )
    .leftJoin(t.tenants, eq(t.tenants.id, t.assessments.tenantId))
    .leftJoin(
      t.vendors,
      and(eq(t.vendors.tenantId, t.assessments.tenantId), eq(t.vendors.id, t.assessments.vendorId)),
    );

// SQLite and D1: `value` is JSON text, embedded as JSON by json(); timestamps are milliseconds. The files
// are ordered in JS (json_group_array keeps no ORDER BY on older SQLite builds).
const portalHeadSqlite = preparedRead(['tenantId', 'id'], (db, t, p) => {
  const a = t.answers;
  const e = t.evidence;
  const answers = sql`(select json_group_array(json_array(${a.key}, json(${a.value}), ${a.revision}, ${a.updatedAt}, ${a.updatedBy})) from ${a} where ${a.tenantId} = ${t.assessments.tenantId} and ${a.assessmentId} = ${t.assessments.id})`;
  const files = sql`(select json_group_array(json_array(${e.id}, ${e.questionId}, ${e.fileName}, ${e.size}, ${e.sha256}, ${e.createdAt})) from ${e} where ${e.tenantId} = ${t.assessments.tenantId} and ${e.assessmentId} = ${t.assessments.id} and ${e.deletedAt} is null and ${e.supersededAt} is null)`;
  return headFrom(db, t, answers, files).where(
    and(eq(t.assessments.tenantId, p.tenantId), eq(t.assessments.id, p.id)),
  );
});

// PostgreSQL: `value` is jsonb, embedded as JSON; timestamps come as ISO text; files ordered by the aggregate.
const portalHeadPg = preparedRead(['tenantId', 'id'], (db, t, p) => {
  const a = t.answers;
  const e = t.evidence;
  const answers = sql`(select coalesce(json_agg(json_build_array(${a.key}, ${a.value}, ${a.revision}, ${a.updatedAt}, ${a.updatedBy})), '[]'::json) from ${a} where ${a.tenantId} = ${t.assessments.tenantId} and ${a.assessmentId} = ${t.assessments.id})`;
  const files = sql`(select coalesce(json_agg(json_build_array(${e.id}, ${e.questionId}, ${e.fileName}, ${e.size}, ${e.sha256}) order by ${e.createdAt}, ${e.id}), '[]'::json) from ${e} where ${e.tenantId} = ${t.assessments.tenantId} and ${e.assessmentId} = ${t.assessments.id} and ${e.deletedAt} is null and ${e.supersededAt} is null)`;
  return headFrom(db, t, answers, files).where(
    and(eq(t.assessments.tenantId, p.tenantId), eq(t.assessments.id, p.id)),
  );
});

/** A JSON aggregate as the driver hands it: text (SQLite, D1) or already parsed (node-postgres). */
const jsonRows = (v: unknown): unknown[][] =>
  (typeof v === 'string' ? JSON.parse(v) : (v ?? [])) as unknown[][];

type RawHead = PortalHead & { answers: unknown; files: unknown };

/** The JSON rows as the portal takes them, typed as drizzle would map the columns. */
function portalRead(row: RawHead, dialect: TenantReadCtx['dialect']): PortalRead {
  const answers: PortalAnswer[] = jsonRows(row.answers).map((r) => ({
    key: r[0] as string,
    value: r[1] ?? null,
    revision: r[2] as number,
    updatedAt: new Date(r[3] as number | string),
    updatedBy: (r[4] as string | null) ?? null,
  }));
  const raw = jsonRows(row.files);
  // SQLite's millisecond timestamps order exactly as the column does; PostgreSQL ordered them already.
  if (dialect !== 'pg')
    raw.sort((x, y) => (x[5] as number) - (y[5] as number) || ((x[0] as string) < (y[0] as string) ? -1 : 1));
  const files = raw.map((r) => ({
    id: r[0] as string,
    questionId: r[1] as string,
    fileName: r[2] as string,
    size: r[3] as number,
    sha256: r[4] as string,
  }));
  return {
    assessment: row.assessment,
    sourceHash: row.sourceHash,
    tenantName: row.tenantName,
    vendorName: row.vendorName,
    answers,
    files,
  };
}

/**
 * The assessment (every column), its questionnaire's source hash, the tenant's and vendor's names, its
 * answer rows and its live files (oldest first, as listEvidence lists them), in one statement; null if none.
 */
export async function readPortalHead(ctx: TenantReadCtx, id: string): Promise<PortalRead | null> {
  if (!isId(id)) return null;
  const read = ctx.dialect === 'pg' ? portalHeadPg : portalHeadSqlite;
  const [row] = await read(ctx, { tenantId: ctx.tenantId, id });
  return row ? portalRead(row as RawHead, ctx.dialect) : null;
}

// ---- chasing (the reminder job) -----------------------------------------------------------------------

/** What the reminder job acts on in one tenant: due for a reminder, past due, lapsed unopened. */
export interface ChaseCandidates {
  remind: { id: string; dueDate: string }[];
  overdue: { id: string; dueDate: string }[];
  expired: string[];
}

export async function listChaseCandidates(
  { db, t, tenantId }: TenantReadCtx,
  q: { live: readonly AssessmentStatus[]; dueDates: readonly string[]; today: string; now: Date },
): Promise<ChaseCandidates> {
  const a = t.assessments;
  const live = and(eq(a.tenantId, tenantId), inArray(a.status, [...q.live]));
  const remind = q.dueDates.length
    ? ((await db
        .select({ id: a.id, dueDate: a.dueDate })
        .from(a)
        .where(and(live, inArray(a.dueDate, [...q.dueDates])))) as { id: string; dueDate: string }[])
    : [];
  const overdue = (await db
    .select({ id: a.id, dueDate: a.dueDate })
    .from(a)
    .where(and(live, lt(a.dueDate, q.today), isNull(a.overdueAt)))) as { id: string; dueDate: string }[];
  const l = t.vendorLinks;
  const openLink = db
    .select({ jti: l.jti })
    .from(l)
    .where(
      and(
        eq(l.tenantId, a.tenantId),
        eq(l.assessmentId, a.id),
        isNull(l.consumedAt),
        isNull(l.revokedAt),
        gt(l.expiresAt, q.now),
      ),
    );
  const expired = await db
    .select({ id: a.id })
    .from(a)
    .where(and(eq(a.tenantId, tenantId), eq(a.status, 'sent'), notExists(openLink)));
  return { remind, overdue, expired: expired.map((r) => r.id) };
}

// ---- the list page ------------------------------------------------------------------------------------

export interface AssessmentFilter {
  status?: AssessmentStatus;
  vendorId?: string;
  questionnaireId?: string;
  overdue?: boolean;
}

export type AssessmentListRow = {
  id: string;
  status: AssessmentStatus;
  dueDate: string | null;
  sentAt: Date | null;
  submittedAt: Date | null;
  overdueAt: Date | null;
  createdAt: Date;
  /** The headline rating of the submission (issue 10), null until submitted. */
  rating: string | null;
  vendorId: string;
  vendorName: string;
  questionnaireRef: string;
  questionnaireTitle: string;
};

/** A page of the list, newest first, after the keyset cursor (created_at, id) of the previous page's last row. */
export async function listAssessmentPage(
  { db, t, tenantId }: TenantReadCtx,
  filter: AssessmentFilter,
  after: { createdAt: Date; id: string } | null,
  limit: number,
): Promise<AssessmentListRow[]> {
  const a = t.assessments;
  const qv = t.questionnaireVersions;
  const conds = [eq(a.tenantId, tenantId)];
  if (filter.status) conds.push(eq(a.status, filter.status));
  if (filter.vendorId) conds.push(eq(a.vendorId, filter.vendorId));
  if (filter.questionnaireId) conds.push(eq(qv.questionnaireId, filter.questionnaireId));
  if (filter.overdue) conds.push(sql`${a.overdueAt} is not null`);
  if (after)
    conds.push(
      or(lt(a.createdAt, after.createdAt), and(eq(a.createdAt, after.createdAt), lt(a.id, after.id)))!,
    );
  const rows = await db
    .select({
      id: a.id,
      status: a.status,
      dueDate: a.dueDate,
      sentAt: a.sentAt,
      submittedAt: a.submittedAt,
      overdueAt: a.overdueAt,
      createdAt: a.createdAt,
      rating: a.rating,
      vendorId: a.vendorId,
      vendorName: t.vendors.name,
      qid: qv.questionnaireId,
      qversion: qv.version,
      questionnaireTitle: qv.title,
    })
    .from(a)
    .innerJoin(t.vendors, and(eq(t.vendors.tenantId, a.tenantId), eq(t.vendors.id, a.vendorId)))
    .innerJoin(qv, and(eq(qv.tenantId, a.tenantId), eq(qv.id, a.questionnaireVersionId)))
    .where(and(...conds))
    .orderBy(desc(a.createdAt), desc(a.id))
    .limit(limit);
  return rows.map(({ qid, qversion, ...r }) => ({ ...r, questionnaireRef: `${qid}@${qversion}` }));
}

/** The context write raced another change of the assessment (a submission, a review, another edit). */
export const CONTEXT_SEEN = 'assessment-context-seen';

/**
 * A reviewer's change of the buyer-set context facts (src/workspace/review-context.ts), with the
 * re-rating of a submission when there is one. Guarded on the status and `updated_at` the change read,
 * so a concurrent submission, review or second edit wins alone. On an open assessment the answer
 * revision is bumped too: a submission evaluated under the old facts then fails its own guard and
 * re-reads.
 */
export function changeAssessmentContext(
  tx: TenantWriteCtx,
  seen: Pick<Assessment, 'id' | 'status' | 'updatedAt'>,
  context: Record<string, unknown>,
  rerated: Pick<Assessment, 'scorePermille' | 'band' | 'rating'> | null,
  now: Date,
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write(
    db
      .update(t.assessments)
      .set({
        context,
        ...(rerated ?? { answersRevision: sql`${t.assessments.answersRevision} + 1` }),
        updatedAt: now,
      })
      .where(
        and(
          eq(t.assessments.tenantId, tenantId),
          eq(t.assessments.id, isId(seen.id) ? seen.id : ''),
          eq(t.assessments.status, seen.status),
          eq(t.assessments.updatedAt, seen.updatedAt),
        ),
      )
      .returning({ id: t.assessments.id }),
    { guard: CONTEXT_SEEN },
  );
}

/**
 * Whether the vendor submitted the same questionnaire (any version) again after `submittedAt`: the risk
 * register follows the latest submission, so an older one is not re-rated.
 */
export async function hasLaterSubmission(
  ctx: TenantReadCtx,
  a: Pick<Assessment, 'id' | 'vendorId' | 'submittedAt'>,
  questionnaireId: string,
): Promise<boolean> {
  const { db, t, tenantId } = ctx;
  if (!a.submittedAt) return false;
  const rows = await db
    .select({ id: t.assessments.id })
    .from(t.assessments)
    .innerJoin(
      t.questionnaireVersions,
      and(
        eq(t.questionnaireVersions.tenantId, t.assessments.tenantId),
        eq(t.questionnaireVersions.id, t.assessments.questionnaireVersionId),
      ),
    )
    .where(
      and(
        eq(t.assessments.tenantId, tenantId),
        eq(t.assessments.vendorId, a.vendorId),
        eq(t.questionnaireVersions.questionnaireId, questionnaireId),
        gt(t.assessments.submittedAt, a.submittedAt),
        sql`${t.assessments.id} <> ${a.id}`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** Submissions in [from, to) that hold a receipt: what the receipt recovery job looks at. */
export async function listSubmittedReceipts(
  { db, t, tenantId }: TenantReadCtx,
  from: Date,
  to: Date,
): Promise<{ id: string; receipt: string; questionnaireVersionId: string; locale: string | null }[]> {
  const rows = await db
    .select({
      id: t.assessments.id,
      receipt: t.assessments.receipt,
      questionnaireVersionId: t.assessments.questionnaireVersionId,
      locale: t.assessments.locale,
    })
    .from(t.assessments)
    .where(
      and(
        eq(t.assessments.tenantId, tenantId),
        sql`${t.assessments.receipt} IS NOT NULL`,
        gte(t.assessments.submittedAt, from),
        lt(t.assessments.submittedAt, to),
      ),
    );
  return rows as { id: string; receipt: string; questionnaireVersionId: string; locale: string | null }[];
}
