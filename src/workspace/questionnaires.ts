/**
 * Questionnaire versions of a tenant. Publishing stores the exact source of `id@version` once; an
 * assessment references that stored row, so it is shown and scored against the same text for ever,
 * whatever is published later. A new version must be compatible with every earlier one the tenant
 * has (and with the shipped library's): same id, higher version, no question id reused with another
 * type.
 */

import {
  getQuestionnaireSourceHash,
  getQuestionnaireVersion,
  listQuestionnaireVersions,
  pinQuestionnaireVersion,
  type QuestionnaireVersionRow,
} from '../db/repo/questionnaires.js';
import type { TenantReadCtx, TenantWriteCtx } from '../db/store.js';
import {
  checkCompatibility,
  compileQuestionnaire,
  formatProblem,
  localize,
  type Problem,
  type Questionnaire,
  withCommentsEverywhere,
} from '../questionnaire/index.js';

export class PublishError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(`The questionnaire cannot be published:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'PublishError';
  }
}

// Compiling is pure and keyed by the source hash, so a compiled version can be shared by every tenant.
const compiled = new Map<string, Questionnaire>();
const MAX_CACHED = 200;

function compileOrThrow(source: string, file?: string): Questionnaire {
  const { questionnaire, problems } = compileQuestionnaire(source, file ? { file } : {});
  if (!questionnaire) throw new PublishError(problems.filter((p) => p.severity === 'error'));
  return questionnaire;
}

/** The compiled questionnaire behind a stored version (compiled once per distinct source). */
function compiledVersion(row: Pick<QuestionnaireVersionRow, 'source' | 'sourceHash'>): Questionnaire {
  const hit = compiled.get(row.sourceHash);
  if (hit) return hit;
  const q = compileOrThrow(row.source);
  if (q.sourceHash !== row.sourceHash) throw new Error('stored questionnaire source does not match its hash');
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  compiled.set(row.sourceHash, q);
  return q;
}

/**
 * Publishes a questionnaire source for the tenant. Identical re-publishing returns the stored row;
 * different content under an existing version, a lower version, or an incompatible change is refused
 * with the problems (file, line, column, path, message).
 */
export async function publishQuestionnaire(
  ctx: TenantWriteCtx,
  source: string,
  opts: { file?: string; actor: string; library?: ReadonlyMap<string, Questionnaire> },
): Promise<{ row: QuestionnaireVersionRow; created: boolean }> {
  const next = compileOrThrow(source, opts.file);
  if (next.status !== 'published') {
    throw new PublishError([
      {
        line: 1,
        column: 1,
        path: 'status',
        code: 'not-published',
        severity: 'error',
        message: `Set "status: published" to publish ${next.ref} (it is ${next.status}).`,
        ...(opts.file ? { file: opts.file } : {}),
      },
    ]);
  }
  // One read of every stored version of this id: the version itself and the earlier ones come from the
  // same statement. Read apart, a concurrent publish of the same version committing in between made it
  // "absent" and then an earlier version of itself (version-not-increased), seen in bulk sends.
  const stored = await listQuestionnaireVersions(ctx, next.id);
  const existing = stored.find((v) => v.version === next.version);
  if (existing) {
    if (existing.sourceHash === next.sourceHash) return { row: existing, created: false };
    throw new PublishError([
      {
        line: 1,
        column: 1,
        path: 'version',
        code: 'version-exists',
        severity: 'error',
        message: `${next.ref} is already published with different content; give this file a new version.`,
        ...(opts.file ? { file: opts.file } : {}),
      },
    ]);
  }
  const earlier: Questionnaire[] = stored.map(compiledVersion);
  for (const q of opts.library?.values() ?? [])
    if (q.id === next.id && q.version !== next.version) earlier.push(q);
  const problems = earlier
    .flatMap((prev) => checkCompatibility(prev, next))
    .filter((p) => p.severity === 'error');
  if (problems.length) throw new PublishError(dedupe(problems));

  const row = await pinQuestionnaireVersion(ctx, {
    questionnaireId: next.id,
    version: next.version,
    source,
    sourceHash: next.sourceHash,
    title: localize(next.title, next.defaultLocale, next),
  });
  const { created, ...pinned } = row;
  // Stored by a concurrent publish since the read above (same content, or pinQuestionnaireVersion threw).
  if (!created) return { row: pinned, created: false };
  ctx.audit({
    actor: opts.actor,
    action: 'questionnaire.published',
    target: `questionnaire_version:${row.id}`,
    data: { ref: next.ref, source_sha256: next.sourceHash },
  });
  return { row: pinned, created: true };
}

/**
 * The questionnaire an assessment is pinned to, by its stored version id. The source (~100 KB of YAML)
 * is read only when its compiled form is not cached: reading it costs more than the rest of an autosave.
 * `sourceHash` is the version's hash when the caller read it already (in the same unit, same tenant).
 */
export async function pinnedQuestionnaire(
  ctx: TenantReadCtx,
  questionnaireVersionId: string,
  sourceHash?: string | null,
): Promise<Questionnaire | null> {
  const hash = sourceHash ?? (await getQuestionnaireSourceHash(ctx, questionnaireVersionId));
  if (!hash) return null;
  const hit = compiled.get(hash);
  if (hit) return hit;
  const row = await getQuestionnaireVersion(ctx, questionnaireVersionId);
  return row ? compiledVersion(row) : null;
}

/**
 * The questionnaire an assessment is answered and reviewed against: its pinned version, with a comment
 * on every question when the tenant allowed that on sending (src/questionnaire/comment-policy.ts).
 */
export async function assessmentQuestionnaire(
  ctx: TenantReadCtx,
  assessment: { questionnaireVersionId: string; commentsEverywhere: boolean },
  sourceHash?: string | null,
): Promise<Questionnaire | null> {
  const q = await pinnedQuestionnaire(ctx, assessment.questionnaireVersionId, sourceHash);
  return q && assessment.commentsEverywhere ? withCommentsEverywhere(q) : q;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.code}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
