import { and, asc, eq } from 'drizzle-orm';
import { isId, newId } from '../ids.js';
import type { TenantReadCtx, TenantWriteCtx } from '../store.js';

export type QuestionnaireVersionRow = {
  id: string;
  questionnaireId: string;
  version: string;
  source: string;
  sourceHash: string;
  title: string;
};

const cols = (t: TenantReadCtx['t']) => ({
  id: t.questionnaireVersions.id,
  questionnaireId: t.questionnaireVersions.questionnaireId,
  version: t.questionnaireVersions.version,
  source: t.questionnaireVersions.source,
  sourceHash: t.questionnaireVersions.sourceHash,
  title: t.questionnaireVersions.title,
});

export class VersionConflictError extends Error {
  constructor(ref: string) {
    super(`${ref} is already stored with different content; publish it under a new version`);
    this.name = 'VersionConflictError';
  }
}

/**
 * Stores the exact source of `id@version` for this tenant (once), so assessments pinned to it are
 * always shown and scored against the same text. Re-storing identical content returns the same row;
 * different content under an existing version is refused. Two units pinning the same version at once:
 * the unique key on (tenant, id, version) refuses the second.
 */
export async function pinQuestionnaireVersion(
  tx: TenantWriteCtx,
  v: Omit<QuestionnaireVersionRow, 'id'>,
  now = new Date(),
): Promise<QuestionnaireVersionRow & { created: boolean }> {
  const existing = await getQuestionnaireVersionByRef(tx, v.questionnaireId, v.version);
  if (existing) {
    if (existing.sourceHash !== v.sourceHash)
      throw new VersionConflictError(`${v.questionnaireId}@${v.version}`);
    return { ...existing, created: false };
  }
  const row = { id: newId(), ...v };
  tx.write(
    tx.db.insert(tx.t.questionnaireVersions).values({ ...row, tenantId: tx.tenantId, createdAt: now }),
  );
  return { ...row, created: true };
}

export async function getQuestionnaireVersionByRef(
  { db, t, tenantId }: TenantReadCtx,
  questionnaireId: string,
  version: string,
): Promise<QuestionnaireVersionRow | null> {
  const [row] = await db
    .select(cols(t))
    .from(t.questionnaireVersions)
    .where(
      and(
        eq(t.questionnaireVersions.tenantId, tenantId),
        eq(t.questionnaireVersions.questionnaireId, questionnaireId),
        eq(t.questionnaireVersions.version, version),
      ),
    );
  return row ?? null;
}

export async function getQuestionnaireVersion(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<QuestionnaireVersionRow | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select(cols(t))
    .from(t.questionnaireVersions)
    .where(and(eq(t.questionnaireVersions.tenantId, tenantId), eq(t.questionnaireVersions.id, id)));
  return row ?? null;
}

export async function listQuestionnaireVersions(
  { db, t, tenantId }: TenantReadCtx,
  questionnaireId?: string,
) {
  const where = questionnaireId
    ? and(
        eq(t.questionnaireVersions.tenantId, tenantId),
        eq(t.questionnaireVersions.questionnaireId, questionnaireId),
      )
    : eq(t.questionnaireVersions.tenantId, tenantId);
  return db
    .select(cols(t))
    .from(t.questionnaireVersions)
    .where(where)
    .orderBy(asc(t.questionnaireVersions.questionnaireId), asc(t.questionnaireVersions.createdAt));
}

/** A version's id, ref and title without its source (pages that only name it need no 100 kB of YAML). */
export async function getQuestionnaireVersionMeta(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<{ id: string; questionnaireId: string; version: string; title: string } | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select({
      id: t.questionnaireVersions.id,
      questionnaireId: t.questionnaireVersions.questionnaireId,
      version: t.questionnaireVersions.version,
      title: t.questionnaireVersions.title,
    })
    .from(t.questionnaireVersions)
    .where(and(eq(t.questionnaireVersions.tenantId, tenantId), eq(t.questionnaireVersions.id, id)));
  return row ?? null;
}

/** A version's source hash without its source (the compiled form is cached by the hash). */
export async function getQuestionnaireSourceHash(
  { db, t, tenantId }: TenantReadCtx,
  id: string,
): Promise<string | null> {
  if (!isId(id)) return null;
  const [row] = await db
    .select({ sourceHash: t.questionnaireVersions.sourceHash })
    .from(t.questionnaireVersions)
    .where(and(eq(t.questionnaireVersions.tenantId, tenantId), eq(t.questionnaireVersions.id, id)));
  return row?.sourceHash ?? null;
}
