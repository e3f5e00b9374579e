import { and, asc, count, eq, gt, isNull } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import { preparedRead } from '../prepared.js';
import type { TenantReadCtx, TenantWriteCtx, Written } from '../store.js';

export type EvidenceRow = {
  id: string;
  assessmentId: string;
  questionId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  /** The tenant data key the bytes were encrypted under (tenant_keys.id). */
  keyId: string | null;
  /** `vendor:<contact id>` or `user:<id>`. */
  uploadedBy: string | null;
  createdAt: Date;
  /** This file's own key, wrapped by the tenant data key `keyId`; null for files stored before per-file keys. */
  fileKey: string | null;
  version: number;
  replacesId: string | null;
  supersededAt: Date | null;
};

const evidenceCols = (t: TenantReadCtx['t']) => ({
  id: t.evidence.id,
  assessmentId: t.evidence.assessmentId,
  questionId: t.evidence.questionId,
  fileName: t.evidence.fileName,
  contentType: t.evidence.contentType,
  size: t.evidence.size,
  sha256: t.evidence.sha256,
  keyId: t.evidence.keyId,
  uploadedBy: t.evidence.uploadedBy,
  createdAt: t.evidence.createdAt,
  fileKey: t.evidence.fileKey,
  version: t.evidence.version,
  replacesId: t.evidence.replacesId,
  supersededAt: t.evidence.supersededAt,
});

type Defaulted = 'id' | 'keyId' | 'uploadedBy' | 'fileKey' | 'version' | 'replacesId';

export function insertEvidence(
  tx: TenantWriteCtx,
  e: Omit<EvidenceRow, Defaulted | 'createdAt' | 'supersededAt'> & Partial<Pick<EvidenceRow, Defaulted>>,
  now = new Date(),
): EvidenceRow {
  const row: EvidenceRow = {
    id: newId(),
    keyId: null,
    uploadedBy: null,
    fileKey: null,
    version: 1,
    replacesId: null,
    ...e,
    createdAt: now,
    supersededAt: null,
  };
  tx.write(tx.db.insert(tx.t.evidence).values({ ...row, tenantId: tx.tenantId }));
  return row;
}

/**
 * An assessment's current evidence (not removed, not replaced by a newer version), optionally for one
 * question, oldest first.
 */
// An assessment's files are read by every portal request and autosave: prepared once (see prepared.ts).
const assessmentEvidence = preparedRead(['tenantId', 'assessmentId'], (db, t, p) =>
  db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(
      and(
        eq(t.evidence.tenantId, p.tenantId),
        eq(t.evidence.assessmentId, p.assessmentId),
        isNull(t.evidence.deletedAt),
        isNull(t.evidence.supersededAt),
      ),
    )
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id)),
);

export async function listEvidence(
  ctx: TenantReadCtx,
  assessmentId: string,
  questionId?: string,
): Promise<EvidenceRow[]> {
  if (!isId(assessmentId)) return [];
  const { db, t, tenantId } = ctx;
  if (questionId === undefined)
    return (await assessmentEvidence(ctx, { tenantId, assessmentId })) as EvidenceRow[];
  return db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(
      and(
        eq(t.evidence.tenantId, tenantId),
        eq(t.evidence.assessmentId, assessmentId),
        isNull(t.evidence.deletedAt),
        isNull(t.evidence.supersededAt),
        eq(t.evidence.questionId, questionId),
      ),
    )
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id));
}

export async function countEvidence(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
  questionId: string,
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(t.evidence)
    .where(
      and(
        eq(t.evidence.tenantId, tenantId),
        eq(t.evidence.assessmentId, assessmentId),
        eq(t.evidence.questionId, questionId),
        isNull(t.evidence.deletedAt),
        isNull(t.evidence.supersededAt),
      ),
    );
  return Number(row?.n ?? 0);
}

/** One piece of evidence that has not been removed (this tenant's only). */
export async function getEvidence(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<EvidenceRow | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select(evidenceCols(t))
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), eq(t.evidence.id, id), isNull(t.evidence.deletedAt)));
  return row ?? null;
}

export const EVIDENCE_PRESENT = 'evidence-present';

/** Marks evidence removed (kept for the audit trail); guarded, so a second removal fails the unit. */
export function softDeleteEvidence(
  tx: TenantWriteCtx,
  assessmentId: string,
  id: string,
  now = new Date(),
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write<{ id: string }>(
    db
      .update(t.evidence)
      .set({ deletedAt: now })
      .where(
        and(
          eq(t.evidence.tenantId, tenantId),
          eq(t.evidence.assessmentId, isId(assessmentId) ? assessmentId : ''),
          eq(t.evidence.id, isId(id) ? id : ''),
          isNull(t.evidence.deletedAt),
        ),
      )
      .returning({ id: t.evidence.id }),
    { guard: EVIDENCE_PRESENT },
  );
}

/**
 * Marks `id` replaced by a newer version; guarded on it being current (not removed, not already
 * replaced), so of two replacements of one version only the first commits.
 */
export function supersedeEvidence(
  tx: TenantWriteCtx,
  assessmentId: string,
  id: string,
  now = new Date(),
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write<{ id: string }>(
    db
      .update(t.evidence)
      .set({ supersededAt: now })
      .where(
        and(
          eq(t.evidence.tenantId, tenantId),
          eq(t.evidence.assessmentId, isId(assessmentId) ? assessmentId : ''),
          eq(t.evidence.id, isId(id) ? id : ''),
          isNull(t.evidence.deletedAt),
          isNull(t.evidence.supersededAt),
        ),
      )
      .returning({ id: t.evidence.id }),
    { guard: EVIDENCE_PRESENT },
  );
}

/** Every version of an assessment's files, destroyed ones included, oldest first (the tenant's view of history). */
export async function listEvidenceVersions(
  { db, t, tenantId }: TenantReadCtx,
  assessmentId: string,
): Promise<(EvidenceRow & { deletedAt: Date | null; destroyedAt: Date | null })[]> {
  if (!isId(assessmentId)) return [];
  return db
    .select({ ...evidenceCols(t), deletedAt: t.evidence.deletedAt, destroyedAt: t.evidence.destroyedAt })
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), eq(t.evidence.assessmentId, assessmentId)))
    .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id));
}

export const EVIDENCE_NOT_DESTROYED = 'evidence-not-destroyed';

/**
 * Destroys a file's key: `file_key` becomes NULL (the wrapped key is gone from the row), the row is
 * marked removed and destroyed. Guarded: a second destruction fails the unit. The caller deletes the blob
 * once this has committed.
 */
export function destroyEvidenceKey(
  tx: TenantWriteCtx,
  id: string,
  now = new Date(),
): Written<{ id: string }> {
  const { db, t, tenantId } = tx;
  return tx.write<{ id: string }>(
    db
      .update(t.evidence)
      .set({ fileKey: null, destroyedAt: now, deletedAt: now })
      .where(
        and(
          eq(t.evidence.tenantId, tenantId),
          eq(t.evidence.id, isId(id) ? id : ''),
          isNull(t.evidence.destroyedAt),
        ),
      )
      .returning({ id: t.evidence.id }),
    { guard: EVIDENCE_NOT_DESTROYED },
  );
}

/** One file row whatever its state (for destruction and retention), this tenant's only. */
export async function getEvidenceAnyState(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<(EvidenceRow & { deletedAt: Date | null; destroyedAt: Date | null }) | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select({ ...evidenceCols(t), deletedAt: t.evidence.deletedAt, destroyedAt: t.evidence.destroyedAt })
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), eq(t.evidence.id, id)));
  return row ?? null;
}

/** How many undestroyed rows without their own key share one content (and so one blob). */
export async function liveRowsWithContent(
  { db, t, tenantId }: TenantReadCtx,
  sha256: string,
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(t.evidence)
    .where(
      and(
        eq(t.evidence.tenantId, tenantId),
        eq(t.evidence.sha256, sha256),
        isNull(t.evidence.fileKey),
        isNull(t.evidence.destroyedAt),
      ),
    );
  return Number(row?.n ?? 0);
}

/** Every version of the tenant's files (removed and destroyed ones included), by id, a page at a time. */
export async function evidenceVersionsPage(
  { db, t, tenantId }: TenantReadCtx,
  afterId: string,
  limit: number,
): Promise<(EvidenceRow & { deletedAt: Date | null; destroyedAt: Date | null })[]> {
  return db
    .select({ ...evidenceCols(t), deletedAt: t.evidence.deletedAt, destroyedAt: t.evidence.destroyedAt })
    .from(t.evidence)
    .where(and(eq(t.evidence.tenantId, tenantId), gt(t.evidence.id, afterId)))
    .orderBy(asc(t.evidence.id))
    .limit(limit);
}
