import { and, asc, eq } from 'drizzle-orm';
import { isId } from '../ids.js';
import type { TenantCtx } from '../store.js';

export type QuestionnaireVersionRow = {
  id: string;
  questionnaireId: string;
  version: string;
  source: string;
  sourceHash: string;
  title: string;
};

const cols = (t: TenantCtx['t']) => ({
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
 * different content under an existing version is refused.
 */
export async function pinQuestionnaireVersion(
  ctx: TenantCtx,
  v: Omit<QuestionnaireVersionRow, 'id'>,
): Promise<QuestionnaireVersionRow> {
  const existing = await getQuestionnaireVersionByRef(ctx, v.questionnaireId, v.version);
  if (existing) {
    if (existing.sourceHash !== v.sourceHash)
      throw new VersionConflictError(`${v.questionnaireId}@${v.version}`);
    return existing;
  }
  const [row] = await ctx.db
    .insert(ctx.t.questionnaireVersions)
    .values({ ...v, tenantId: ctx.tenantId })
    .returning(cols(ctx.t));
  return row!;
}

export async function getQuestionnaireVersionByRef(
  { db, t, tenantId }: TenantCtx,
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
  ctx: TenantCtx,
  id: string,
): Promise<QuestionnaireVersionRow | null> {
  if (!isId(id)) return null;
  const { db, t, tenantId } = ctx;
  const [row] = await db
    .select(cols(t))
    .from(t.questionnaireVersions)
    .where(and(eq(t.questionnaireVersions.tenantId, tenantId), eq(t.questionnaireVersions.id, id)));
  return row ?? null;
}

export async function listQuestionnaireVersions(ctx: TenantCtx, questionnaireId?: string) {
  const { db, t, tenantId } = ctx;
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
