/**
 * Evidence: what the portal's routes call. An upload streams once through the size limit, the type
 * check, SHA-256 and encryption into a staged blob; only when the whole request has arrived and passed
 * is the blob committed under its content address and the row written (with its audit entry) in one
 * unit. Any refusal leaves nothing behind: no row, no blob.
 */
import { bytesToHex } from '../crypto/encoding.js';
import { createSha256, hmacSha256 } from '../crypto/hash.js';
import { isId, newId } from '../db/ids.js';
import type { AssessmentStatus } from '../db/repo/index.js';
import * as repo from '../db/repo/index.js';
import { GuardError } from '../db/store.js';
import { fill, HttpError, type MessageParams } from '../errors.js';
import type { Ports } from '../platform/ports.js';
import type { Question, Questionnaire } from '../questionnaire/index.js';
import { compileQuestionnaire } from '../questionnaire/index.js';
import { dataKeysFor } from './data-keys.js';
import { newFileKey } from './file-keys.js';
import { cleanFileName, type NameProblem } from './file-names.js';
import { FILE_TYPES, type FileType, Inspector, TypeCheckError } from './file-types.js';
import { EVIDENCE_MESSAGES, type EvidenceMessage } from './messages.js';
import { openFilePart, UploadError } from './multipart.js';
import { encryptStream } from './sealed-stream.js';

export { UploadError } from './multipart.js';

/** The portal's ceiling for one file; a question's `max_size` can lower it, never raise it. */
export const MAX_EVIDENCE_BYTES = 25 * 1024 * 1024;
/** Multipart framing and a few small fields on top of the file. */
const FRAMING_ALLOWANCE = 64 * 1024;
const DEFAULT_MAX_FILES = 10;

/** Statuses in which files may be added or removed (the vendor's answering statuses; then frozen). */
export const EVIDENCE_OPEN_STATUSES: readonly AssessmentStatus[] = repo.OPEN_STATUSES;

export type EvidenceErrorCode =
  | 'not-found'
  | 'integrity'
  | 'closed'
  | 'no-files-here'
  | 'too-many-files'
  | 'type-not-allowed'
  | 'content-mismatch'
  | 'bad-name'
  | 'bad-archive'
  | 'malware'
  | UploadErrorCode;
type UploadErrorCode = string;

/**
 * A refused upload or removal: a 4xx with a code for the route and a sentence for the person, by its key
 * (messages.ts) and the values of its variable parts.
 */
export class EvidenceError extends HttpError {
  constructor(
    status: number,
    readonly code: EvidenceErrorCode,
    key: EvidenceMessage,
    params?: MessageParams,
  ) {
    super(status, fill(EVIDENCE_MESSAGES[key], params), {
      said: params ? { key, params } : { key },
      ...(status === 413 ? { headers: { Connection: 'close' } } : {}),
    });
    this.name = 'EvidenceError';
  }
}

export interface Evidence {
  id: string;
  questionId: string;
  /** The cleaned original name (metadata only; the bytes are stored under their content address). */
  name: string;
  size: number;
  sha256: string;
  /** The type detected from the bytes. */
  type: string;
  uploadedBy: string | null;
  createdAt: Date;
  /** 1, or the next number after the version it replaced. */
  version: number;
  replacesId: string | null;
}

export interface EvidenceTarget {
  tenantId: string;
  assessmentId: string;
  questionId: string;
  /** `vendor:<contact id>` or `user:<id>`. */
  uploadedBy: string;
  /** The current file this upload replaces (a new version; the old one stays until retention removes it). */
  replaces?: string;
}

export type EvidencePorts = Pick<Ports, 'store' | 'master' | 'blobs' | 'clock' | 'logger'>;

export interface FileRule {
  accept: readonly string[];
  maxFiles: number;
  maxBytes: number;
}

const toEvidence = (r: repo.EvidenceRow): Evidence => ({
  id: r.id,
  questionId: r.questionId,
  name: r.fileName,
  size: r.size,
  sha256: r.sha256,
  type: r.contentType,
  uploadedBy: r.uploadedBy,
  createdAt: r.createdAt,
  version: r.version,
  replacesId: r.replacesId,
});

// ---- the question's rule ---------------------------------------------------------------------------

const compiled = new Map<string, Questionnaire>();

/** The pinned questionnaire, compiled once per process per source (a few of them at most). */
function compiledSource(source: string, sourceHash: string): Questionnaire | null {
  const hit = compiled.get(sourceHash);
  if (hit) return hit;
  const q = compileQuestionnaire(source).questionnaire;
  if (q) {
    if (compiled.size >= 32) compiled.delete(compiled.keys().next().value!);
    compiled.set(sourceHash, q);
  }
  return q;
}

/** What a question accepts: a file question's own list, or the evidence rule of another question. */
export function fileRuleOf(q: Question): FileRule | null {
  if (q.type === 'file') {
    return {
      accept: q.accept,
      maxFiles: q.maxFiles ?? DEFAULT_MAX_FILES,
      maxBytes: Math.min(q.maxSize ?? MAX_EVIDENCE_BYTES, MAX_EVIDENCE_BYTES),
    };
  }
  if (q.evidence)
    return { accept: q.evidence.accept, maxFiles: q.evidence.maxFiles, maxBytes: MAX_EVIDENCE_BYTES };
  return null;
}

/** `gov.isms` and `gov.isms#evidence` name the same question's files. */
const plainQuestionId = (id: string) => id.replace(/#evidence$/, '');

const notFound = () => new EvidenceError(404, 'not-found', 'evidence.notFound');
const replacedNotFound = () => new EvidenceError(409, 'not-found', 'evidence.replacedGone');

async function currentFile(ports: EvidencePorts, tenantId: string, assessmentId: string, id: string) {
  if (!isId(id)) return null;
  const rows = await ports.store.tenant(tenantId).read((tx) => repo.listEvidence(tx, assessmentId));
  return rows.find((r) => r.id === id) ?? null;
}

async function openTarget(ports: EvidencePorts, tenantId: string, assessmentId: string, questionId: string) {
  if (!isId(tenantId) || !isId(assessmentId)) throw notFound();
  const qid = plainQuestionId(questionId);
  const found = await ports.store.tenant(tenantId).read(async (tx) => {
    const assessment = await repo.getAssessment(tx, assessmentId);
    if (!assessment) return null;
    const version = await repo.getQuestionnaireVersion(tx, assessment.questionnaireVersionId);
    const existing = await repo.countEvidence(tx, assessmentId, qid);
    return { assessment, version, existing };
  });
  if (!found?.version) throw notFound();
  if (!EVIDENCE_OPEN_STATUSES.includes(found.assessment.status)) {
    throw new EvidenceError(409, 'closed', 'evidence.closed');
  }
  const question = compiledSource(found.version.source, found.version.sourceHash)?.questions.get(qid);
  const rule = question ? fileRuleOf(question) : null;
  if (!rule) throw new EvidenceError(404, 'no-files-here', 'evidence.noFilesHere');
  return { qid, rule, existing: found.existing };
}

// ---- storing ---------------------------------------------------------------------------------------

const NAME_MESSAGES: Record<NameProblem, EvidenceMessage> = {
  missing: 'evidence.nameMissing',
  control: 'evidence.nameControl',
  'double-extension': 'evidence.doubleExtension',
  'no-extension': 'evidence.noExtension',
};

function typeFor(extension: string, accept: readonly string[]): FileType {
  const allowed = accept.length ? accept : Object.keys(FILE_TYPES);
  const type = FILE_TYPES[extension];
  if (!type || !allowed.includes(extension)) {
    const list = allowed.filter((e) => FILE_TYPES[e]).join(', ');
    throw new EvidenceError(415, 'type-not-allowed', 'evidence.typeNotAllowed', { list });
  }
  return type;
}

function fromTypeCheck(err: TypeCheckError, type: FileType): EvidenceError {
  switch (err.problem) {
    case 'malware':
      return new EvidenceError(422, 'malware', 'evidence.malware');
    case 'archive':
      return new EvidenceError(422, 'bad-archive', 'evidence.badArchive', {
        type: type.extension,
        detail: err.message,
      });
    default:
      return new EvidenceError(415, 'content-mismatch', 'evidence.contentMismatch', {
        type: type.extension,
        detail: err.message,
      });
  }
}

const asEvidenceError = (err: unknown) =>
  err instanceof UploadError ? new EvidenceError(err.status, err.code, err.key) : err;

const secrets = new WeakMap<object, Promise<Uint8Array>>();
function addressSecret(master: Ports['master']): Promise<Uint8Array> {
  let s = secrets.get(master);
  if (!s) {
    s = master.deriveSecret('evidence-blob-address');
    secrets.set(master, s);
  }
  return s;
}

/**
 * The content address of a tenant's file: `<tenant id>/<HMAC-SHA-256 of the plaintext's SHA-256>`. The
 * same content within a tenant lands on one address; the name reveals neither the hash of the content
 * (no confirming that a tenant holds a known file from a directory listing) nor the file name.
 */
export async function blobAddress(ports: Pick<Ports, 'master'>, tenantId: string, sha256: string) {
  const mac = hmacSha256(await addressSecret(ports.master), `${tenantId}\n${sha256}`);
  return `${tenantId}/${bytesToHex(mac)}`;
}

/**
 * Where a row's bytes are: a file with its own key has its own blob (keyed name of its id), so destroying
 * it removes exactly that blob; a file stored before per-file keys shares the content address above.
 */
export async function evidenceBlobAddress(
  ports: Pick<Ports, 'master'>,
  tenantId: string,
  row: { id: string; sha256: string; fileKey: string | null },
) {
  if (row.fileKey === null) return blobAddress(ports, tenantId, row.sha256);
  const mac = hmacSha256(await addressSecret(ports.master), `${tenantId}\nfile\n${row.id}`);
  return `${tenantId}/${bytesToHex(mac)}`;
}

/** Binds a sealed blob to its tenant (AAD of every chunk). */
export const sealBinding = (tenantId: string) => `evidence:${tenantId}`;

/**
 * Reads one file upload from `request` (multipart/form-data, one file part, any field name) and stores
 * it as evidence for `questionId` of the assessment. Returns the row; throws EvidenceError (4xx) for
 * anything refused, having stored nothing.
 */
export async function storeEvidence(
  ports: EvidencePorts,
  target: EvidenceTarget,
  request: Request,
): Promise<Evidence> {
  const { tenantId, assessmentId, uploadedBy } = target;
  let rule: FileRule;
  let qid: string;
  let replaced: repo.EvidenceRow | null = null;
  try {
    const t = await openTarget(ports, tenantId, assessmentId, target.questionId);
    rule = t.rule;
    qid = t.qid;
    if (target.replaces !== undefined) {
      replaced = await currentFile(ports, tenantId, assessmentId, target.replaces);
      if (!replaced || replaced.questionId !== qid) throw replacedNotFound();
    }
    // A replacement takes the place of the file it replaces: it does not count against the limit.
    if (!replaced && t.existing >= rule.maxFiles) {
      throw new EvidenceError(409, 'too-many-files', 'evidence.tooManyFiles', { max: rule.maxFiles });
    }
  } catch (err) {
    await request.body?.cancel().catch(() => {});
    throw err;
  }

  const part = await openFilePart(request, {
    maxBodyBytes: rule.maxBytes + FRAMING_ALLOWANCE,
    maxFileBytes: rule.maxBytes,
    maxParts: 10,
    maxHeaderBytes: 8 * 1024,
    maxFieldBytes: 8 * 1024,
  }).catch((err: unknown) => {
    throw asEvidenceError(err);
  });
  const refuse = async (err: unknown): Promise<never> => {
    await part.body.cancel().catch(() => {});
    throw err;
  };
  const name = cleanFileName(part.filename);
  if (!name.ok) return refuse(new EvidenceError(422, 'bad-name', NAME_MESSAGES[name.problem]));
  let type: FileType;
  try {
    type = typeFor(name.extension, rule.accept);
  } catch (err) {
    return refuse(err);
  }
  const tenantKey = await dataKeysFor(ports).current(tenantId).catch(refuse);
  // The row's id is chosen now: the file's key is bound to it and its blob is named by it.
  const evidenceId = newId();
  const fileKey = await newFileKey(tenantKey.key, tenantId, evidenceId).catch(refuse);
  const key = { id: evidenceId, key: fileKey.key };

  const inspector = new Inspector(type);
  const hasher = createSha256();
  let size = 0;
  const check = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      inspector.update(chunk);
      hasher.update(chunk);
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush() {
      inspector.finish();
    },
  });

  let staged: Awaited<ReturnType<Ports['blobs']['stage']>>;
  try {
    staged = await ports.blobs.stage(
      part.body.pipeThrough(check).pipeThrough(encryptStream(key, sealBinding(tenantId))),
    );
  } catch (err) {
    await part.body.cancel().catch(() => {});
    if (err instanceof TypeCheckError) throw fromTypeCheck(err, type);
    throw asEvidenceError(err);
  }
  try {
    await part.rest();
  } catch (err) {
    await staged.discard().catch(() => {});
    throw asEvidenceError(err);
  }

  const sha256 = bytesToHex(hasher.digest());
  // Committed before the row is written, so no row ever names a missing blob.
  const address = await evidenceBlobAddress(ports, tenantId, {
    id: evidenceId,
    sha256,
    fileKey: fileKey.wrapped,
  });
  await staged.commit(address);
  const now = ports.clock.now();
  try {
    const row = await ports.store.tenant(tenantId).write((tx) => {
      // An evidence change is an answer change: it bumps the answer revision under the open-status guard,
      // so a submission that read the files before this commits is refused and re-reads.
      repo.touchAnswers(tx, assessmentId, now);
      // Guarded: of two replacements of one version, only the first commits.
      if (replaced) repo.supersedeEvidence(tx, assessmentId, replaced.id, now);
      const r = repo.insertEvidence(
        tx,
        {
          id: evidenceId,
          assessmentId,
          questionId: qid,
          fileName: name.name,
          contentType: type.mime,
          size,
          sha256,
          keyId: tenantKey.id,
          fileKey: fileKey.wrapped,
          version: replaced ? replaced.version + 1 : 1,
          replacesId: replaced?.id ?? null,
          uploadedBy,
        },
        now,
      );
      tx.audit(
        {
          actor: uploadedBy,
          action: 'evidence.uploaded',
          target: `evidence:${r.id}`,
          data: {
            assessment: assessmentId,
            question: qid,
            data_sha256: sha256,
            size,
            type: type.mime,
            version: r.version,
            ...(replaced ? { replaces: replaced.id } : {}),
          },
        },
        now,
      );
      return r;
    });
    ports.logger.info({ event: 'evidence.uploaded', evidence: row.id, size }, 'evidence stored');
    return toEvidence(row);
  } catch (err) {
    // No row names this file's own blob: remove it (its key was never stored).
    await ports.blobs.delete(address).catch(() => {});
    if (err instanceof GuardError && err.guard === repo.EVIDENCE_PRESENT) throw replacedNotFound();
    if (err instanceof GuardError) {
      throw new EvidenceError(409, 'closed', 'evidence.closed');
    }
    throw err;
  }
}

// ---- listing and removing --------------------------------------------------------------------------

/** The files of an assessment (optionally of one question) that have not been removed, oldest first. */
export async function listEvidence(
  ports: Pick<Ports, 'store'>,
  target: { tenantId: string; assessmentId: string; questionId?: string },
): Promise<Evidence[]> {
  if (!isId(target.tenantId) || !isId(target.assessmentId)) return [];
  const qid = target.questionId === undefined ? undefined : plainQuestionId(target.questionId);
  const rows = await ports.store
    .tenant(target.tenantId)
    .read((tx) => repo.listEvidence(tx, target.assessmentId, qid));
  return rows.map(toEvidence);
}

/**
 * Removes a file before submission: the row is marked `deleted_at` (kept for the audit trail) in a unit
 * guarded on the assessment still being open and the file not already removed. 404 for a file that is
 * not this assessment's (or this tenant's), 409 once the assessment is submitted.
 */
export async function removeEvidence(
  ports: Pick<Ports, 'store' | 'clock'>,
  target: { tenantId: string; assessmentId: string; evidenceId: string; removedBy: string },
): Promise<void> {
  const { tenantId, assessmentId, evidenceId, removedBy } = target;
  if (!isId(tenantId) || !isId(assessmentId) || !isId(evidenceId)) throw notFound();
  const now = ports.clock.now();
  try {
    await ports.store.tenant(tenantId).write(async (tx) => {
      const row = await repo.getEvidence(tx, evidenceId);
      if (!row || row.assessmentId !== assessmentId) throw notFound();
      repo.touchAnswers(tx, assessmentId, now);
      repo.softDeleteEvidence(tx, assessmentId, evidenceId, now);
      tx.audit(
        {
          actor: removedBy,
          action: 'evidence.removed',
          target: `evidence:${evidenceId}`,
          data: { assessment: assessmentId, question: row.questionId, data_sha256: row.sha256 },
        },
        now,
      );
    });
  } catch (err) {
    if (err instanceof GuardError && err.guard === repo.ASSESSMENT_OPEN) {
      throw new EvidenceError(409, 'closed', 'evidence.closed');
    }
    if (err instanceof GuardError) throw notFound();
    throw err;
  }
}

/**
 * Destroys one file for good (erasure, retention, tenant deletion): its wrapped key is removed from the
 * row and the row marked destroyed, with an audit entry carrying the file's SHA-256, in one unit; then
 * its blob is deleted. The key goes first: if deleting the blob fails, what is left no longer decrypts.
 * A file stored before per-file keys shares its blob by content address; that blob is deleted only when
 * no other live row names the same content.
 */
export async function destroyEvidence(
  ports: Pick<Ports, 'store' | 'clock' | 'blobs' | 'master'>,
  target: { tenantId: string; evidenceId: string; actor: string; reason: string },
): Promise<{ sha256: string } | null> {
  const { tenantId, evidenceId, actor, reason } = target;
  if (!isId(tenantId) || !isId(evidenceId)) return null;
  const now = ports.clock.now();
  const destroy = ports.store.tenant(tenantId).write(async (tx) => {
    const r = await repo.getEvidenceAnyState(tx, evidenceId);
    if (!r || r.destroyedAt) return null;
    repo.destroyEvidenceKey(tx, evidenceId, now);
    tx.audit(
      {
        actor,
        action: 'evidence.destroyed',
        target: `evidence:${evidenceId}`,
        data: { assessment: r.assessmentId, data_sha256: r.sha256, reason },
      },
      now,
    );
    return r;
  });
  // A concurrent destruction won the guard: the file is gone either way.
  const row = await destroy.catch((err: unknown) => {
    if (err instanceof GuardError && err.guard === repo.EVIDENCE_NOT_DESTROYED) return null;
    throw err;
  });
  if (!row) return null;
  if (row.fileKey !== null) {
    await ports.blobs.delete(await evidenceBlobAddress(ports, tenantId, row));
  } else {
    const sharing = await ports.store.tenant(tenantId).read((tx) => repo.liveRowsWithContent(tx, row.sha256));
    if (sharing === 0) await ports.blobs.delete(await blobAddress(ports, tenantId, row.sha256));
  }
  return { sha256: row.sha256 };
}
